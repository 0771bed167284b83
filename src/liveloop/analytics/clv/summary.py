"""The per-customer summary the models read, validated when built.

frequency  repeat purchases (purchases after the first), an integer ≥ 0
recency    time of the last purchase since the first (0 when frequency is 0)
T          time since the first purchase, ≥ recency (0 for someone whose first purchase is at the
           end of the observation period: they add nothing to a fit but still get predictions)
monetary   mean value of the repeat purchases (Gamma-Gamma only; > 0 where frequency > 0)

Time is in whatever unit the caller chose; the models' parameters (α, β) and horizons are in that
unit. liveloop's jobs use weeks (days / 7), as the papers do.

Errors::

    ValueError
    └── SummaryError        a summary the models cannot read (names the first bad row)
        └── NotEnoughData   a valid summary that cannot identify a model (e.g. no repeat buyers)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


class SummaryError(ValueError):
    """A summary the models cannot be fitted on; the message names the first bad row."""


class NotEnoughData(SummaryError):
    """The summary is valid, but too thin to fit the model (the message says what is missing)."""


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
        folded, weight = fold(columns, self.weight)
        monetary = folded[3] if self.monetary is not None else None
        return Summary(folded[0], folded[1], folded[2], monetary, weight)

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
            (t < 0, "T is negative"),
            (t_x > t + 1e-9, "recency is greater than T"),
            ((x == 0) & (t_x > 0), "recency must be 0 when frequency is 0"),
        ]
        if m is not None:
            checks.append(((x > 0) & (m <= 0), "monetary_value must be positive for repeat buyers"))
        for bad, reason in checks:
            if bad.any():
                raise SummaryError(f"row {int(np.argmax(bad)) + 1}: {reason}")
        return cls(x, t_x, t, m)


def fold(
    columns: list[NDArray[np.float64]], weight: NDArray[np.float64] | None = None
) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
    """The distinct rows of ``columns`` (sorted) and the total weight of each.

    Each column is coded against its own sorted distinct values and the codes are packed into one
    integer key: sorting 64-bit integers is many times faster than ``np.unique(axis=0)`` on rows.
    """
    if len(columns[0]) == 0:
        return [np.asarray(c, dtype=float) for c in columns], np.zeros(0)
    if len(columns) == 1 and weight is None:
        distinct, counts = np.unique(columns[0], return_counts=True)
        return [distinct], counts.astype(float)
    sizes, values, key = [], [], np.zeros(len(columns[0]), dtype=np.int64)
    room = 1
    for column in columns:
        distinct = np.unique(column)
        room *= max(len(distinct), 1)
        if room >= 2**62:  # codes would not fit one integer: fold the slow, general way
            rows, inverse = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
            w = np.ones(len(columns[0])) if weight is None else weight
            return list(rows.T), np.bincount(inverse.ravel(), weights=w).astype(float)
        key = key * len(distinct) + np.searchsorted(distinct, column)
        sizes.append(len(distinct))
        values.append(distinct)
    if weight is None:
        key.sort()
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        keys = key[starts]
        counts = np.diff(np.r_[starts, len(key)]).astype(float)
    else:
        keys, inverse = np.unique(key, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=weight).astype(float)
    folded = []
    for distinct, size in zip(values[::-1], sizes[::-1], strict=True):
        keys, code = np.divmod(keys, size)
        folded.append(distinct[code])
    return folded[::-1], np.asarray(counts, dtype=np.float64)
