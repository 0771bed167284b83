"""Baskets as basket lines — (basket number, item id) pairs in basket order — from Python
baskets or from Arrow columns of order lines; the one shape the miner reads.

Both ways encode items in Arrow (C++), never through a Python dict: at millions of orders the
per-item work is the cost that remains.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray


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
