"""The per-customer summary the models read, validated when built.

frequency  repeat purchases (purchases after the first), an integer ≥ 0
recency    time of the last purchase since the first (0 when frequency is 0)
T          time since the first purchase, ≥ recency
monetary   mean value of the repeat purchases (Gamma-Gamma only; > 0 where frequency > 0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


class SummaryError(ValueError):
    """A summary the models cannot be fitted on; the message names the first bad row."""


@dataclass(frozen=True)
class Summary:
    frequency: NDArray[np.float64]
    recency: NDArray[np.float64]
    T: NDArray[np.float64]
    monetary: NDArray[np.float64] | None = None
    # How many customers each row stands for (``compressed`` folds identical rows together).
    weight: NDArray[np.float64] | None = None

    @property
    def weights(self) -> NDArray[np.float64]:
        return self.weight if self.weight is not None else np.ones_like(self.frequency)

    def compressed(self) -> Summary:
        """Identical rows folded into one with a weight: the likelihood is the same, and a
        summary in whole days or weeks shrinks many times over."""
        columns = [self.frequency, self.recency, self.T]
        if self.monetary is not None:
            columns.append(self.monetary)
        rows, inverse = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
        weight = np.bincount(inverse.ravel(), weights=self.weights).astype(float)
        return Summary(
            rows[:, 0],
            rows[:, 1],
            rows[:, 2],
            rows[:, 3] if self.monetary is not None else None,
            weight,
        )

    @classmethod
    def of(
        cls,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary: ArrayLike | None = None,
    ) -> Summary:
        x = np.asarray(frequency, dtype=float)
        t_x = np.asarray(recency, dtype=float)
        t = np.asarray(T, dtype=float)
        m = None if monetary is None else np.asarray(monetary, dtype=float)
        columns = {
            "frequency": x,
            "recency": t_x,
            "T": t,
            **({"monetary_value": m} if m is not None else {}),
        }
        if len({len(c) for c in columns.values()}) != 1:
            raise SummaryError("frequency, recency, T (and monetary_value) differ in length")
        if len(x) == 0:
            raise SummaryError("the summary has no customers")
        for name, column in columns.items():
            bad = ~np.isfinite(column)
            if bad.any():
                raise SummaryError(f"row {int(np.argmax(bad)) + 1}: {name} is not a number")
        checks = [
            (x < 0, "frequency is negative"),
            (x != np.round(x), "frequency is not a whole number"),
            (t_x < 0, "recency is negative"),
            (t <= 0, "T must be positive"),
            (t_x > t + 1e-9, "recency is greater than T"),
            ((x == 0) & (t_x > 0), "recency must be 0 when frequency is 0"),
        ]
        if m is not None:
            checks.append(((x > 0) & (m <= 0), "monetary_value must be positive for repeat buyers"))
        for bad, reason in checks:
            if bad.any():
                raise SummaryError(f"row {int(np.argmax(bad)) + 1}: {reason}")
        return cls(x, t_x, t, m)
