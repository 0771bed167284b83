"""Baskets turned into tidsets: for each item, the set of baskets that hold it, as a packed bit
vector (bit ``b`` of an item's row is set when basket ``b`` holds the item).

Counting an itemset is then ``popcount(AND of its items' rows)``, which NumPy does a word at a
time; a duplicate item inside one basket sets the same bit twice, so it counts once for free.
Items that cannot reach the minimum count are dropped before any row is built: a frequent
itemset only holds frequent items, and most catalogues have a long tail of rare SKUs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from numpy.typing import NDArray

WORD = 64  # baskets per np.uint64 word


@dataclass(frozen=True)
class Tidsets:
    """The frequent items of a set of baskets, least frequent first, with their bit rows."""

    baskets: int
    items: tuple[str, ...]
    counts: NDArray[np.int64]  # baskets holding each item, ascending
    bits: NDArray[np.uint64]  # shape (len(items), words)


def materialise(baskets: Iterable[Iterable[str]]) -> Sequence[Sequence[str]]:
    """The baskets as a list of sized collections; lists, tuples and sets pass unchanged.

    A basket given as a bare string is refused: iterating it would mine its characters."""
    rows = baskets if isinstance(baskets, list | tuple) else list(baskets)
    kinds = set(map(type, rows))
    if str in kinds:
        raise TypeError("each basket must be a collection of item strings, not one string")
    if not kinds <= {list, tuple, set, frozenset}:
        rows = [list(row) for row in rows]
    return rows  # type: ignore[return-value]


def min_count_for(min_support: float, baskets: int) -> int:
    """The fewest baskets an itemset needs: the smallest c with c / baskets ≥ min_support,
    decided in the same floating point as the support that is reported."""
    count = max(1, int(np.ceil(min_support * baskets)))
    while count > 1 and (count - 1) / baskets >= min_support:
        count -= 1
    while count / baskets < min_support:
        count += 1
    return count


def build(rows: Sequence[Sequence[str]], min_count: int) -> Tidsets:
    """Encode items to ids, drop the items held by fewer than ``min_count`` baskets, and pack
    each remaining item's baskets into a bit row."""
    n = len(rows)
    words = -(-n // WORD)
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=n)
    flat = list(chain.from_iterable(rows))
    vocabulary = dict.fromkeys(flat)
    names = list(vocabulary)
    if not all(isinstance(name, str) for name in names):
        raise TypeError("items must be strings")
    for code, name in enumerate(names):
        vocabulary[name] = code
    codes = np.fromiter(map(vocabulary.__getitem__, flat), dtype=np.int64, count=len(flat))
    basket_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    # Occurrences overcount an item only by its duplicates, so this prunes nothing frequent.
    occurrences = np.bincount(codes, minlength=len(names))
    candidates = np.flatnonzero(occurrences >= min_count)
    remap = np.full(len(names), -1, dtype=np.int64)
    remap[candidates] = np.arange(len(candidates))
    row_of = remap[codes]
    kept = row_of >= 0
    row_of, basket_of = row_of[kept], basket_of[kept]
    bits = _pack(row_of, basket_of, len(candidates), words)
    counts = np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
    # Least frequent first: Eclat then intersects each rare item with the commoner ones, and a
    # rare row has few non-zero words to gather.
    order = np.argsort(counts, kind="stable")
    order = order[counts[order] >= min_count]
    return Tidsets(
        baskets=n,
        items=tuple(names[candidates[i]] for i in order),
        counts=counts[order],
        bits=bits[order],
    )


def _pack(
    rows: NDArray[np.int64], baskets: NDArray[np.int64], height: int, words: int
) -> NDArray[np.uint64]:
    """Set bit (row, basket) for each pair: sort the pairs by row (baskets stay ascending within
    a row, as they arrive in basket order), OR the bits that share a word, store each word."""
    bits = np.zeros((height, words), dtype=np.uint64)
    if rows.size == 0:
        return bits
    small = np.uint16 if height <= np.iinfo(np.uint16).max else np.int64
    order = np.argsort(rows.astype(small), kind="stable")  # a radix sort for uint16
    rows, baskets = rows[order], baskets[order]
    cells = rows * words + (baskets >> 6)
    masks = np.left_shift(np.uint64(1), (baskets & 63).astype(np.uint64))
    starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    bits.reshape(-1)[cells[starts]] = np.bitwise_or.reduceat(masks, starts)
    return bits
