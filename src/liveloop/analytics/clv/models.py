"""BG/NBD, Pareto/NBD and Gamma-Gamma, fitted by maximum likelihood in log space.

- BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers" the Easy Way, Marketing Science
  24(2), eq. 6 for the likelihood, eq. 10 for expected purchases, eq. 12 for P(alive).
- Pareto/NBD: Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related
  Expressions", eq. 22.
- Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", eq. 1–5.

Each model is a class whose ``fit(summary)`` returns self with ``params_`` (dict),
``standard_errors_`` (from the inverse Hessian of the negative log-likelihood),
``log_likelihood_`` and ``at_bound_`` (parameters the data drove to the edge of the search box:
a limit case such as "nobody drops out"; their standard errors are NaN).

How the fits are made fast and safe (decision 0009):

- parameters are optimised on the log scale, inside a box (``LOG_BOUND``), with time (α, β) or
  money (γ) rescaled to a unit near 1 while fitting, so huge T or big amounts cost nothing;
- BG/NBD has an analytic gradient and Hessian: a short damped Newton run (started from a fit on a
  subsample of the customers) reaches the optimum, and the Hessian gives the standard errors.
  Terms that depend on frequency alone are summed once per distinct frequency, and customers
  without repeat purchases once per distinct T;
- Gamma-Gamma has an analytic gradient for L-BFGS-B; Pareto/NBD uses a numerical one;
- L-BFGS-B (then Nelder-Mead) is the fallback whenever Newton stops short.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1, polygamma

from liveloop.analytics.clv.summary import NotEnoughData, Summary, SummaryError, fold

Vector = NDArray[np.float64]
Matrix = NDArray[np.float64]

# Log-parameters stay in [-LOG_BOUND, LOG_BOUND], i.e. 1.5e-8 … 6.6e7 once time or money is in a
# unit near 1: far from any fit on real data, and it keeps the limits that a thin summary drives
# the optimum towards (no dropout, no heterogeneity) finite.
LOG_BOUND = 18.0


def _hessian(f: Callable[[Vector], float], at: Vector) -> Matrix:
    """Central-difference Hessian of ``f``; steps scale with each parameter."""
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


def _jacobian(g: Callable[[Vector], Vector], at: Vector) -> Matrix:
    """Central differences of an analytic gradient: a Hessian in 2n gradient calls."""
    n = len(at)
    steps = 1e-6 * np.maximum(np.abs(at), 1e-3)
    h = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = steps[i]
        h[:, i] = (g(at + e) - g(at - e)) / (2 * steps[i])
    return (h + h.T) / 2


def _dot(a: Vector, b: Vector) -> float:
    """Σ a·b without BLAS: OpenBLAS's threaded dot costs milliseconds on a busy two-core
    machine, where this single pass costs microseconds."""
    return float(np.einsum("i,i->", a, b))


def _summed(v: Vector) -> float:
    return float(v.sum())


def _newton(
    f_g_h: Callable[[Vector], tuple[float, Vector, Matrix]], start: Vector, iterations: int = 60
) -> Vector | None:
    """Damped Newton on log-parameters with a backtracking line search; None if it stops short
    (the caller then falls back to L-BFGS-B). Converged when the Newton decrement of the mean
    negative log-likelihood is below 1e-13 (≈ 1e-7 of log-likelihood at a million customers)."""
    x = start
    f, g, h = f_g_h(x)
    for _ in range(iterations):
        if not (np.isfinite(f) and np.isfinite(g).all() and np.isfinite(h).all()):
            return None
        step = None
        scale = float(np.max(np.abs(np.diag(h)))) or 1.0
        for damping in (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0):
            try:
                chol = np.linalg.cholesky(h + damping * scale * np.eye(len(x)))
            except np.linalg.LinAlgError:
                continue
            step = -np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            break
        if step is None:
            return None
        decrement = float(-g @ step)
        if decrement < 1e-13:
            return x
        t = 1.0
        while True:
            trial = x + t * step
            if np.abs(trial).max() <= LOG_BOUND:
                ft, gt, ht = f_g_h(trial)
                if np.isfinite(ft) and ft <= f - 1e-4 * t * decrement:
                    break
            t /= 2
            if t < 1e-8:
                return None
        x, f, g, h = trial, ft, gt, ht
    return None


class _Model:
    names: tuple[str, ...] = ()
    start: tuple[float, ...] = ()
    # Parameters measured in the summary's time or money unit: divided by ``_unit`` while fitting.
    unit_params: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params_: dict[str, float] = {}
        self.standard_errors_: dict[str, float] = {}
        self.log_likelihood_: float = float("nan")
        self.at_bound_: tuple[str, ...] = ()

    # What each model provides; ``params`` are natural (not log) and in the fitting unit.
    def _unit(self, summary: Summary) -> float:
        return 1.0

    def _prepare(self, summary: Summary, unit: float) -> Any:
        raise NotImplementedError

    def _value(self, params: Vector, data: Any) -> float:
        """Mean negative log-likelihood per customer."""
        raise NotImplementedError

    def _gradient(self, params: Vector, data: Any) -> Vector | None:
        return None

    def _unit_shift(self, data: Any) -> float:
        """Σ ∂(log-likelihood)/∂(log unit) — the constant that converts LL back to the caller's
        unit: LL(original) = LL(rescaled) − shift · log(unit)."""
        raise NotImplementedError

    def _total(self, data: Any) -> float:
        raise NotImplementedError

    def _check(self, summary: Summary) -> None:
        if len(summary.frequency) == 0 or summary.weights.sum() <= 0:
            raise NotEnoughData("the summary has no customers")
        if not (summary.frequency > 0).any():
            raise NotEnoughData(
                "nobody bought more than once: the model cannot be fitted until some customers "
                "have repeat purchases"
            )

    def _negative_ll(self, params: Vector, summary: Summary) -> float:
        """Negative log-likelihood of the whole summary at ``params`` (caller's units)."""
        data = self._prepare(summary, 1.0)
        return float(self._value(np.asarray(params, dtype=float), data) * self._total(data))

    def _optimise(self, data: Any) -> Vector:
        gradient = self._gradient(np.asarray(self.start, dtype=float), data) is not None

        def objective(log_params: Vector) -> Any:
            params = np.exp(log_params)
            value = self._value(params, data)
            if not gradient:
                return value if np.isfinite(value) else 1e300
            grad = self._gradient(params, data)
            if not np.isfinite(value) or grad is None or not np.isfinite(grad).all():
                return 1e300, np.zeros_like(log_params)
            return value, grad * params

        bounds = [(-LOG_BOUND, LOG_BOUND)] * len(self.names)
        start = np.log(self._start(data))
        result = minimize(
            objective,
            start,
            jac=gradient,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 500},
        )
        # With a numerical gradient L-BFGS-B can stop short of the optimum; with an analytic one
        # a failed line search means the optimum is as close as floating point allows.
        if (not result.success and not gradient) or not np.isfinite(result.fun):

            def value(log_params: Vector) -> float:
                v = objective(np.clip(log_params, -LOG_BOUND, LOG_BOUND))
                return float(v[0] if gradient else v)

            fallback = minimize(
                value,
                result.x,
                method="Nelder-Mead",
                options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4_000, "maxfev": 8_000},
            )
            if fallback.fun < result.fun:
                result = fallback
        return np.clip(np.asarray(result.x, dtype=float), -LOG_BOUND, LOG_BOUND)

    def _start(self, data: Any) -> Vector:
        return np.asarray(self.start, dtype=float)

    def _total_hessian(self, params: Vector, data: Any) -> Matrix:
        total = self._total(data)

        def gradient(p: Vector) -> Vector:
            return np.asarray(self._gradient(p, data), dtype=np.float64) * total

        if self._gradient(params, data) is not None:
            return _jacobian(gradient, params)
        return _hessian(lambda p: self._value(p, data) * total, params)

    def fit(self, summary: Summary) -> Self:
        self._check(summary)
        unit = self._unit(summary)
        data = self._prepare(summary, unit)
        log_params = self._optimise(data)
        fitted = np.exp(log_params)
        at_bound = np.abs(log_params) > LOG_BOUND - 1e-3
        scale = np.array([unit if n in self.unit_params else 1.0 for n in self.names])
        errors = np.full(len(fitted), np.nan)
        free = ~at_bound
        if free.any():
            hessian = self._total_hessian(fitted, data)[np.ix_(free, free)]
            try:
                covariance = np.linalg.inv(hessian)
                diagonal = np.diag(covariance)
                errors[free] = np.where(diagonal > 0, np.sqrt(np.abs(diagonal)), np.nan)
            except np.linalg.LinAlgError:
                pass
        total = self._total(data)
        self.log_likelihood_ = -float(self._value(fitted, data) * total) - self._unit_shift(
            data
        ) * float(np.log(unit))
        self.params_ = dict(zip(self.names, map(float, fitted * scale), strict=True))
        self.standard_errors_ = dict(zip(self.names, map(float, errors * scale), strict=True))
        self.at_bound_ = tuple(n for n, b in zip(self.names, at_bound, strict=True) if b)
        return self

    def _fitted(self) -> tuple[float, ...]:
        if not self.params_:
            raise SummaryError(f"{type(self).__name__} is not fitted yet: call fit(summary)")
        return tuple(self.params_[n] for n in self.names)


