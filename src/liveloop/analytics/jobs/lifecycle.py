"""Lifecycle stage per person: 认知 → 考虑 → 首购 → 复购 → 忠诚, and 流失预警 for buyers slipping
away. The first rule that holds names the stage:

- never bought: 考虑 with buying intent in the last 90 days (a product click, an add to cart, a
  checkout) or two live sessions watched; otherwise 认知;
- bought, but P(alive) under 0.5 (repeat buyers: BG/NBD says a one-order buyer is alive by
  definition) or no purchase for ``LAPSE_DAYS``: 流失预警;
- four or more orders and recent (R ≥ 3): 忠诚;
- two or more orders: 复购; otherwise 首购.
"""

from __future__ import annotations

from typing import ClassVar

from liveloop import spec
from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext

STAGES = ("认知", "考虑", "首购", "复购", "忠诚", "流失预警")
INTENT_EVENTS = (
    spec.LIVE_PRODUCT_CLICKED,
    spec.PRODUCT_ADDED,
    spec.CHECKOUT_STARTED,
    spec.PRODUCT_VIEWED,
)
LAPSE_DAYS = 120


class Lifecycle:
    name: ClassVar[str] = "lifecycle"
    after: ClassVar[tuple[str, ...]] = ("rfm", "clv")
    score_columns: ClassVar[tuple[str, ...]] = ("lifecycle_stage",)

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        intents = ", ".join(f"'{name}'" for name in INTENT_EVENTS)
        engine.create(
            "scores_lifecycle",
            f"""
            WITH engaged AS (
                SELECT customer_id,
                       SUM(CASE WHEN name IN ({intents}) THEN 1 ELSE 0 END) AS intents,
                       COUNT(DISTINCT CASE WHEN name = 'Live Joined'
                                      THEN live_session_id END) AS lives
                FROM events
                WHERE customer_id IS NOT NULL
                  AND timestamp > {context.as_of_sql} - INTERVAL 90 DAY
                  AND timestamp <= {context.as_of_sql}
                GROUP BY customer_id
            )
            SELECT r.customer_id,
                   CASE
                     WHEN r.frequency IS NULL THEN
                       CASE WHEN COALESCE(e.intents, 0) > 0 OR COALESCE(e.lives, 0) >= 2
                            THEN '考虑' ELSE '认知' END
                     WHEN (r.frequency >= 2 AND v.p_alive < 0.5)
                          OR r.recency_days > {LAPSE_DAYS} THEN '流失预警'
                     WHEN r.frequency >= 4 AND r.rfm_r >= 3 THEN '忠诚'
                     WHEN r.frequency >= 2 THEN '复购'
                     ELSE '首购'
                   END AS lifecycle_stage
            FROM scores_rfm r
            LEFT JOIN scores_clv v ON v.customer_id = r.customer_id
            LEFT JOIN engaged e ON e.customer_id = r.customer_id
            """,
        )
        sizes = engine.rows(
            "SELECT lifecycle_stage, COUNT(*) FROM scores_lifecycle GROUP BY lifecycle_stage"
        )
        return JobOutput(
            scores="scores_lifecycle",
            diagnostics={"stages": {stage: count for stage, count in sizes}},
        )


JOB = Lifecycle()
