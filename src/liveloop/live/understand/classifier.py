"""A linear classifier with three heads (intent, aspect, sentiment) over a comment's feature
strings: multinomial logistic regression, each head its own softmax, fitted by L-BFGS on the
L2-penalised mean cross-entropy (Murphy, *Machine Learning: A Probabilistic Perspective*, §8.3.7).

Fitting starts from zero weights over a vocabulary in sorted order, so the same rows give the
same weights, bit for bit, on one machine. Prediction is one sparse matrix (comments × features,
binary) times one dense matrix holding every head's weights side by side, then an argmax per
head: a batch costs one multiplication, not a loop over comments."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse

L2 = 3e-4  # the penalty on the weights (the loss is a mean over rows); chosen on the train split


@dataclass(frozen=True, slots=True)
class Head:
    """One output: its name and its classes, the columns ``start:start+len(classes)``."""

    name: str
    classes: tuple[str, ...]
    start: int


class Classifier:
    """Fitted weights over a fixed vocabulary; ``fit`` builds one, ``predict`` reads."""

    def __init__(
        self, vocabulary: dict[str, int], heads: tuple[Head, ...], weights: np.ndarray
    ) -> None:
        self.vocabulary = vocabulary
        self.heads = heads
        self.weights = weights  # (features + 1 bias row) × every head's classes

    @classmethod
    def fit(
        cls,
        rows: Sequence[Iterable[str]],
        labels: Mapping[str, Sequence[str]],
        classes: Mapping[str, Sequence[str]],
        l2: float = L2,
    ) -> Classifier:
        """Fit every head on ``rows`` (each a comment's features) and ``labels[head]`` (one
        label per row, from ``classes[head]``)."""
        rows = [set(row) for row in rows]
        vocabulary = {f: i for i, f in enumerate(sorted(set().union(*rows)))}
        x = _matrix(rows, vocabulary)
        blocks, heads, start = [], [], 0
        for name, names in classes.items():
            index = {c: i for i, c in enumerate(names)}
            y = np.array([index[label] for label in labels[name]], dtype=np.int64)
            blocks.append(_fit_head(x, y, len(names), l2))
            heads.append(Head(name, tuple(names), start))
            start += len(names)
        return cls(vocabulary, tuple(heads), np.hstack(blocks).astype(np.float32))

    def scores(self, rows: Sequence[Iterable[str]]) -> np.ndarray:
        """Each row's linear score for every class of every head (rows × classes)."""
        return np.asarray(_matrix(rows, self.vocabulary) @ self.weights)

    def predict(self, rows: Sequence[Iterable[str]]) -> dict[str, list[str]]:
        """Each head's most likely class for each row."""
        scores = self.scores(rows)
        return {
            head.name: [
                head.classes[i]
                for i in scores[:, head.start : head.start + len(head.classes)].argmax(axis=1)
            ]
            for head in self.heads
        }


def _matrix(
    rows: Sequence[Iterable[str]], vocabulary: Mapping[str, int]
) -> scipy.sparse.csr_matrix:
    """Binary rows × (vocabulary + a bias column, always 1); unknown features are dropped."""
    bias = len(vocabulary)
    indices: list[int] = []
    indptr = [0]
    for row in rows:
        ids = {vocabulary[f] for f in row if f in vocabulary}
        indices.extend(sorted(ids))
        indices.append(bias)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return scipy.sparse.csr_matrix(
        (data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
        shape=(len(rows), bias + 1),
    )


def _fit_head(x: scipy.sparse.csr_matrix, y: np.ndarray, k: int, l2: float) -> np.ndarray:
    """Softmax regression weights (features × k) minimising mean cross-entropy + l2/2·‖W‖²
    (the bias row unpenalised)."""
    n, d = x.shape
    x = x.astype(np.float64)
    xt = x.T.tocsr()
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    penalty = np.ones((d, 1))
    penalty[-1] = 0.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -float((onehot * log_p).sum()) / n + 0.5 * l2 * float((penalty * w * w).sum())
        return value, xt @ (np.exp(log_p) - onehot) / n + l2 * penalty * w

    return lbfgs(loss, np.zeros((d, k)))


def lbfgs(
    loss: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    memory: int = 10,
    iterations: int = 300,
    tolerance: float = 1e-6,
) -> np.ndarray:
    """Minimise a smooth convex ``loss`` (returning value and gradient) from ``start`` by
    limited-memory BFGS (Nocedal & Wright, *Numerical Optimization*, Algorithm 7.4, two-loop
    recursion) with a backtracking Armijo line search. Our own, a few lines, because SciPy's
    L-BFGS-B spends most of its time in per-iteration bookkeeping at this size."""
    w = start
    value, grad = loss(w)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(iterations):
        if float(np.abs(grad).max()) < tolerance:
            break
        direction = -grad
        alphas = []
        for s, t, rho in reversed(steps):
            alpha = rho * float((s * direction).sum())
            direction = direction - alpha * t
            alphas.append(alpha)
        if steps:
            s, t, _ = steps[-1]
            direction = direction * (float((s * t).sum()) / float((t * t).sum()))
        for (s, t, rho), alpha in zip(steps, reversed(alphas), strict=True):
            beta = rho * float((t * direction).sum())
            direction = direction + (alpha - beta) * s
        slope = float((grad * direction).sum())
        if slope >= 0:  # not a descent direction: start the memory again
            steps.clear()
            direction, slope = -grad, -float((grad * grad).sum())
        size = 1.0
        while True:
            trial = w + size * direction
            trial_value, trial_grad = loss(trial)
            if trial_value <= value + 1e-4 * size * slope or size < 1e-10:
                break
            size *= 0.5
        s, t = trial - w, trial_grad - grad
        curvature = float((s * t).sum())
        if curvature > 1e-12:
            steps.append((s, t, 1.0 / curvature))
            if len(steps) > memory:
                steps.pop(0)
        converged = value - trial_value < tolerance * max(1.0, abs(value))
        w, value, grad = trial, trial_value, trial_grad
        if converged:
            break
    return w
