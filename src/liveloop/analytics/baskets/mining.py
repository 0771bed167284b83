"""Association rules from baskets: frequent itemsets (``eclat``) and the rules they imply.

For a rule A → C over n baskets, with count(X) the baskets holding every item of X:

    support    = count(A ∪ C) / n
    confidence = count(A ∪ C) / count(A)
    lift       = confidence / (count(C) / n)

These are the measures of Agrawal, Imieliński & Swami (1993) and of mlxtend's
``association_rules``; the tests hold ours equal to mlxtend's on random baskets. An item listed
twice in one basket counts once. A rule is kept when its union is frequent (support ≥
``min_support``) and its confidence ≥ ``min_confidence``; consequents hold at most
``max_consequent`` items (one by default: "who buys A also buys C" is what a bundle needs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import pyarrow as pa

from liveloop.analytics.baskets.eclat import Found, frequent_itemsets
from liveloop.analytics.baskets.lines import Lines, lines_of_arrow, lines_of_baskets
from liveloop.analytics.baskets.tidsets import build, min_count_for


@dataclass(frozen=True)
class Itemset:
    items: tuple[str, ...]  # sorted
    count: int  # baskets holding every item
    support: float


@dataclass(frozen=True)
class Rule:
    antecedents: tuple[str, ...]  # sorted
    consequents: tuple[str, ...]  # sorted
    support: float  # of antecedents ∪ consequents
    confidence: float
    lift: float
    count: int  # baskets holding antecedents and consequents
    antecedent_count: int  # baskets holding the antecedents
    consequent_count: int  # baskets holding the consequents


@dataclass(frozen=True)
class Mining:
    """What ``mine`` found: itemsets by support (highest first), rules by lift then
    confidence (highest first), then antecedents and consequents."""

    baskets: int
    itemsets: tuple[Itemset, ...]
    rules: tuple[Rule, ...]


def mine(
    baskets: Iterable[Iterable[str]],
    min_support: float,
    min_confidence: float,
    max_len: int | None = None,
    max_consequent: int | None = 1,
) -> Mining:
    """Frequent itemsets and association rules of ``baskets`` (each a collection of item
    strings). ``max_len`` bounds itemset length (None: any); ``max_consequent`` bounds the
    consequent's items (None: any)."""
    _check(min_support, min_confidence, max_len, max_consequent)
    lines = lines_of_baskets(baskets)
    if not lines.baskets:
        return Mining(baskets=0, itemsets=(), rules=())
    return _mine(lines, min_support, min_confidence, max_len, max_consequent)


def mine_lines(
    baskets: pa.Array | pa.ChunkedArray,
    items: pa.Array | pa.ChunkedArray,
    min_support: float,
    min_confidence: float,
    max_len: int | None = None,
    max_consequent: int | None = 1,
) -> Mining:
    """``mine`` for basket lines in two Arrow columns (say order_items' ``order_no`` and
    ``sku``): line i puts ``items[i]`` in basket ``baskets[i]``. The same result as ``mine`` on
    the grouped baskets, without building a Python list per basket — the path for jobs that
    read Parquet."""
    _check(min_support, min_confidence, max_len, max_consequent)
    lines = lines_of_arrow(baskets, items)
    if not lines.baskets:
        return Mining(baskets=0, itemsets=(), rules=())
    return _mine(lines, min_support, min_confidence, max_len, max_consequent)


def _mine(
    lines: Lines,
    min_support: float,
    min_confidence: float,
    max_len: int | None,
    max_consequent: int | None,
) -> Mining:
    min_count = min_count_for(min_support, lines.baskets)
    tidsets = build(lines, min_count)
    found = frequent_itemsets(tidsets, min_count, max_len)
    names = tidsets.items
    n = tidsets.baskets
    itemsets = sorted(
        (
            Itemset(tuple(sorted(names[i] for i in ids)), count, count / n)
            for ids, count in found.items()
        ),
        key=lambda s: (-s.count, len(s.items), s.items),
    )
    rules = _rules(found, names, n, min_confidence, max_consequent)
    rules.sort(key=lambda r: (-r.lift, -r.confidence, r.antecedents, r.consequents))
    return Mining(baskets=n, itemsets=tuple(itemsets), rules=tuple(rules))


def _rules(
    found: Found,
    names: tuple[str, ...],
    n: int,
    min_confidence: float,
    max_consequent: int | None,
) -> list[Rule]:
    rules: list[Rule] = []
    for ids, count in found.items():
        size = len(ids)
        widest = size - 1 if max_consequent is None else min(max_consequent, size - 1)
        for width in range(1, widest + 1):
            # combinations() of the antecedents' and the consequents' sizes come out in
            # mirrored order: the k-th antecedent's complement is the k-th from the end.
            antecedents = list(combinations(ids, size - width))
            consequents = list(combinations(ids, width))[::-1]
            for a, c in zip(antecedents, consequents, strict=True):
                a_count = found[a]
                confidence = count / a_count
                if confidence < min_confidence:
                    continue
                c_count = found[c]
                rules.append(
                    Rule(
                        antecedents=tuple(sorted(names[i] for i in a)),
                        consequents=tuple(sorted(names[i] for i in c)),
                        support=count / n,
                        confidence=confidence,
                        # One division of exact integer products: A → C and C → A get the same lift.
                        lift=count * n / (a_count * c_count),
                        count=count,
                        antecedent_count=a_count,
                        consequent_count=c_count,
                    )
                )
    return rules


def _check(
    min_support: float, min_confidence: float, max_len: int | None, max_consequent: int | None
) -> None:
    _check_fraction("min_support", min_support)
    _check_fraction("min_confidence", min_confidence)
    _check_size("max_len", max_len)
    _check_size("max_consequent", max_consequent)


def _check_fraction(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"{name} must be a fraction in (0, 1], got {value!r}")


def _check_size(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a whole number ≥ 1 (or None for any), got {value!r}")
