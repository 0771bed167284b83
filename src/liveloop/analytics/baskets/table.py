"""Rules as an Arrow table, the shape analytics jobs write to Parquet and query in SQL.

antecedents       VARCHAR  items joined by '|', sorted
consequents       VARCHAR  items joined by '|', sorted
support           DOUBLE   of antecedents ∪ consequents
confidence        DOUBLE
lift              DOUBLE
rule_count        BIGINT   baskets holding antecedents and consequents
antecedent_count  BIGINT   baskets holding the antecedents
consequent_count  BIGINT   baskets holding the consequents
antecedent_items  BIGINT   how many items the antecedents name
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from liveloop.analytics.baskets.files import side
from liveloop.analytics.baskets.mining import Rule

RULES_SCHEMA = pa.schema(
    [
        ("antecedents", pa.string()),
        ("consequents", pa.string()),
        ("support", pa.float64()),
        ("confidence", pa.float64()),
        ("lift", pa.float64()),
        ("rule_count", pa.int64()),
        ("antecedent_count", pa.int64()),
        ("consequent_count", pa.int64()),
        ("antecedent_items", pa.int64()),
    ]
)


def rules_table(rules: Sequence[Rule]) -> pa.Table:
    """One row per rule, in the order given."""
    return pa.Table.from_pydict(
        {
            "antecedents": [side(r.antecedents) for r in rules],
            "consequents": [side(r.consequents) for r in rules],
            "support": [r.support for r in rules],
            "confidence": [r.confidence for r in rules],
            "lift": [r.lift for r in rules],
            "rule_count": [r.count for r in rules],
            "antecedent_count": [r.antecedent_count for r in rules],
            "consequent_count": [r.consequent_count for r in rules],
            "antecedent_items": [len(r.antecedents) for r in rules],
        },
        schema=RULES_SCHEMA,
    )
