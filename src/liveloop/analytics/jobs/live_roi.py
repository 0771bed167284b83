"""What each live session brought in, and what it cost.

Sales are orders carrying the session's id, placed by ``as_of``; money in yuan.

ROI is (GMV − cost) / cost. ``orders.total`` is what the buyer paid, coupons already taken
off, so this is the familiar (GMV before coupons − coupon cost − cost) / cost without counting
the coupons twice; ``coupon_cost`` is shown beside it. A session without recorded cost has no
ROI (NULL), rather than an infinite one.

Report ``live_roi``, one row per session held by ``as_of`` (and any session id orders carry
that the schedule lacks), by start time:

live_session_id    BIGINT
title, room, host  VARCHAR
started_at         TIMESTAMP
viewers            BIGINT   distinct customers who joined (``Live Joined``)
peak_viewers       BIGINT   most people in the room at once, anonymous viewers included
avg_watch_minutes  DOUBLE   mean stay per ``Live Left``
orders             BIGINT   counted orders
buyers             BIGINT   distinct customers with a counted order
new_customers      BIGINT   buyers whose first counted order ever was in this session
gmv                DOUBLE   counted orders' totals
coupon_cost        DOUBLE   discounts on counted orders that used a coupon
cost               DOUBLE   the session's cost inputs
refunds            BIGINT   orders of the session refunded since
refunded_amount    DOUBLE   their totals
roi                DOUBLE   (gmv − cost) / cost; NULL when cost is 0
"""

from __future__ import annotations

from typing import ClassVar

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.measures import counted_orders, money, placed_orders, share

REPORT = "report_live_roi"


class LiveRoi:
    name: ClassVar[str] = "live_roi"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        as_of = context.as_of_sql
        engine.create(
            REPORT,
            f"""
            WITH sales AS (
                SELECT live_session_id,
                       SUM(CASE WHEN counted THEN 1 ELSE 0 END) AS orders,
                       COUNT(DISTINCT CASE WHEN counted THEN customer_id END) AS buyers,
                       SUM(CASE WHEN counted THEN total END) AS gmv,
                       SUM(CASE WHEN counted AND coupon_code IS NOT NULL THEN discount END)
                           AS coupon_cost,
                       SUM(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END) AS refunds,
                       SUM(CASE WHEN status = 'refunded' THEN total END) AS refunded_amount
                FROM ({placed_orders(context)}) placed
                WHERE live_session_id IS NOT NULL
                GROUP BY live_session_id
            ), firsts AS (
                SELECT live_session_id, ROW_NUMBER() OVER (
                    PARTITION BY customer_id ORDER BY placed_at, order_id) AS nth
                FROM ({counted_orders(context)}) counted
            ), newcomers AS (
                SELECT live_session_id, COUNT(*) AS new_customers FROM firsts
                WHERE nth = 1 AND live_session_id IS NOT NULL
                GROUP BY live_session_id
            ), presence AS (
                SELECT live_session_id, name, customer_id, watch_seconds,
                       SUM(CASE WHEN name = 'Live Joined' THEN 1 ELSE -1 END) OVER (
                           PARTITION BY live_session_id
                           ORDER BY timestamp, CASE WHEN name = 'Live Joined' THEN 1 ELSE 0 END,
                                    event_id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS in_room
                FROM events
                WHERE name IN ('Live Joined', 'Live Left') AND live_session_id IS NOT NULL
                  AND timestamp <= {as_of}
            ), audience AS (
                SELECT live_session_id,
                       COUNT(DISTINCT CASE WHEN name = 'Live Joined' THEN customer_id END)
                           AS viewers,
                       MAX(in_room) AS peak_viewers,
                       AVG(CASE WHEN name = 'Live Left' THEN watch_seconds END) AS watch_seconds
                FROM presence GROUP BY live_session_id
            ), sessions AS (
                SELECT live_session_id FROM live_sessions WHERE started_at <= {as_of}
                UNION SELECT live_session_id FROM sales
            )
            SELECT s.live_session_id, l.title, l.room, l.host, l.started_at,
                   COALESCE(a.viewers, 0) AS viewers,
                   CAST(GREATEST(COALESCE(a.peak_viewers, 0), 0) AS BIGINT) AS peak_viewers,
                   CAST(a.watch_seconds AS DOUBLE) / 60 AS avg_watch_minutes,
                   CAST(COALESCE(o.orders, 0) AS BIGINT) AS orders,
                   COALESCE(o.buyers, 0) AS buyers,
                   COALESCE(n.new_customers, 0) AS new_customers,
                   {money("o.gmv")} AS gmv,
                   {money("o.coupon_cost")} AS coupon_cost,
                   {money("l.cost")} AS cost,
                   CAST(COALESCE(o.refunds, 0) AS BIGINT) AS refunds,
                   {money("o.refunded_amount")} AS refunded_amount,
                   {share(f"{money('o.gmv')} - l.cost", "l.cost")} AS roi
            FROM sessions s
            LEFT JOIN live_sessions l ON l.live_session_id = s.live_session_id
            LEFT JOIN sales o ON o.live_session_id = s.live_session_id
            LEFT JOIN newcomers n ON n.live_session_id = s.live_session_id
            LEFT JOIN audience a ON a.live_session_id = s.live_session_id
            ORDER BY l.started_at, s.live_session_id
            """,
        )
        sessions, with_cost, gmv = engine.rows(
            f"SELECT COUNT(*), COUNT(CASE WHEN cost > 0 THEN 1 END), SUM(gmv) FROM {REPORT}"
        )[0]
        return JobOutput(
            reports={"live_roi": REPORT},
            diagnostics={
                "rows": sessions,
                "sessions_with_cost": with_cost or 0,
                "gmv": round(gmv or 0.0, 2),
            },
        )


JOB = LiveRoi()