def _time_unit(summary: Summary) -> float:
    """The customers' mean age: time is divided by it while fitting (α and β scale with it)."""
    w = summary.weights
    mean = float(np.sum(w * summary.T) / np.sum(w))
    return mean if np.isfinite(mean) and mean > 0 else 1.0


@dataclass(frozen=True)
class _BGData:
    """A summary arranged for the BG/NBD likelihood (time already in the fitting unit)."""

    total: float  # Σ weights: customers
    purchases: float  # Σ weights · frequency
    xs: Vector  # distinct frequencies (0 included) …
    xw: Vector  # … and the weight of each
    T0: Vector  # non-repeat buyers: distinct T …
    w0: Vector  # … and the weight of each
    x: Vector  # repeat buyers, one row each (or per folded row)
    t_x: Vector
    T: Vector
    w: Vector
    unit_weights: bool = False  # every repeat buyer's weight is 1 (the summary was not folded)

    def subsample(self, rows: int) -> _BGData:
        """Every k-th repeat buyer (weights × k) with everyone else: a cheap first fit."""
        k = max(len(self.x) // rows, 1)
        x, t_x, T = (np.ascontiguousarray(v[::k]) for v in (self.x, self.t_x, self.T))
        w = self.w[::k] * k
        xs, xw = _by_frequency(x, w)
        zero = self.total - self.xw[self.xs > 0].sum()
        return _BGData(
            zero + w.sum(),
            _dot(w, x),
            np.r_[0.0, xs],
            np.r_[zero, xw],
            self.T0,
            self.w0,
            x,
            t_x,
            T,
            w,
        )


def _by_frequency(x: Vector, w: Vector | None) -> tuple[Vector, Vector]:
    if len(x) and x.max() < 10_000_000:
        weight = np.bincount(x.astype(np.int64), weights=w).astype(float)
        present = np.flatnonzero(weight)
        return present.astype(np.float64), np.asarray(weight[present], dtype=np.float64)
    xs, inverse = np.unique(x, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=w, minlength=len(xs))
    return xs, np.asarray(weight, dtype=np.float64)


def _bg_data(summary: Summary, unit: float) -> _BGData:
    x, weight = summary.frequency, summary.weight
    repeat = x > 0
    once = ~repeat
    (T0,), w0 = fold([summary.T[once] / unit], None if weight is None else weight[once])
    w = np.ones(int(repeat.sum())) if weight is None else weight[repeat]
    xs, xw = _by_frequency(x, weight)
    return _BGData(
        float(xw.sum()),
        _dot(xs, xw),
        xs,
        xw,
        T0,
        w0,
        x[repeat],
        summary.recency[repeat] / unit,
        summary.T[repeat] / unit,
        w,
        weight is None,
    )


def _bg_terms(params: Vector, d: _BGData, order: int) -> tuple[float, Vector, Matrix]:
    """Mean negative log-likelihood of BG/NBD, with its gradient and Hessian in the natural
    parameters (order 0: value only, 1: and gradient, 2: and Hessian).

    Per customer, LL = A1 + A2 + log(e^A3 + [x > 0] e^A4) (FHL 2005, eq. 6) with
    A1 = lnΓ(r+x) − lnΓ(r) + r ln α, A2 = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x),
    A3 = −(r+x) ln(α+T), A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x). A1 and A2 depend on x alone
    (summed per distinct x); x = 0 leaves A3 alone (summed per distinct T). For the rest, with
    ω = e^A4 / (e^A3 + e^A4) and D = ∇A4 − ∇A3: ∇L = ∇A3 + ωD, ∇²L = ∇²A3 + ω(∇²A4 − ∇²A3)
    + ω(1−ω) D Dᵀ.
    """
    r, alpha, a, b = params
    xs, xw = d.xs, d.xw
    n = d.total
    ab = a + b
    ll = (
        _dot(xw, gammaln(r + xs) + gammaln(b + xs) - gammaln(ab + xs))
        + n * (-gammaln(r) + r * np.log(alpha) + gammaln(ab) - gammaln(b))
        - r * _dot(d.w0, np.log(alpha + d.T0))
    )
    # Repeat buyers, one row each: the only per-row work. Unit weights skip their products.
    weigh = _summed if d.unit_weights else lambda v: _dot(d.w, v)
    rx = r + d.x
    log_T = np.log(alpha + d.T)
    d_r = log_T - np.log(alpha + d.t_x)  # ∂(A4 − A3)/∂r
    diff = np.log(a) - np.log(b + d.x - 1) + rx * d_r  # A4 − A3
    # log(1 + e^diff) and ω = e^diff / (1 + e^diff) from one exponential, overflow-free
    small = np.exp(-np.abs(diff))
    rx_log_T = rx * log_T
    ll += weigh(np.maximum(diff, 0) + np.log1p(small) - rx_log_T)
    grad = np.zeros(4)
    hess = np.zeros((4, 4))
    if order >= 1:
        omega = np.where(diff >= 0, 1, small) / (1 + small)
        inv_T, inv_tx = 1 / (alpha + d.T), 1 / (alpha + d.t_x)
        inv_gap = inv_T - inv_tx
        inv_b = 1 / (b + d.x - 1)
        d_alpha = rx * inv_gap
        wo = omega if d.unit_weights else d.w * omega
        sum_wo = _summed(wo)
        psi_ab = digamma(ab)
        rx_inv_T = rx * inv_T
        grad[0] = (
            _dot(xw, digamma(r + xs))
            + n * (np.log(alpha) - digamma(r))
            - _dot(d.w0, np.log(alpha + d.T0))
            - weigh(log_T)
            + _dot(wo, d_r)
        )
        grad[1] = n * r / alpha - r * _dot(d.w0, 1 / (alpha + d.T0)) - weigh(rx_inv_T)
        grad[1] += _dot(wo, d_alpha)
        grad[2] = n * psi_ab - _dot(xw, digamma(ab + xs)) + sum_wo / a
        wo_inv_b = _dot(wo, inv_b)
        grad[3] = (
            n * (psi_ab - digamma(b)) + _dot(xw, digamma(b + xs) - digamma(ab + xs)) - wo_inv_b
        )
        if order >= 2:
            tri_ab, tri_abx = polygamma(1, ab), _dot(xw, polygamma(1, ab + xs))
            inv_T0 = 1 / (alpha + d.T0)
            hess[0, 0] = _dot(xw, polygamma(1, r + xs)) - n * polygamma(1, r)
            hess[0, 1] = n / alpha - _dot(d.w0, inv_T0) - weigh(inv_T) + _dot(wo, inv_gap)
            hess[1, 1] = (
                -n * r / alpha**2
                + r * _dot(d.w0, inv_T0**2)
                + weigh(rx_inv_T * inv_T)
                - _dot(wo, d_alpha * (inv_T + inv_tx))
            )
            hess[2, 2] = n * tri_ab - tri_abx - sum_wo / a**2
            hess[2, 3] = n * tri_ab - tri_abx
            hess[3, 3] = (
                n * (tri_ab - polygamma(1, b))
                + _dot(xw, polygamma(1, b + xs) - polygamma(1, ab + xs))
                + _dot(wo, inv_b**2)
            )
            # ω(1−ω) D Dᵀ with D = (d_r, d_alpha, 1/a, −1/(b+x−1)); the constant 1/a factored out
            spread = wo * (1 - omega)
            s_r, s_alpha, s_b = spread * d_r, spread * d_alpha, spread * inv_b
            hess[0, 0] += _dot(s_r, d_r)
            hess[0, 1] += _dot(s_r, d_alpha)
            hess[1, 1] += _dot(s_alpha, d_alpha)
            hess[0, 2] += _summed(s_r) / a
            hess[1, 2] += _summed(s_alpha) / a
            hess[2, 2] += _summed(spread) / a**2
            hess[0, 3] -= _dot(s_r, inv_b)
            hess[1, 3] -= _dot(s_alpha, inv_b)
            hess[2, 3] -= _summed(s_b) / a
            hess[3, 3] += _dot(s_b, inv_b)
            hess = np.triu(hess) + np.triu(hess, 1).T
    return -float(ll) / n, -grad / n, -hess / n


class BetaGeo(_Model):
    """BG/NBD: purchases while alive are Poisson(λ), λ ~ Gamma(r, α); after each purchase a
    customer drops out with probability p, p ~ Beta(a, b).

    Needs a summary with frequency, recency and T (any time unit; α is in that unit)."""

    names = ("r", "alpha", "a", "b")
    start = (1.0, 1.0, 1.0, 1.0)
    unit_params = ("alpha",)

    def _unit(self, summary: Summary) -> float:
        return _time_unit(summary)

    def _prepare(self, summary: Summary, unit: float) -> _BGData:
        return _bg_data(summary, unit)

    def _total(self, data: _BGData) -> float:
        return data.total

    def _unit_shift(self, data: _BGData) -> float:
        return data.purchases

    def _terms(self, params: Vector, data: _BGData, order: int) -> tuple[float, Vector, Matrix]:
        # The last evaluation is kept: the fit's final value and Hessian are Newton's last step.
        key = (id(data), params.tobytes())
        cached = getattr(self, "_last_terms", None)
        if cached is not None and cached[0] == key and cached[1] >= order:
            return cached[2]
        with np.errstate(all="ignore"):
            terms = _bg_terms(params, data, order)
        self._last_terms = (key, order, terms)
        return terms

    def _value(self, params: Vector, data: _BGData) -> float:
        return self._terms(params, data, 0)[0]

    def _gradient(self, params: Vector, data: _BGData) -> Vector:
        return self._terms(params, data, 1)[1]

    def _total_hessian(self, params: Vector, data: _BGData) -> Matrix:
        return self._terms(params, data, 2)[2] * data.total

    def _optimise(self, data: _BGData) -> Vector:
        def log_terms(log_params: Vector) -> tuple[float, Vector, Matrix]:
            p = np.exp(log_params)
            f, g, h = self._terms(p, data, 2)
            # chain rule to log-parameters: ∇φ = p∇, ∇²φ = diag(p) ∇² diag(p) + diag(p∇)
            return f, g * p, h * np.outer(p, p) + np.diag(g * p)

        start = np.log(self._start(data))
        found = _newton(log_terms, start)
        return found if found is not None else super()._optimise(data)

    def _start(self, data: _BGData) -> Vector:
        """A fit on ~10,000 repeat buyers (plus all one-time buyers) when there are many more:
        from there Newton needs two or three steps on the whole summary."""
        if len(data.x) <= 30_000:
            return np.asarray(self.start, dtype=float)
        sample = data.subsample(10_000)
        return np.exp(BetaGeo._optimise(self, sample))

    def p_alive(self, s: Summary) -> Vector:
        """P(alive | x, t_x, T) (eq. 12): 1 for customers without repeat purchases."""
        r, alpha, a, b = self._fitted()
        x, t_x, T = s.frequency, s.recency, s.T
        with np.errstate(divide="ignore"):
            log_odds = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        return np.where(x > 0, expit(-log_odds), 1.0)

    def expected_purchases(self, s: Summary, t: float) -> Vector:
        """E[X(t) | x, t_x, T]: purchases expected in the next ``t`` time units (eq. 10)."""
        return self.expected_purchases_over(s, [t])[0]

    def expected_purchases_over(self, s: Summary, horizons: Sequence[float]) -> Matrix:
        """E[X(t) | x, t_x, T] for each horizon t: shape (len(horizons), customers).

        Eq. 10 is P(alive) × a factor that depends on (x, T) alone, so the hypergeometric
        function is evaluated once per distinct (x, T) — a few thousand at a million customers.
        Written with Euler's transformation, 2F1(r+x, b+x; a+b+x−1; z) =
        (1−z)^(a−1−r−x) 2F1(a+b−1−r, a−1; a+b+x−1; z), so the series' parameters do not grow
        with x and the power (1−z)^(r+x) cancels: finite for large x, large T and T = 0.
        """
        r, alpha, a, b = self._fitted()
        if abs(a - 1) < 1e-7:  # the expression is 0/0 at a = 1; its limit is continuous
            a = 1 + 1e-7
        (xs, Ts), inverse = _distinct_pairs(s.frequency, s.T)
        alive = self.p_alive(s)
        c = a + b + xs - 1
        rows = []
        for t in horizons:
            z = t / (alpha + Ts + t)
            with np.errstate(all="ignore"):
                tail = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
                expected = (c / (a - 1) * tail)[inverse] * alive
            bad = ~np.isfinite(expected) | (expected < 0)
            if bad.any():  # a rate × time bound keeps a handful of ill-conditioned rows finite
                rate = (r + s.frequency) / (alpha + s.T)
                expected = np.where(bad, alive * rate * t, expected)
            rows.append(expected)
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(s.frequency))


