"""Bundle suggestions: sets of items worth selling together, read off strong rules.

A rule A → C with high lift says buyers of A take C far more often than shoppers at large, and
high confidence says most of them do; A ∪ C is then a bundle candidate. Several rules can name
the same set ({面包粉, 黄油} from 面包粉 → 黄油 and from 黄油 → 面包粉): a bundle appears once,
carrying its strongest rule's measures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from liveloop.analytics.baskets.mining import Rule

# Lift 2: buyers of the antecedents take the consequent at twice the base rate — well clear of
# the noise of a few hundred baskets. Confidence 0.3: about one buyer in three would want it.
MIN_LIFT = 2.0
MIN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Bundle:
    items: tuple[str, ...]  # sorted
    lift: float  # of the strongest rule naming these items
    confidence: float
    support: float
    rule: Rule


def suggest_bundles(
    rules: Iterable[Rule],
    *,
    min_lift: float = MIN_LIFT,
    min_confidence: float = MIN_CONFIDENCE,
    limit: int | None = None,
) -> list[Bundle]:
    """Bundles from the rules at or above both thresholds, strongest first (lift, then
    confidence, then support), each set of items once."""
    best: dict[frozenset[str], Rule] = {}
    for rule in rules:
        if rule.lift < min_lift or rule.confidence < min_confidence:
            continue
        key = frozenset(rule.antecedents) | frozenset(rule.consequents)
        held = best.get(key)
        if held is None or _strength(rule) > _strength(held):
            best[key] = rule
    bundles = sorted(
        (
            Bundle(tuple(sorted(key)), rule.lift, rule.confidence, rule.support, rule)
            for key, rule in best.items()
        ),
        key=lambda b: (-b.lift, -b.confidence, -b.support, b.items),
    )
    return bundles if limit is None else bundles[:limit]


def _strength(rule: Rule) -> tuple[float, float, float]:
    return (rule.lift, rule.confidence, rule.support)
