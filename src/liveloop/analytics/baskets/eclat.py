"""Frequent itemsets of any length by Eclat (Zaki 2000): depth first over item bit rows.

A node is an itemset P with the rows of its possible one-item extensions, each already ANDed
with P's row. Growing P by its i-th extension X ANDs X's row into every later extension and
keeps those still holding ``min_count`` baskets; every frequent itemset is reached exactly once,
through its items in the tidsets' order (least frequent first).

Rows are narrowed as the search goes down: a child only needs the words where its parent's row
is non-zero, so below a rare item the vectors shrink from ``baskets / 64`` words to at most the
item's basket count.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from liveloop.analytics.baskets.tidsets import Tidsets

# Narrowing copies the extensions' words; below this share of non-zero words it pays.
NARROW_BELOW = 0.5

Found = dict[tuple[int, ...], int]  # item ids (ascending) → baskets holding them all


def frequent_itemsets(tidsets: Tidsets, min_count: int, max_len: int | None) -> Found:
    """Every itemset held by at least ``min_count`` baskets, up to ``max_len`` items."""
    found: Found = {}
    limit = max_len if max_len is not None else len(tidsets.items)
    ids = np.arange(len(tidsets.items))
    if limit >= 1 and ids.size:
        _grow((), ids, tidsets.bits, tidsets.counts, found, min_count, limit)
    return found


def _grow(
    prefix: tuple[int, ...],
    ids: NDArray[np.int64],
    bits: NDArray[np.uint64],
    counts: NDArray[np.int64],
    found: Found,
    min_count: int,
    limit: int,
) -> None:
    last = len(ids) - 1
    for i, item in enumerate(ids.tolist()):
        itemset = (*prefix, item)
        found[itemset] = int(counts[i])
        if len(itemset) == limit or i == last:
            continue
        row = bits[i]
        words = np.flatnonzero(row)
        if words.size < NARROW_BELOW * row.size:
            later = bits[i + 1 :, words] & row[words]
        else:
            later = bits[i + 1 :] & row
        later_counts = np.bitwise_count(later).sum(axis=1, dtype=np.int64)
        keep = later_counts >= min_count
        if keep.any():
            _grow(
                itemset,
                ids[i + 1 :][keep],
                later[keep],
                later_counts[keep],
                found,
                min_count,
                limit,
            )
