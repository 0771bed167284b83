"""The live-room funnel: watched → clicked a product → added to cart → started checkout → paid,
per live session and over all sessions, and where the most shoppers are lost.

Each step counts distinct customers in the session who reached it and every step before it:
the first four from the live events (``Live Joined``, ``Live Product Clicked``, ``Product
Added``, ``Checkout Started``), payment from counted orders carrying the session's id. So no
rate exceeds 1: a regular who ordered their staple straight from the shelf without the tracked
click and checkout (the simulator plants them: they stock up in the weekly show) bought in the
live — its GMV and the live ROI count them — but did not walk this funnel. Anonymous viewers
(no customer) are not counted.

The overall row (``title`` '全部', no session id) is the sum of the session rows — a person who
watched three lives is three chances to convert — so its rates are per view, like the rates a
host sees for one session, and it equals the column sums an analyst would take in a spreadsheet.

The break point is the step after the first product click that loses the largest share of the
step before it, as "70% 在支付环节流失". Watching → clicking is left out on purpose: most viewers
of a live only watch, so that step's loss (reported as ``click_rate``) measures the audience's
interest, not a place where someone who meant to buy gave up.

Report ``funnels``, the overall row first, then sessions by start time:

live_session_id    BIGINT   NULL on the overall row
title, room, host  VARCHAR  the session's ('全部' as the overall row's title)
started_at         TIMESTAMP
viewers, clickers, cart_adders, checkout_starters, payers   BIGINT   customers per step
click_rate, cart_rate, checkout_rate, pay_rate              DOUBLE   step / the step before
conversion         DOUBLE   payers / viewers
break_step         VARCHAR  'cart' | 'checkout' | 'payment'; NULL when nobody was lost
break_loss         DOUBLE   the share lost at that step
break_point        VARCHAR  e.g. '70% 在支付环节流失'
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

import pyarrow as pa

from liveloop import spec
from liveloop.analytics.engine import Engine, arrow_schema
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.measures import counted_orders


@dataclass(frozen=True)
class Step:
    count: str  # report column: customers who reached the step
    rate: str | None  # report column: count / the previous step's count
    key: str  # the step's name in break_step
    label: str  # the step's name in break_point
    event: str | None  # the live event that marks it (payment: a counted order)


STEPS = (
    Step("viewers", None, "view", "观看", spec.LIVE_JOINED),
    Step("clickers", "click_rate", "click", "点击商品", spec.LIVE_PRODUCT_CLICKED),
    Step("cart_adders", "cart_rate", "cart", "加购", spec.PRODUCT_ADDED),
    Step("checkout_starters", "checkout_rate", "checkout", "结算", spec.CHECKOUT_STARTED),
    Step("payers", "pay_rate", "payment", "支付", None),
)
BREAK_STEPS = STEPS[2:]  # after the click: see the module docstring
OVERALL_TITLE = "全部"
COLUMNS = (
    ("live_session_id", "BIGINT"),
    ("title", "VARCHAR"),
    ("room", "VARCHAR"),
    ("host", "VARCHAR"),
    ("started_at", "TIMESTAMP"),
    *((step.count, "BIGINT") for step in STEPS),
    *((step.rate, "DOUBLE") for step in STEPS if step.rate),
    ("conversion", "DOUBLE"),
    ("break_step", "VARCHAR"),
    ("break_loss", "DOUBLE"),
    ("break_point", "VARCHAR"),
)
REPORT = "report_funnels"


class Funnels:
    name: ClassVar[str] = "funnels"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        step_of = " ".join(
            f"WHEN '{step.event}' THEN {number}" for number, step in enumerate(STEPS) if step.event
        )
        events = ", ".join(f"'{step.event}'" for step in STEPS if step.event)
        engine.create(
            "funnels_steps",
            f"""
            SELECT live_session_id, customer_id, CASE name {step_of} END AS step
            FROM events
            WHERE name IN ({events}) AND live_session_id IS NOT NULL
              AND customer_id IS NOT NULL AND timestamp <= {context.as_of_sql}
            UNION ALL
            SELECT live_session_id, customer_id, {len(STEPS) - 1} AS step
            FROM ({counted_orders(context)}) counted
            WHERE live_session_id IS NOT NULL
            """,
        )
        reached = ", ".join(
            f"MAX(CASE WHEN step = {number} THEN 1 ELSE 0 END) AS s{number}"
            for number in range(len(STEPS))
        )
        counts = ", ".join(
            f"CAST(SUM({' * '.join(f's{n}' for n in range(number + 1))}) AS BIGINT) AS {step.count}"
            for number, step in enumerate(STEPS)
        )
        sessions = engine.arrow(
            f"""
            WITH reached AS (
                SELECT live_session_id, customer_id, {reached}
                FROM funnels_steps GROUP BY live_session_id, customer_id
            ), counts AS (
                SELECT live_session_id, {counts} FROM reached GROUP BY live_session_id
            ), sessions AS (
                SELECT live_session_id FROM live_sessions
                WHERE started_at <= {context.as_of_sql}
                UNION SELECT live_session_id FROM counts
            )
            SELECT s.live_session_id, l.title, l.room, l.host, l.started_at,
                   {", ".join(f"COALESCE(c.{step.count}, 0) AS {step.count}" for step in STEPS)}
            FROM sessions s
            LEFT JOIN live_sessions l ON l.live_session_id = s.live_session_id
            LEFT JOIN counts c ON c.live_session_id = s.live_session_id
            ORDER BY l.started_at, s.live_session_id
            """
        ).to_pylist()
        engine.drop("funnels_steps")

        overall: dict[str, Any] = {"live_session_id": None, "title": OVERALL_TITLE}
        for step in STEPS:
            overall[step.count] = sum(row[step.count] for row in sessions)
        rows = [with_rates(row) for row in (overall, *sessions)]
        engine.load_arrow(REPORT, pa.Table.from_pylist(rows, schema=arrow_schema(COLUMNS)))
        return JobOutput(
            reports={"funnels": REPORT},
            diagnostics={
                "sessions": len(sessions),
                "rows": len(rows),
                "break_point": rows[0]["break_point"],
                **{step.count: overall[step.count] for step in STEPS},
            },
        )


def with_rates(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` (counts per step) with each step's rate, the conversion and the break point."""
    row = dict(row)
    for before, step in pairwise(STEPS):
        if step.rate:
            row[step.rate] = rate(row[step.count], row[before.count])
    row["conversion"] = rate(row[STEPS[-1].count], row[STEPS[0].count])
    losses = [
        (1.0 - row[step.rate], step)
        for step in BREAK_STEPS
        if step.rate and row[step.rate] is not None
    ]
    worst = max(losses, key=lambda loss: loss[0], default=None)  # the first of equals
    if worst is None or worst[0] <= 0:
        row.update(break_step=None, break_loss=None, break_point=None)
    else:
        loss, step = worst
        row.update(
            break_step=step.key,
            break_loss=loss,
            break_point=f"{int(loss * 100 + 0.5)}% 在{step.label}环节流失",
        )
    return row


def rate(count: int, before: int) -> float | None:
    return count / before if before else None


JOB = Funnels()
