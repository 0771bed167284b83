"""Maximum likelihood in log space: the base every CLV model fits with, and shared numerics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from liveloop.analytics.clv.summary import NotEnoughData, Summary, SummaryError

Vector = NDArray[np.float64]
Matrix = NDArray[np.float64]

# Log-parameters stay in [-LOG_BOUND, LOG_BOUND], i.e. 1.5e-8 … 6.6e7 once time or money is in a
# unit near 1: far from any fit on real data, and it keeps the limits that a thin summary drives
# the optimum towards (no dropout, no heterogeneity) finite.
LOG_BOUND = 18.0
AT_BOUND_MARGIN = 0.5


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


def jacobian(g: Callable[[Vector], Vector], at: Vector) -> Matrix:
    """Central differences of an analytic gradient: a Hessian in 2n gradient calls."""
    n = len(at)
    steps = 1e-6 * np.maximum(np.abs(at), 1e-3)
    h = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = steps[i]
        h[:, i] = (g(at + e) - g(at - e)) / (2 * steps[i])
    return (h + h.T) / 2


def dot(a: Vector, b: Vector) -> float:
    """Σ a·b without BLAS: OpenBLAS's threaded dot costs milliseconds on a busy two-core
    machine, where this single pass costs microseconds."""
    return float(np.einsum("i,i->", a, b))


class LikelihoodModel:
    """A model whose ``fit(summary)`` returns self with ``params_`` (dict), ``standard_errors_``
    (from the inverse Hessian of the negative log-likelihood), ``log_likelihood_`` and
    ``at_bound_`` (parameters the data drove to the edge of the search box: a limit case such as
    "nobody drops out"; their standard errors are NaN).

    How the fits are made fast and safe (decision 0009): parameters are optimised on the log
    scale, inside a box (``LOG_BOUND``), with time (α, β) or money (γ) rescaled to a unit near 1
    while fitting, so huge T or big amounts cost nothing; L-BFGS-B (with the model's analytic
    gradient where it has one), then Nelder-Mead when it stops short.
    """

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
            return jacobian(gradient, params)
        return _hessian(lambda p: self._value(p, data) * total, params)

    def fit(self, summary: Summary) -> Self:
        self._check(summary)
        unit = self._unit(summary)
        data = self._prepare(summary, unit)
        log_params = self._optimise(data)
        fitted = np.exp(log_params)
        # A parameter the data drives to the edge stops near it, not on it (how near depends on
        # the optimiser's tolerances, which differ across SciPy releases): within half a
        # log-unit of the box — a factor of 1.6 of 6.6e7 — is the edge.
        at_bound = np.abs(log_params) > LOG_BOUND - AT_BOUND_MARGIN
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


def time_unit(summary: Summary) -> float:
    """The customers' mean age: time is divided by it while fitting (α and β scale with it)."""
    w = summary.weights
    mean = float(np.sum(w * summary.T) / np.sum(w))
    return mean if np.isfinite(mean) and mean > 0 else 1.0


def by_frequency(x: Vector, w: Vector | None) -> tuple[Vector, Vector]:
    """Distinct frequencies and the total weight of each."""
    if len(x) and x.max() < 10_000_000:
        weight = np.bincount(x.astype(np.int64), weights=w).astype(float)
        present = np.flatnonzero(weight)
        return present.astype(np.float64), np.asarray(weight[present], dtype=np.float64)
    xs, inverse = np.unique(x, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=w, minlength=len(xs))
    return xs, np.asarray(weight, dtype=np.float64)
