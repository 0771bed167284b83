"""Community leaders (团长): what their group-buying brought in, and what they earned.

Sales come from the snapshot: a leader's orders are the orders carrying their ``leader_id``,
placed by ``as_of``; counted orders only. What a leader earned is not computed here: it is the
commission ledger's (``liveloop.commission``: per order line and level, the operator's rates,
frozen, settled, clawed back on refunds — exact to the fen), read through
``commission.service.leader_totals`` when the run starts (``RunContext.leader_ledger``) and
reported as it stands.

Report ``leaders``, one row per leader with any order, largest GMV first:

leader_id          BIGINT
orders             BIGINT   counted orders
customers          BIGINT   distinct customers with a counted order through the leader
repeat_customers   BIGINT   of those, customers with two or more
repurchase_rate    DOUBLE   repeat_customers / customers
gmv                DECIMAL(18, 2)  counted orders' totals, yuan
avg_order_value    DOUBLE   gmv / orders (not rounded)
refunds            BIGINT   the leader's orders refunded since
refunded_amount    DECIMAL(18, 2)
pickups            BIGINT   distinct pickup points used
first_order_at     TIMESTAMP  the first and last counted order (NULL without one)
last_order_at      TIMESTAMP

Report ``leader_commission``, one row per leader in the commission ledger, largest net first
(absent while the ledger is empty); money DECIMAL(18, 2) yuan, signed:

leader             VARCHAR  the leader's code (L0001)
name               VARCHAR
orders             BIGINT   orders with an own-sales (level 1) entry
sales              DECIMAL  their paid shares after refunds
earned             DECIMAL  commission on paid lines, both levels
refunded           DECIMAL  reduced by refunds before settlement (≤ 0)
clawed_back        DECIMAL  taken back by refunds after settlement (≤ 0)
net                DECIMAL  earned + refunded + clawed_back
frozen             DECIMAL  inside the after-sales window
settled            DECIMAL
withdrawn          DECIMAL  paid out
withdrawable       DECIMAL  may be negative after a claw-back
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pyarrow as pa

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.measures import exact_money, placed_orders, share
from liveloop.commission.contracts import LeaderTotals

REPORT = "report_leaders"
LEDGER_REPORT = "report_leader_commission"
MONEY = pa.decimal128(18, 2)
LEDGER_MONEY = (
    "sales",
    "earned",
    "refunded",
    "clawed_back",
    "net",
    "frozen",
    "settled",
    "withdrawn",
    "withdrawable",
)


class Leaders:
    name: ClassVar[str] = "leaders"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
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
        engine.load_arrow(REPORT, sales)
        gmv: list[Decimal] = sales.column("gmv").to_pylist()
        reports = {"leaders": REPORT}
        ledger = context.leader_ledger
        if ledger:
            engine.load_arrow(LEDGER_REPORT, _ledger_table(ledger))
            reports["leader_commission"] = LEDGER_REPORT
        return JobOutput(
            reports=reports,
            diagnostics={
                "rows": sales.num_rows,
                "gmv": float(sum((g for g in gmv if g is not None), Decimal(0))),
                "commission": float(sum((row.net for row in ledger), Decimal(0))),
            },
        )


def _ledger_table(ledger: tuple[LeaderTotals, ...]) -> pa.Table:
    columns: dict[str, pa.Array] = {
        "leader": pa.array([row.leader for row in ledger], pa.string()),
        "name": pa.array([row.name for row in ledger], pa.string()),
        "orders": pa.array([row.orders for row in ledger], pa.int64()),
    }
    for name in LEDGER_MONEY:
        columns[name] = pa.array([getattr(row, name) for row in ledger], MONEY)
    return pa.table(columns)


JOB = Leaders()
