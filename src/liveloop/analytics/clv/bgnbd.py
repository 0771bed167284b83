"""BG/NBD: purchases while alive and dropout after a purchase (Fader, Hardie & Lee 2005)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import digamma, expit, gammaln, hyp2f1, polygamma

from liveloop.analytics.clv.likelihood import (
    LOG_BOUND,
    LikelihoodModel,
    Matrix,
    Vector,
    by_frequency,
    dot,
    time_unit,
)
from liveloop.analytics.clv.summary import Summary, fold


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
        xs, xw = by_frequency(x, w)
        zero = self.total - self.xw[self.xs > 0].sum()
        return _BGData(
            zero + w.sum(),
            dot(w, x),
            np.r_[0.0, xs],
            np.r_[zero, xw],
            self.T0,
            self.w0,
            x,
            t_x,
            T,
            w,
        )


def _bg_data(summary: Summary, unit: float) -> _BGData:
    x, weight = summary.frequency, summary.weight
    repeat = x > 0
    once = ~repeat
    (T0,), w0 = fold([summary.T[once] / unit], None if weight is None else weight[once])
    w = np.ones(int(repeat.sum())) if weight is None else weight[repeat]
    xs, xw = by_frequency(x, weight)
    return _BGData(
        float(xw.sum()),
        dot(xs, xw),
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
        dot(xw, gammaln(r + xs) + gammaln(b + xs) - gammaln(ab + xs))
        + n * (-gammaln(r) + r * np.log(alpha) + gammaln(ab) - gammaln(b))
        - r * dot(d.w0, np.log(alpha + d.T0))
    )
    # Repeat buyers, one row each: the only per-row work. Unit weights skip their products.
    weigh = _summed if d.unit_weights else lambda v: dot(d.w, v)
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
            dot(xw, digamma(r + xs))
            + n * (np.log(alpha) - digamma(r))
            - dot(d.w0, np.log(alpha + d.T0))
            - weigh(log_T)
            + dot(wo, d_r)
        )
        grad[1] = n * r / alpha - r * dot(d.w0, 1 / (alpha + d.T0)) - weigh(rx_inv_T)
        grad[1] += dot(wo, d_alpha)
        grad[2] = n * psi_ab - dot(xw, digamma(ab + xs)) + sum_wo / a
        wo_inv_b = dot(wo, inv_b)
        grad[3] = n * (psi_ab - digamma(b)) + dot(xw, digamma(b + xs) - digamma(ab + xs)) - wo_inv_b
        if order >= 2:
            tri_ab, tri_abx = polygamma(1, ab), dot(xw, polygamma(1, ab + xs))
            inv_T0 = 1 / (alpha + d.T0)
            hess[0, 0] = dot(xw, polygamma(1, r + xs)) - n * polygamma(1, r)
            hess[0, 1] = n / alpha - dot(d.w0, inv_T0) - weigh(inv_T) + dot(wo, inv_gap)
            hess[1, 1] = (
                -n * r / alpha**2
                + r * dot(d.w0, inv_T0**2)
                + weigh(rx_inv_T * inv_T)
                - dot(wo, d_alpha * (inv_T + inv_tx))
            )
            hess[2, 2] = n * tri_ab - tri_abx - sum_wo / a**2
            hess[2, 3] = n * tri_ab - tri_abx
            hess[3, 3] = (
                n * (tri_ab - polygamma(1, b))
                + dot(xw, polygamma(1, b + xs) - polygamma(1, ab + xs))
                + dot(wo, inv_b**2)
            )
            # ω(1−ω) D Dᵀ with D = (d_r, d_alpha, 1/a, −1/(b+x−1)); the constant 1/a factored out
            spread = wo * (1 - omega)
            s_r, s_alpha, s_b = spread * d_r, spread * d_alpha, spread * inv_b
            hess[0, 0] += dot(s_r, d_r)
            hess[0, 1] += dot(s_r, d_alpha)
            hess[1, 1] += dot(s_alpha, d_alpha)
            hess[0, 2] += _summed(s_r) / a
            hess[1, 2] += _summed(s_alpha) / a
            hess[2, 2] += _summed(spread) / a**2
            hess[0, 3] -= dot(s_r, inv_b)
            hess[1, 3] -= dot(s_alpha, inv_b)
            hess[2, 3] -= _summed(s_b) / a
            hess[3, 3] += dot(s_b, inv_b)
            hess = np.triu(hess) + np.triu(hess, 1).T
    return -float(ll) / n, -grad / n, -hess / n


class BetaGeo(LikelihoodModel):
    """BG/NBD: purchases while alive are Poisson(λ), λ ~ Gamma(r, α); after each purchase a
    customer drops out with probability p, p ~ Beta(a, b). Fader, Hardie & Lee (2005),
    "Counting Your Customers" the Easy Way, Marketing Science 24(2): eq. 6 for the likelihood,
    eq. 10 for expected purchases, eq. 12 for P(alive).

    Needs a summary with frequency, recency and T (any time unit; α is in that unit).

    The likelihood has an analytic gradient and Hessian: a short damped Newton run (started from
    a fit on a subsample of the customers) reaches the optimum, and the Hessian gives the
    standard errors. Terms that depend on frequency alone are summed once per distinct
    frequency, and customers without repeat purchases once per distinct T."""

    names = ("r", "alpha", "a", "b")
    start = (1.0, 1.0, 1.0, 1.0)
    unit_params = ("alpha",)

    def _unit(self, summary: Summary) -> float:
        return time_unit(summary)

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
