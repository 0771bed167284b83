"""RFM: recency (whole days on the brand's clock), frequency and monetary value scored 1–5
among buyers, and the named groups
operators use (新客, 活跃客, VIP, 沉睡客, 流失客), from rules kept in the store.

Scores come from each buyer's percent rank, so tied buyers share a score (every one-order
buyer gets F = 1) and both engines agree exactly: ``1 + floor(5 × percent_rank)``, capped at 5.
A lone buyer has no peers to rank against and scores 3 on each. People who never bought get
no scores and no group.
"""

from __future__ import annotations

from typing import ClassVar

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import GroupRule, JobOutput, RunContext
from liveloop.analytics.jobs.timing import local_date

DEFAULT_GROUPS = (
    GroupRule("新客", 10, {"frequency": (1, 1), "recency_days": (0, 30)}),
    GroupRule("VIP", 20, {"r": (4, 5), "f": (4, 5), "m": (4, 5)}),
    GroupRule("活跃客", 30, {"r": (3, 5)}),
    GroupRule("沉睡客", 40, {"r": (2, 2)}),
    GroupRule("流失客", 50, {"r": (1, 1)}),
)
RULE_FIELDS = {
    "r": "rfm_r",
    "f": "rfm_f",
    "m": "rfm_m",
    "recency_days": "recency_days",
    "frequency": "frequency",
}


def _score(order: str) -> str:
    return (
        "CASE WHEN COUNT(*) OVER () = 1 THEN 3 ELSE LEAST(5, 1 + CAST(FLOOR(5 * "
        f"PERCENT_RANK() OVER (ORDER BY {order})) AS INTEGER)) END"
    )


def group_case(groups: tuple[GroupRule, ...]) -> str:
    """The groups as one SQL CASE: the first rule (by priority) a person meets names them."""
    branches = []
    for group in sorted(groups, key=lambda g: g.priority):
        tests = [
            f"{RULE_FIELDS[field]} BETWEEN {float(low)} AND {float(high)}"
            for field, (low, high) in sorted(group.ranges.items())
        ]
        name = group.name.replace("'", "''")
        branches.append(f"WHEN {' AND '.join(tests) or 'TRUE'} THEN '{name}'")
    if not branches:
        return "CAST(NULL AS VARCHAR)"
    return f"CASE {' '.join(branches)} END"


class Rfm:
    name: ClassVar[str] = "rfm"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = (
        "recency_days",
        "frequency",
        "monetary",
        "rfm_r",
        "rfm_f",
        "rfm_m",
        "rfm_group",
    )

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        groups = context.rfm_groups or DEFAULT_GROUPS
        engine.create(
            "rfm_buyers",
            f"""
            WITH bought AS (
                SELECT customer_id, COUNT(*) AS frequency, ROUND(SUM(total), 2) AS monetary,
                       GREATEST(0, DATE_DIFF('day', MAX({local_date("placed_at", context)}),
                                             {local_date(context.as_of_sql, context)}))
                           AS recency_days
                FROM orders
                WHERE counted AND placed_at <= {context.as_of_sql}
                GROUP BY customer_id
            )
            SELECT b.customer_id, CAST(recency_days AS INTEGER) AS recency_days,
                   CAST(frequency AS INTEGER) AS frequency, monetary,
                   {_score("recency_days DESC")} AS rfm_r,
                   {_score("frequency")} AS rfm_f,
                   {_score("monetary")} AS rfm_m
            FROM bought b JOIN customers c ON c.customer_id = b.customer_id
            """,
        )
        engine.create(
            "scores_rfm",
            f"""
            SELECT c.customer_id, b.recency_days, b.frequency, b.monetary,
                   b.rfm_r, b.rfm_f, b.rfm_m,
                   CASE WHEN b.customer_id IS NULL THEN NULL ELSE {group_case(groups)} END
                       AS rfm_group
            FROM customers c LEFT JOIN rfm_buyers b ON b.customer_id = c.customer_id
            """,
        )
        engine.drop("rfm_buyers")
        sizes = engine.rows(
            "SELECT rfm_group, COUNT(*) FROM scores_rfm WHERE rfm_group IS NOT NULL "
            "GROUP BY rfm_group ORDER BY rfm_group"
        )
        return JobOutput(
            scores="scores_rfm",
            diagnostics={
                "groups": {name: count for name, count in sizes},
                "rules": [
                    {"name": g.name, "priority": g.priority, "ranges": g.ranges} for g in groups
                ],
            },
        )


JOB = Rfm()
