"""Basket files in, rules CSV out.

A basket file holds one basket per line, items separated by commas — the ASCII "," or the
full-width "，" that Chinese input methods type — with surrounding spaces stripped; empty items
and blank lines are skipped. UTF-8, with or without a byte-order mark (Excel writes one).

The rules CSV has the header ``antecedents,consequents,support,confidence,lift``; the items of a
side are sorted and joined by ``|``, so an item name should not itself hold a ``|``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from liveloop.analytics.baskets.mining import Rule
from liveloop.analytics.contracts import SIDE_JOIN

HEADER = ("antecedents", "consequents", "support", "confidence", "lift")


class BasketFileError(ValueError):
    """A basket file that cannot be read; the message names the file and the problem."""


def read_baskets(path: Path) -> list[list[str]]:
    """The baskets of a basket file, in file order (blank lines hold no basket)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BasketFileError(f"No such basket file: {path}") from None
    except OSError as exc:
        raise BasketFileError(f"Cannot read basket file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_no = raw[: exc.start].count(b"\n") + 1
        raise BasketFileError(
            f"{path} is not UTF-8 text (line {line_no}, byte {exc.start}); save it as UTF-8"
        ) from None
    baskets = []
    for line in text.replace("，", ",").split("\n"):
        items = [item.strip() for item in line.split(",")]
        basket = [item for item in items if item]
        if basket:
            baskets.append(basket)
    return baskets


def side(items: Iterable[str]) -> str:
    return SIDE_JOIN.join(items)


def write_rules_csv(rules: Iterable[Rule], out: TextIO) -> None:
    """One rule per line, in the order given (``mine`` sorts by lift, then confidence)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for rule in rules:
        writer.writerow(
            (
                side(rule.antecedents),
                side(rule.consequents),
                repr(rule.support),
                repr(rule.confidence),
                repr(rule.lift),
            )
        )
