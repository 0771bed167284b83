"""Basket lines turned into tidsets: for each item, the set of baskets that hold it, as a
packed bit vector (bit ``b`` of an item's row is set when basket ``b`` holds the item; baskets
numbered among those holding two or more frequent items, see ``Tidsets``).

Counting an itemset is then ``popcount(AND of its items' rows)``, which NumPy does a word at a
time; a duplicate item inside one basket sets the same bit twice, so it counts once for free.
Items that cannot reach the minimum count are dropped before any row is built: a frequent
itemset only holds frequent items, and most catalogues have a long tail of rare SKUs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from liveloop.analytics.baskets.lines import Lines

WORD = 64  # baskets per np.uint64 word
BLOCK_BYTES = 1 << 25  # the boolean block _pack fills before packing it


@dataclass(frozen=True)
class Tidsets:
    """The frequent items of a set of baskets, least frequent first, with their bit rows.

    The rows' columns are only the baskets holding two or more frequent items: enough to count
    any itemset of two or more; single items are counted over all baskets in ``counts``."""

    baskets: int
    items: tuple[str, ...]
    counts: NDArray[np.int64]  # baskets holding each item, ascending
    bits: NDArray[np.uint64]  # shape (len(items), words of the shared baskets)


def min_count_for(min_support: float, baskets: int) -> int:
    """The fewest baskets an itemset needs: the smallest c with c / baskets ≥ min_support,
    decided in the same floating point as the support that is reported."""
    count = max(1, int(np.ceil(min_support * baskets)))
    while count > 1 and (count - 1) / baskets >= min_support:
        count -= 1
    while count / baskets < min_support:
        count += 1
    return count


def build(lines: Lines, min_count: int) -> Tidsets:
    """Drop the items held by fewer than ``min_count`` baskets and pack each remaining item's
    baskets into a bit row."""
    n, names, codes, basket_of = lines.baskets, lines.names, lines.codes, lines.basket_of
    # Occurrences overcount an item only by its duplicates, so this prunes nothing frequent.
    occurrences = np.bincount(codes, minlength=len(names))
    candidates = np.flatnonzero(occurrences >= min_count)
    if candidates.size < len(names):
        remap = np.full(len(names), -1, dtype=np.int32)
        remap[candidates] = np.arange(candidates.size, dtype=np.int32)
        codes = remap[codes]
        kept = codes >= 0
        codes, basket_of = codes[kept], basket_of[kept]
    # A basket holding a single candidate adds one to that item's count and to no itemset of
    # two or more, so only baskets with two or more get a bit column. Retail baskets are mostly
    # small: this leaves a fraction of the baskets to intersect.
    held = np.bincount(basket_of, minlength=n)
    alone = held[basket_of] == 1
    counts = np.bincount(codes[alone], minlength=candidates.size).astype(np.int64)
    shared = held >= 2
    column_of = np.cumsum(shared) - 1
    bits = _pack(codes[~alone], column_of[basket_of[~alone]], candidates.size, int(shared.sum()))
    counts += np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
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
    rows: NDArray[np.int32], baskets: NDArray[np.int64], height: int, n: int
) -> NDArray[np.uint64]:
    """Set bit (row, basket) for each pair (pairs come in basket order). Baskets are taken a
    block at a time into a boolean matrix of ~32 MB, packed eight to a byte; the bytes of a
    row, read as little-endian uint64, put basket b at bit b % 64 of word b // 64."""
    words = -(-n // WORD)
    packed = np.zeros((height, words * 8), dtype=np.uint8)
    if height == 0 or n == 0:
        return packed.view(np.uint64)
    block = max(WORD, BLOCK_BYTES // height // WORD * WORD)
    starts = np.arange(0, n, block)
    edges: NDArray[np.int64] = np.append(starts, n)
    bounds = [int(b) for b in np.searchsorted(baskets, edges)]
    for first, lo, hi in zip(starts.tolist(), bounds[:-1], bounds[1:], strict=True):
        size = min(block, n - first)
        held = np.zeros((height, size), dtype=bool)
        held[rows[lo:hi], baskets[lo:hi] - first] = True
        byte = first // 8
        packed[:, byte : byte + -(-size // 8)] = np.packbits(held, axis=1, bitorder="little")
    return packed.view("<u8").astype(np.uint64, copy=False)
