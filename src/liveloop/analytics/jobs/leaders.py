"""Community leaders (团长): what their group-buying brought in and what they earned.

A leader's orders are the orders carrying their ``leader_id``, placed by ``as_of``. Sales count
counted orders only, so a refund claws back its commission. Commission is commerce's rule
(``commerce.service.leader_commission``: one flat rate, ``RunContext.leader_commission_rate``,
on GMV, half up to the fen), applied to the exact GMV; money columns are exact decimals.

Report ``leaders``, one row per leader with any order, largest GMV first:

leader_id          BIGINT
orders             BIGINT   counted orders
customers          BIGINT   distinct customers with a counted order through the leader
repeat_customers   BIGINT   of those, customers with two or more
repurchase_rate    DOUBLE   repeat_customers / customers
gmv                DECIMAL(18, 2)  counted orders' totals, yuan
avg_order_value    DOUBLE   gmv / orders (not rounded)
commission_rate    DECIMAL(5, 4)
commission         DECIMAL(18, 2)  gmv × commission_rate, yuan
refunds            BIGINT   the leader's orders refunded since
refunded_amount    DECIMAL(18, 2)
pickups            BIGINT   distinct pickup points used
first_order_at     TIMESTAMP  the first and last counted order (NULL without one)
last_order_at      TIMESTAMP
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pyarrow as pa

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.measures import exact_money, placed_orders, share
from liveloop.commerce.service import leader_commission

REPORT = "report_leaders"
MONEY = pa.decimal128(18, 2)
RATE = pa.decimal128(5, 4)  # the setting allows four places (12.5% is 0.125)


class Leaders:
    name: ClassVar[str] = "leaders"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        rate = context.leader_commission_rate
        engine.create(
            "leaders_sales",
            f"""
            WITH placed AS (
                SELECT * FROM ({placed_orders(context)}) placed WHERE leader_id IS NOT NULL
            ), sales AS (
                SELECT leader_id,
                       SUM(CASE WHEN counted THEN 1 ELSE 0 END) AS orders,
                       COUNT(DISTINCT CASE WHEN counted THEN customer_id END) AS customers,
                       SUM(CASE WHEN counted THEN total END) AS gmv,
                       SUM(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END) AS refunds,
                       SUM(CASE WHEN status = 'refunded' THEN total END) AS refunded_amount,
                       COUNT(DISTINCT pickup_id) AS pickups,
                       MIN(CASE WHEN counted THEN placed_at END) AS first_order_at,
                       MAX(CASE WHEN counted THEN placed_at END) AS last_order_at
                FROM placed GROUP BY leader_id
            ), loyal AS (
                SELECT leader_id, COUNT(*) AS repeat_customers
                FROM (
                    SELECT leader_id, customer_id FROM placed WHERE counted
                    GROUP BY leader_id, customer_id HAVING COUNT(*) >= 2
                ) repeaters
                GROUP BY leader_id
            )
            SELECT s.leader_id,
                   CAST(s.orders AS BIGINT) AS orders,
                   s.customers,
                   COALESCE(l.repeat_customers, 0) AS repeat_customers,
                   {share("COALESCE(l.repeat_customers, 0)", "s.customers")} AS repurchase_rate,
                   {exact_money("s.gmv")} AS gmv,
                   {share("COALESCE(s.gmv, 0)", "s.orders")} AS avg_order_value,
                   CAST(s.refunds AS BIGINT) AS refunds,
                   {exact_money("s.refunded_amount")} AS refunded_amount,
                   s.pickups, s.first_order_at, s.last_order_at
            FROM sales s LEFT JOIN loyal l ON l.leader_id = s.leader_id
            """,
        )
        sales = engine.arrow("SELECT * FROM leaders_sales ORDER BY gmv DESC, leader_id")
        engine.drop("leaders_sales")
        gmv: list[Decimal] = sales.column("gmv").to_pylist()
        commissions = [leader_commission(amount, rate) for amount in gmv]
        where = sales.schema.get_field_index("avg_order_value") + 1
        report = sales.add_column(
            where, "commission_rate", pa.array([rate] * sales.num_rows, RATE)
        ).add_column(where + 1, "commission", pa.array(commissions, MONEY))
        engine.load_arrow(REPORT, report)
        return JobOutput(
            reports={"leaders": REPORT},
            diagnostics={
                "rows": report.num_rows,
                "gmv": float(sum(gmv, Decimal(0))),
                "commission": float(sum(commissions, Decimal(0))),
            },
        )


JOB = Leaders()
