"""BG/NBD, Pareto/NBD and Gamma-Gamma, fitted by maximum likelihood in log space.

- BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers" the Easy Way, Marketing Science
  24(2), eq. 6 for the likelihood, eq. 10 for expected purchases, eq. 12 for P(alive).
- Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", eq. 1–5.

Each model is a class whose ``fit(summary)`` returns self with ``params_`` (dict),
``standard_errors_`` (from the inverse Hessian of the negative log-likelihood), and
``log_likelihood_``. Parameters are optimised on the log scale (they are all positive).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

from liveloop.analytics.clv.summary import Summary, SummaryError

Vector = NDArray[np.float64]


def _hessian(f: Callable[[Vector], float], at: Vector) -> Vector:
    """Central-difference Hessian; steps scale with each parameter."""
    n = len(at)
    steps = 1e-4 * np.maximum(np.abs(at), 1e-2)
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * steps[i], np.eye(n)[j] * steps[j]
            value = (f(at + ei + ej) - f(at + ei - ej) - f(at - ei + ej) + f(at - ei - ej)) / (
                4 * steps[i] * steps[j]
            )
            h[i, j] = h[j, i] = value
    return h


class _Model:
    names: tuple[str, ...] = ()
    start: tuple[float, ...] = ()

    def __init__(self) -> None:
        self.params_: dict[str, float] = {}
        self.standard_errors_: dict[str, float] = {}
        self.log_likelihood_: float = float("nan")

    def _negative_ll(self, params: Vector, summary: Summary) -> float:
        raise NotImplementedError

    def fit(self, summary: Summary) -> _Model:
        self._check(summary)
        summary = summary.compressed()

        def objective(log_params: Vector) -> float:
            value = self._negative_ll(np.exp(log_params), summary)
            return value if np.isfinite(value) else 1e300

        # L-BFGS-B reaches the optimum in ~100 likelihood evaluations; Nelder-Mead, slower but
        # derivative-free, is the fallback when it stops short.
        result = minimize(objective, np.log(self.start), method="L-BFGS-B")
        if not result.success or not np.isfinite(result.fun):
            fallback = minimize(
                objective,
                result.x,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20_000, "maxfev": 40_000},
            )
            result = fallback if fallback.fun < result.fun else result
        params = np.exp(result.x)
        self.params_ = dict(zip(self.names, map(float, params), strict=True))
        self.log_likelihood_ = -float(self._negative_ll(params, summary))
        hessian = _hessian(lambda p: self._negative_ll(p, summary), params)
        try:
            covariance = np.linalg.inv(hessian)
            errors = np.sqrt(np.clip(np.diag(covariance), 0, None))
        except np.linalg.LinAlgError:
            errors = np.full(len(params), np.nan)
        self.standard_errors_ = dict(zip(self.names, map(float, errors), strict=True))
        return self

    def _check(self, summary: Summary) -> None:
        if not (summary.frequency > 0).any():
            raise SummaryError("nobody bought more than once: the model cannot be fitted")


class BetaGeo(_Model):
    """BG/NBD: purchases while alive are Poisson(λ), λ ~ Gamma(r, α); after each purchase a
    customer drops out with probability p, p ~ Beta(a, b)."""

    names = ("r", "alpha", "a", "b")
    start = (1.0, 1.0, 1.0, 1.0)

    def _negative_ll(self, params: Vector, s: Summary) -> float:
        r, alpha, a, b = params
        x, t_x, T = s.frequency, s.recency, s.T
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(
                x > 0,
                np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        return -float(np.sum(s.weights * (a1 + a2 + np.logaddexp(a3, a4))))

    def p_alive(self, s: Summary) -> Vector:
        r, alpha, a, b = (self.params_[n] for n in self.names)
        x, t_x, T = s.frequency, s.recency, s.T
        with np.errstate(divide="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        return np.where(x > 0, 1 / (1 + np.exp(log_ratio)), 1.0)

    def expected_purchases(self, s: Summary, t: float) -> Vector:
        """E[X(t) | x, t_x, T]: purchases expected in the next ``t`` time units."""
        r, alpha, a, b = (self.params_[n] for n in self.names)
        x, T = s.frequency, s.T
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        alive_odds = 1 / self.p_alive(s)
        return np.asarray(head * tail / alive_odds, dtype=float)


class ParetoNBD(_Model):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases Poisson(λ), λ ~ Gamma(r, α);
    lifetimes exponential(μ), μ ~ Gamma(s, β). Likelihood as in Fader & Hardie (2005), "A Note on
    Deriving the Pareto/NBD Model and Related Expressions", eq. 22, in log space."""

    names = ("r", "alpha", "s", "beta")
    start = (1.0, 1.0, 1.0, 1.0)

    def _negative_ll(self, params: Vector, summary: Summary) -> float:
        r, alpha, s, beta = params
        x, t_x, T = summary.frequency, summary.recency, summary.T
        top, gap = max(alpha, beta), abs(alpha - beta)
        second = s + 1 if alpha >= beta else r + x
        rsx = r + s + x
        early = hyp2f1(rsx, second, rsx + 1, gap / (top + t_x))
        late = hyp2f1(rsx, second, rsx + 1, gap / (top + T)) * ((top + t_x) / (top + T)) ** rsx
        with np.errstate(divide="ignore", invalid="ignore"):
            a0 = np.log(np.maximum(early - late, 0)) - rsx * np.log(top + t_x)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        a2 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        return -float(np.sum(summary.weights * (a1 + np.logaddexp(a2, np.log(s / rsx) + a0))))


class GammaGamma(_Model):
    """Gamma-Gamma: a customer's purchases are Gamma(p, ν), ν ~ Gamma(q, γ); fitted on repeat
    buyers' mean spend."""

    names = ("p", "q", "gamma")
    start = (1.0, 1.0, 1.0)

    def _check(self, summary: Summary) -> None:
        if summary.monetary is None:
            raise SummaryError("Gamma-Gamma needs monetary_value")
        super()._check(summary)

    def _negative_ll(self, params: Vector, s: Summary) -> float:
        p, q, gamma = params
        keep = s.frequency > 0
        x, m, w = s.frequency[keep], s.monetary[keep], s.weights[keep]  # type: ignore[index]
        ll = (
            gammaln(p * x + q)
            - gammaln(p * x)
            - gammaln(q)
            + q * np.log(gamma)
            + (p * x - 1) * np.log(m)
            + (p * x) * np.log(x)
            - (p * x + q) * np.log(x * m + gamma)
        )
        return -float(np.sum(w * ll))

    def expected_spend(self, s: Summary) -> Vector:
        """E[M | x, m_x]: a customer's expected spend per purchase (eq. 5)."""
        p, q, gamma = (self.params_[n] for n in self.names)
        x = s.frequency
        m = s.monetary if s.monetary is not None else np.zeros_like(x)
        population = p * gamma / (q - 1)
        weight = (q - 1) / (p * x + q - 1)
        return np.asarray(weight * population + (1 - weight) * m, dtype=float)
