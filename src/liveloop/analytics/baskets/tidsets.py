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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

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


@dataclass(frozen=True)
class Lines:
    """Baskets as basket lines: line i puts item ``names[codes[i]]`` in basket ``basket_of[i]``
    (0 ≤ basket < baskets, non-decreasing). Baskets with no line still count in ``baskets``."""

    baskets: int
    names: list[str]
    codes: NDArray[np.int32]
    basket_of: NDArray[np.int64]


def lines_of_baskets(baskets: Iterable[Iterable[str]]) -> Lines:
    """Lines of Python baskets (lists, tuples, sets or any iterables of item strings).

    Arrow converts the lists and hashes the items in C++: faster than a dict in Python, and
    reading millions of Python strings is most of the cost of mining baskets held in Python.
    A basket given as one string is refused — iterated, it would mine its characters; a string
    basket can only hide behind one-character items, so only then are the baskets scanned."""
    rows = baskets if isinstance(baskets, list | tuple) else list(baskets)
    column = _list_column(rows)
    if column is None:
        rows = [list(row) for row in rows]  # generators, frozensets: Arrow wants sequences
        column = _list_column(rows)
    if column is None:
        raise TypeError("items must be strings")
    if column.null_count:
        raise TypeError("a basket must be a collection of item strings, not None")
    if column.values.null_count:
        raise TypeError("items must be strings, not None")
    items = column.values.dictionary_encode()
    names = items.dictionary.to_pylist()
    if any(len(name) == 1 for name in names) and str in set(map(type, rows)):
        raise TypeError("each basket must be a collection of item strings, not one string")
    lengths = np.diff(column.offsets.to_numpy())
    return Lines(
        baskets=len(rows),
        names=names,
        codes=items.indices.to_numpy().astype(np.int32),
        basket_of=np.repeat(np.arange(len(rows), dtype=np.int64), lengths),
    )


def _list_column(rows: Sequence[Iterable[str]]) -> pa.LargeListArray | None:
    """The baskets as one Arrow column, or None if Arrow cannot take them as they are."""
    try:
        return pa.array(rows, type=pa.large_list(pa.large_string()))
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None


def lines_of_arrow(baskets: pa.Array | pa.ChunkedArray, items: pa.Array | pa.ChunkedArray) -> Lines:
    """Lines of two Arrow columns of equal length (say order_items' order_no and sku): line i
    puts ``items[i]`` in basket ``baskets[i]``. Lines with a null basket or item are skipped;
    the baskets are the distinct keys left. Encoding happens in Arrow, with no Python object
    per line."""
    if len(baskets) != len(items):
        raise ValueError("baskets and items must be columns of equal length")
    if not pa.types.is_string(items.type) and not pa.types.is_large_string(items.type):
        raise TypeError(f"items must be a string column, not {items.type}")
    table = pa.table({"basket": baskets, "item": items}).drop_null()
    if not table.num_rows:
        return Lines(0, [], np.zeros(0, np.int32), np.zeros(0, np.int64))
    table = table.combine_chunks()
    keys, values = table.column("basket").chunk(0), table.column("item").chunk(0)
    items_encoded = values.dictionary_encode()
    codes = items_encoded.indices.to_numpy().astype(np.int32)
    names = items_encoded.dictionary.to_pylist()
    if pc.all(pc.less_equal(keys[:-1], keys[1:])).as_py() is not False:
        # Sorted by basket, as exports usually are: a basket is a run of equal keys, found by
        # comparing neighbours — no hash table over millions of order numbers.
        starts = pc.not_equal(keys[1:], keys[:-1]).to_numpy(zero_copy_only=False)
        basket_of = np.concatenate(([0], np.cumsum(starts, dtype=np.int64)))
        return Lines(int(basket_of[-1]) + 1, names, codes, basket_of)
    keys_encoded = keys.dictionary_encode()
    basket_of = keys_encoded.indices.to_numpy().astype(np.int64)
    if bool((basket_of[1:] < basket_of[:-1]).any()):
        order = np.argsort(basket_of, kind="stable")  # a basket's lines are not adjacent
        basket_of, codes = basket_of[order], codes[order]
    return Lines(len(keys_encoded.dictionary), names, codes, basket_of)


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
