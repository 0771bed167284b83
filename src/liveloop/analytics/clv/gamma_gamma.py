"""Gamma-Gamma: a customer's spend per purchase (Fader & Hardie 2013)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from liveloop.analytics.clv.likelihood import LikelihoodModel, Vector, by_frequency, dot
from liveloop.analytics.clv.summary import Summary, SummaryError


@dataclass(frozen=True)
class _SpendData:
    """Repeat buyers arranged for the Gamma-Gamma likelihood (money in the fitting unit)."""

    total: float  # Σ w
    xs: Vector  # distinct frequencies …
    xw: Vector  # … and their weights
    log_x: float  # Σ w·x·ln x
    log_m: float  # Σ w·ln m
    x_log_m: float  # Σ w·x·ln m
    x: Vector  # per repeat buyer: frequency, total repeat spend x·m, weight
    xm: Vector
    w: Vector


class GammaGamma(LikelihoodModel):
    """Gamma-Gamma: a customer's purchases are Gamma(p, ν), ν ~ Gamma(q, γ); fitted on repeat
    buyers' mean spend, with an analytic gradient. Fader & Hardie (2013), "The Gamma-Gamma Model
    of Monetary Value", eq. 1–5. Needs frequency and monetary_value; γ is in the money unit."""

    names = ("p", "q", "gamma")
    start = (1.0, 1.0, 1.0)
    unit_params = ("gamma",)

    def _check(self, summary: Summary) -> None:
        if summary.monetary is None:
            raise SummaryError("Gamma-Gamma needs monetary_value")
        super()._check(summary)

    def _unit(self, summary: Summary) -> float:
        keep = summary.frequency > 0
        m = summary.monetary[keep]  # type: ignore[index]
        mean = float(np.sum(summary.weights[keep] * m) / np.sum(summary.weights[keep]))
        return mean if np.isfinite(mean) and mean > 0 else 1.0

    def _prepare(self, summary: Summary, unit: float) -> _SpendData:
        keep = summary.frequency > 0
        x = summary.frequency[keep]
        m = summary.monetary[keep] / unit  # type: ignore[index]
        w = np.ones(len(x)) if summary.weight is None else summary.weight[keep]
        xs, xw = by_frequency(x, w)
        log_m = np.log(m)
        return _SpendData(
            float(w.sum()),
            xs,
            xw,
            dot(xw, xs * np.log(xs)),
            dot(w, log_m),
            dot(w, x * log_m),
            x,
            x * m,
            w,
        )

    def _total(self, data: _SpendData) -> float:
        return data.total

    def _unit_shift(self, data: _SpendData) -> float:
        return data.total

    def _value(self, params: Vector, d: _SpendData) -> float:
        """Fader & Hardie (2013), eq. 4 summed over repeat buyers: terms in x alone are summed
        per distinct x, terms in m alone are constants; one logarithm per buyer remains."""
        p, q, gamma = params
        pxs = p * d.xs
        with np.errstate(all="ignore"):
            ll = (
                dot(d.xw, gammaln(pxs + q) - gammaln(pxs))
                + d.total * (q * np.log(gamma) - gammaln(q))
                + p * (d.x_log_m + d.log_x)
                - d.log_m
                - dot(d.w, (p * d.x + q) * np.log(d.xm + gamma))
            )
        return -float(ll) / d.total

    def _gradient(self, params: Vector, d: _SpendData) -> Vector:
        p, q, gamma = params
        pxs = p * d.xs
        with np.errstate(all="ignore"):
            psi = digamma(pxs + q)
            log_xm = np.log(d.xm + gamma)
            wl = d.w * log_xm
            grad = np.array(
                [
                    dot(d.xw, d.xs * (psi - digamma(pxs))) + d.x_log_m + d.log_x - dot(wl, d.x),
                    dot(d.xw, psi) + d.total * (np.log(gamma) - digamma(q)) - wl.sum(),
                    d.total * q / gamma - dot(d.w, (p * d.x + q) / (d.xm + gamma)),
                ]
            )
        return -grad / d.total

    def population_spend(self) -> float | None:
        """E[M] = pγ/(q−1): the mean spend per purchase of a new customer (None if q ≤ 1, when
        the fitted distribution has no finite mean)."""
        p, q, gamma = self._fitted()
        return p * gamma / (q - 1) if q > 1 else None

    def expected_spend(self, s: Summary) -> Vector:
        """E[M | x, m_x]: a customer's expected spend per purchase (eq. 5), written as
        p(γ + x·m_x) / (px + q − 1). Customers without repeat purchases get the population mean
        (or, if q ≤ 1, the weighted mean of the repeat buyers' own means)."""
        p, q, gamma = self._fitted()
        x = s.frequency
        m = s.monetary if s.monetary is not None else np.zeros_like(x)
        population = self.population_spend()
        if population is None:
            keep = x > 0
            population = float(np.average(m[keep], weights=s.weights[keep])) if keep.any() else 0
        denominator = p * x + q - 1
        with np.errstate(all="ignore"):
            conditional = p * (gamma + x * m) / denominator
        usable = (x > 0) & (denominator > 0) & np.isfinite(conditional)
        return np.where(usable, conditional, population).astype(float)
