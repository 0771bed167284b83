"""Interests: which product categories a person cares about now, with time decay.

Each signal adds its weight × ½^(age / ``interest_half_life_days``) to its category:

- a counted order: ``PURCHASE_WEIGHT`` (1) per category in it — counted, not amount-weighted, so a
  tin of infant formula (328 元) does not outweigh ten weeks of milk (49.9 元), and a basket of
  three dairy items is one dairy signal;
- an event naming a SKU (category from ``products``): adding to cart or starting checkout
  ``CART_WEIGHT`` (0.5), viewing or clicking a product ``VIEW_WEIGHT`` (0.2). Order events are
  left to the orders table, which already counts them once. Watching a live names no category
  and is left out.

``interests`` is a JSON map {category: score} of a person's top ``TOP`` categories scoring at
least ``MIN_SCORE`` (0.5: one purchase a half-life ago, or one cart today), scores to 3
decimals; NULL when none qualifies. The same categories become tags ``兴趣:<category>``.
"""

from __future__ import annotations

import json
from typing import ClassVar

import pyarrow as pa

from liveloop import spec
from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.timing import half_life_weight

PURCHASE_WEIGHT = 1.0
CART_WEIGHT = 0.5
VIEW_WEIGHT = 0.2
CART_EVENTS = (spec.PRODUCT_ADDED, spec.CHECKOUT_STARTED)
VIEW_EVENTS = (spec.PRODUCT_VIEWED, spec.PRODUCT_CLICKED, spec.LIVE_PRODUCT_CLICKED)
MIN_SCORE = 0.5
TOP = 3
TAG_PREFIX = "兴趣:"


class InterestsJob:
    name: ClassVar[str] = "interests"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ("interests",)

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        engine.create("interests_top", _top_query(context))
        top = engine.arrow("SELECT customer_id, category, score FROM interests_top")
        engine.load_arrow("interests_maps", interest_maps(top))
        engine.create(
            "scores_interests",
            "SELECT c.customer_id, m.interests FROM customers c "
            "LEFT JOIN interests_maps m ON m.customer_id = c.customer_id",
        )
        engine.create(
            "tags_interests",
            f"SELECT customer_id, '{TAG_PREFIX}' || category AS tag FROM interests_top",
        )
        categories = dict(
            engine.rows("SELECT category, COUNT(*) FROM interests_top GROUP BY category")
        )
        engine.drop("interests_top", "interests_maps")
        return JobOutput(
            scores="scores_interests",
            tags="tags_interests",
            diagnostics={"people_per_category": dict(sorted(categories.items()))},
        )


def _top_query(context: RunContext) -> str:
    as_of = context.as_of_sql
    carts = ", ".join(f"'{name}'" for name in CART_EVENTS)
    views = ", ".join(f"'{name}'" for name in VIEW_EVENTS)
    return f"""
        WITH signals AS (
            SELECT customer_id, category, {PURCHASE_WEIGHT} AS weight, MIN(placed_at) AS at
            FROM order_lines
            WHERE counted AND placed_at <= {as_of}
            GROUP BY customer_id, order_id, category
            UNION ALL
            SELECT e.customer_id, p.category,
                   CASE WHEN e.name IN ({carts}) THEN {CART_WEIGHT} ELSE {VIEW_WEIGHT} END,
                   e.timestamp
            FROM events e JOIN products p ON p.sku = e.sku
            WHERE e.customer_id IS NOT NULL AND e.timestamp <= {as_of}
              AND e.name IN ({carts}, {views}) AND p.category IS NOT NULL
        ), scored AS (
            SELECT s.customer_id, s.category,
                   SUM(s.weight * {half_life_weight("s.at", context)}) AS score
            FROM signals s JOIN customers c ON c.customer_id = s.customer_id
            GROUP BY s.customer_id, s.category
        )
        SELECT customer_id, category, score FROM (
            SELECT customer_id, category, ROUND(score, 3) AS score,
                   ROW_NUMBER() OVER (
                       PARTITION BY customer_id ORDER BY ROUND(score, 3) DESC, category
                   ) AS place
            FROM scored
        ) ranked
        WHERE place <= {TOP} AND score >= {MIN_SCORE}
    """


def interest_maps(top: pa.Table) -> pa.Table:
    """customer_id → JSON {category: score}, highest score first (ties by category)."""
    rows = sorted(
        zip(
            top.column("customer_id").to_pylist(),
            top.column("category").to_pylist(),
            top.column("score").to_pylist(),
            strict=True,
        ),
        key=lambda row: (row[0], -row[2], row[1]),
    )
    maps: dict[int, dict[str, float]] = {}
    for customer, category, score in rows:
        maps.setdefault(customer, {})[category] = round(float(score), 3)
    return pa.table(
        {
            "customer_id": pa.array(list(maps), pa.int64()),
            "interests": pa.array(
                [json.dumps(m, ensure_ascii=False, separators=(",", ":")) for m in maps.values()],
                pa.string(),
            ),
        }
    )


JOB = InterestsJob()
