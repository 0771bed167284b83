"""Basket rules: which products are bought together, as association rules (any length) and
bundle suggestions, from every counted order's lines (items named by product name).

Support is relative to all counted orders, but never below ``MIN_BASKETS`` orders, so a small
shop does not get rules from a single coincidence. Two reports: ``basket_rules`` (strongest
lift first) and ``bundles``.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from liveloop.analytics.baskets import mine_lines, rules_table, suggest_bundles
from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext

MIN_SUPPORT = 0.001
MIN_BASKETS = 5
MIN_CONFIDENCE = 0.1
MAX_LEN = 4


class Baskets:
    name: ClassVar[str] = "baskets"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        lines = engine.arrow(
            f"""
            SELECT DISTINCT l.order_id, COALESCE(p.name, l.sku) AS item
            FROM order_lines l LEFT JOIN products p ON p.sku = l.sku
            WHERE l.counted AND l.placed_at <= {context.as_of_sql}
            """
        )
        baskets = len(set(lines.column("order_id").to_pylist())) if lines.num_rows else 0
        support = max(MIN_SUPPORT, MIN_BASKETS / baskets) if baskets else 1.0
        mining = mine_lines(
            lines.column("order_id"),
            lines.column("item"),
            min(support, 1.0),
            MIN_CONFIDENCE,
            max_len=MAX_LEN,
        )
        rules = sorted(
            mining.rules,
            key=lambda r: (-r.lift, -r.confidence, r.antecedents, r.consequents),
        )
        engine.load_arrow("report_basket_rules", rules_table(rules))
        bundles = suggest_bundles(rules)
        engine.load_arrow(
            "report_bundles",
            pa.table(
                {
                    "items": pa.array(["|".join(b.items) for b in bundles], pa.string()),
                    "size": pa.array([len(b.items) for b in bundles], pa.int64()),
                    "lift": pa.array([b.lift for b in bundles], pa.float64()),
                    "confidence": pa.array([b.confidence for b in bundles], pa.float64()),
                    "support": pa.array([b.support for b in bundles], pa.float64()),
                }
            ),
        )
        return JobOutput(
            reports={"basket_rules": "report_basket_rules", "bundles": "report_bundles"},
            diagnostics={
                "baskets": mining.baskets,
                "min_support": support,
                "min_confidence": MIN_CONFIDENCE,
                "rules": len(rules),
                "itemsets": len(mining.itemsets),
                "bundles": len(bundles),
            },
        )


JOB = Baskets()