def _distinct_pairs(x: Vector, T: Vector) -> tuple[tuple[Vector, Vector], NDArray[np.intp]]:
    """Distinct (x, T) pairs and, for each row, the index of its pair."""
    Ts, T_code = np.unique(T, return_inverse=True)
    key = x.astype(np.int64) * len(Ts) + T_code.ravel()
    keys, inverse = np.unique(key, return_inverse=True)
    x_of, T_of = np.divmod(keys, len(Ts))
    return (x_of.astype(np.float64), Ts[T_of]), inverse.ravel()


class ParetoNBD(_Model):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases Poisson(λ), λ ~ Gamma(r, α);
    lifetimes exponential(μ), μ ~ Gamma(s, β). Likelihood as in Fader & Hardie (2005), "A Note on
    Deriving the Pareto/NBD Model and Related Expressions", eq. 22, in log space.

    Needs frequency, recency and T; α and β are in the summary's time unit."""

    names = ("r", "alpha", "s", "beta")
    start = (1.0, 1.0, 1.0, 1.0)
    unit_params = ("alpha", "beta")

    def _unit(self, summary: Summary) -> float:
        return _time_unit(summary)

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
            ll = _dot(summary.weights, a1 + np.logaddexp(a2, np.log(s / rsx) + a0))
        return -float(ll) / self._total(summary)


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


class GammaGamma(_Model):
    """Gamma-Gamma: a customer's purchases are Gamma(p, ν), ν ~ Gamma(q, γ); fitted on repeat
    buyers' mean spend. Needs frequency and monetary_value; γ is in the money unit."""

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
        xs, xw = _by_frequency(x, w)
        log_m = np.log(m)
        return _SpendData(
            float(w.sum()),
            xs,
            xw,
            _dot(xw, xs * np.log(xs)),
            _dot(w, log_m),
            _dot(w, x * log_m),
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
                _dot(d.xw, gammaln(pxs + q) - gammaln(pxs))
                + d.total * (q * np.log(gamma) - gammaln(q))
                + p * (d.x_log_m + d.log_x)
                - d.log_m
                - _dot(d.w, (p * d.x + q) * np.log(d.xm + gamma))
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
                    _dot(d.xw, d.xs * (psi - digamma(pxs))) + d.x_log_m + d.log_x - _dot(wl, d.x),
                    _dot(d.xw, psi) + d.total * (np.log(gamma) - digamma(q)) - wl.sum(),
                    d.total * q / gamma - _dot(d.w, (p * d.x + q) / (d.xm + gamma)),
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
