"""Monthly acquisition cohorts: who came back, who bought again, what they were worth.

A customer's cohort is the local calendar month of their first counted order. Each cohort has
one row per month since then, up to the month ``as_of`` falls in (so the newest cohort has a
single row, month 0).

Report ``cohorts``, one row per (cohort, months_since):

cohort              VARCHAR  'YYYY-MM', the month of the first counted order
month               VARCHAR  'YYYY-MM', the calendar month ``months_since`` later
months_since        BIGINT   0, 1, 2 …
customers           BIGINT   cohort size
active              BIGINT   cohort customers with a counted order in that month
retention           DOUBLE   active / customers (month 0 is always 1)
repeat_buyers       BIGINT   cohort customers with two or more counted orders by that month
repurchase_rate     DOUBLE   repeat_buyers / customers
revenue             DOUBLE   the cohort's counted order totals in that month, yuan
cumulative_revenue  DOUBLE   the same, summed from month 0, yuan
ltv                 DOUBLE   cumulative_revenue / customers: lifetime value per customer so far
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import ClassVar

import pyarrow as pa

from liveloop.analytics.engine import Engine, arrow_schema
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.measures import counted_orders

COLUMNS = (
    ("cohort", "VARCHAR"),
    ("month", "VARCHAR"),
    ("months_since", "BIGINT"),
    ("customers", "BIGINT"),
    ("active", "BIGINT"),
    ("retention", "DOUBLE"),
    ("repeat_buyers", "BIGINT"),
    ("repurchase_rate", "DOUBLE"),
    ("revenue", "DOUBLE"),
    ("cumulative_revenue", "DOUBLE"),
    ("ltv", "DOUBLE"),
)
REPORT = "report_cohorts"


def month_label(month: int) -> str:
    """A month number (year × 12 + month − 1) as 'YYYY-MM'."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


class Cohorts:
    name: ClassVar[str] = "cohorts"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        local = f"placed_at + INTERVAL '{int(context.utc_offset_hours)}' HOUR"
        # Months are numbered (year × 12 + month − 1) so "months since" is a subtraction.
        engine.create(
            "cohorts_orders",
            f"""
            SELECT customer_id, order_id, placed_at, total,
                   YEAR({local}) * 12 + MONTH({local}) - 1 AS month
            FROM ({counted_orders(context)}) counted
            """,
        )
        engine.create(
            "cohorts_members",
            """
            SELECT customer_id,
                   MIN(CASE WHEN nth = 1 THEN month END) AS cohort_month,
                   MIN(CASE WHEN nth = 2 THEN month END) AS second_month
            FROM (
                SELECT customer_id, month, ROW_NUMBER() OVER (
                    PARTITION BY customer_id ORDER BY placed_at, order_id) AS nth
                FROM cohorts_orders
            ) ranked
            WHERE nth <= 2
            GROUP BY customer_id
            """,
        )
        sizes = engine.rows(
            "SELECT cohort_month, COUNT(*) FROM cohorts_members GROUP BY cohort_month"
        )
        activity = engine.rows(
            """
            SELECT m.cohort_month, o.month - m.cohort_month,
                   COUNT(DISTINCT o.customer_id), SUM(o.total)
            FROM cohorts_orders o JOIN cohorts_members m ON m.customer_id = o.customer_id
            GROUP BY m.cohort_month, o.month - m.cohort_month
            """
        )
        second_purchases = engine.rows(
            """
            SELECT cohort_month, second_month - cohort_month, COUNT(*)
            FROM cohorts_members WHERE second_month IS NOT NULL
            GROUP BY cohort_month, second_month - cohort_month
            """
        )
        engine.drop("cohorts_orders", "cohorts_members")

        now = context.as_of + timedelta(hours=context.utc_offset_hours)
        rows = cohort_rows(
            sizes, activity, second_purchases, current_month=now.year * 12 + now.month - 1
        )
        engine.load_arrow(REPORT, pa.Table.from_pylist(rows, schema=arrow_schema(COLUMNS)))
        return JobOutput(
            reports={"cohorts": REPORT},
            diagnostics={"cohorts": len(sizes), "rows": len(rows)},
        )


def cohort_rows(
    sizes: list[tuple[int, int]],
    activity: list[tuple[int, int, int, float]],
    second_purchases: list[tuple[int, int, int]],
    current_month: int,
) -> list[dict[str, object]]:
    """The report's rows from per-cohort counts: every month from the first to
    ``current_month`` gets a row, months without a purchase included. Money is summed in
    whole fen, so both engines' float sums (added in different orders) give the same LTV."""
    active: dict[tuple[int, int], tuple[int, int]] = {
        (cohort, since): (buyers, round((revenue or 0.0) * 100))
        for cohort, since, buyers, revenue in activity
    }
    repeats: dict[int, dict[int, int]] = defaultdict(dict)
    for cohort, since, count in second_purchases:
        repeats[cohort][since] = count
    rows: list[dict[str, object]] = []
    for cohort, customers in sorted(sizes):
        repeat_buyers, cumulative = 0, 0
        for since in range(max(current_month - cohort, 0) + 1):
            buyers, revenue = active.get((cohort, since), (0, 0))
            repeat_buyers += repeats[cohort].get(since, 0)
            cumulative += revenue
            rows.append(
                {
                    "cohort": month_label(cohort),
                    "month": month_label(cohort + since),
                    "months_since": since,
                    "customers": customers,
                    "active": buyers,
                    "retention": buyers / customers,
                    "repeat_buyers": repeat_buyers,
                    "repurchase_rate": repeat_buyers / customers,
                    "revenue": revenue / 100,
                    "cumulative_revenue": cumulative / 100,
                    "ltv": round(cumulative / customers) / 100,
                }
            )
    return rows


JOB = Cohorts()
