"""Pareto/NBD: purchases while alive and exponential lifetimes (Schmittlein et al. 1987)."""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, hyp2f1

from liveloop.analytics.clv.likelihood import LikelihoodModel, Vector, dot, time_unit
from liveloop.analytics.clv.summary import Summary


class ParetoNBD(LikelihoodModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases Poisson(λ), λ ~ Gamma(r, α);
    lifetimes exponential(μ), μ ~ Gamma(s, β). Likelihood as in Fader & Hardie (2005), "A Note on
    Deriving the Pareto/NBD Model and Related Expressions", eq. 22, in log space (a numerical
    gradient).

    Needs frequency, recency and T; α and β are in the summary's time unit."""

    names = ("r", "alpha", "s", "beta")
    start = (1.0, 1.0, 1.0, 1.0)
    unit_params = ("alpha", "beta")

    def _unit(self, summary: Summary) -> float:
        return time_unit(summary)

    def _prepare(self, summary: Summary, unit: float) -> Summary:
        s = summary.compressed()
        return Summary(s.frequency, s.recency / unit, s.T / unit, None, s.weights)

    def _total(self, data: Summary) -> float:
        return float(data.weights.sum())

    def _unit_shift(self, data: Summary) -> float:
        return float(data.weights @ data.frequency)

    def _value(self, params: Vector, summary: Summary) -> float:
        r, alpha, s, beta = params
        x, t_x, T = summary.frequency, summary.recency, summary.T
        top, gap = max(alpha, beta), abs(alpha - beta)
        second = s + 1 if alpha >= beta else r + x
        rsx = r + s + x
        with np.errstate(all="ignore"):
            early = hyp2f1(rsx, second, rsx + 1, gap / (top + t_x))
            late = hyp2f1(rsx, second, rsx + 1, gap / (top + T)) * ((top + t_x) / (top + T)) ** rsx
            a0 = np.log(np.maximum(early - late, 0)) - rsx * np.log(top + t_x)
            a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            a2 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
            ll = dot(summary.weights, a1 + np.logaddexp(a2, np.log(s / rsx) + a0))
        return -float(ll) / self._total(summary)
