"""When and where to reach a person: best contact hour and preferred channel.

An *interaction* is a person's activity in one local clock hour of one day: any event of
theirs, or an order (counted or not — a refunded order still shows when they were there). A
burst (ten comments in one live) is one interaction, so an hour is not won by one evening.
Each interaction weighs ½^(age / ``interest_half_life_days``): habits change.

- ``best_contact_hour`` (0–23, the brand's clock): the hour with the most weighted
  interactions; ties go to the earlier hour; NULL with fewer than ``MIN_INTERACTIONS``.
- ``preferred_channel``: the contact channel the person buys and responds through most. Orders
  weigh ``ORDER_WEIGHT`` (3) against 1 for an event, once per channel per hour of a day. Where
  the touch happened (an order's channel, an event's ``context.channel``) maps to the channel
  we can reach them on (``CONTACT_CHANNELS``):

  ============================================================  =========
  mini_program, official_account, wechat_channels, wecom, wechat  wecom
  douyin                                                          douyin
  pos (a store till)                                              store
  group_buy (through a community leader)                          leader
  ============================================================  =========

  h5_live (anonymous web viewers) reaches no one, and a live order's channel ("live") is read
  from that live's own events (Live Joined carries the platform), so neither counts. Ties go to
  the order of the table; NULL with no mapped touch.
"""

from __future__ import annotations

from typing import ClassVar

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.analytics.jobs.timing import half_life_weight, local_date

MIN_INTERACTIONS = 3
ORDER_WEIGHT = 3.0
EVENT_WEIGHT = 1.0
CONTACT_CHANNELS: dict[str, str] = {
    "mini_program": "wecom",
    "official_account": "wecom",
    "wechat_channels": "wecom",
    "wecom": "wecom",
    "wechat": "wecom",
    "douyin": "douyin",
    "pos": "store",
    "group_buy": "leader",
}
PREFERENCE = ("wecom", "douyin", "store", "leader")  # tie-break order


class ContactJob:
    name: ClassVar[str] = "contact"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ("best_contact_hour", "preferred_channel")

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        engine.create("contact_touches", _touches_query(context))
        engine.create("contact_hours", _best_hour_query(context))
        engine.create("contact_channels", _channel_query(context))
        engine.create(
            "scores_contact",
            """
            SELECT c.customer_id, h.best_contact_hour, p.preferred_channel
            FROM customers c
            LEFT JOIN contact_hours h ON h.customer_id = c.customer_id
            LEFT JOIN contact_channels p ON p.customer_id = c.customer_id
            """,
        )
        hours = dict(
            engine.rows(
                "SELECT best_contact_hour, COUNT(*) FROM scores_contact "
                "WHERE best_contact_hour IS NOT NULL GROUP BY best_contact_hour"
            )
        )
        channels = dict(
            engine.rows(
                "SELECT preferred_channel, COUNT(*) FROM scores_contact "
                "WHERE preferred_channel IS NOT NULL GROUP BY preferred_channel"
            )
        )
        engine.drop("contact_touches", "contact_hours", "contact_channels")
        return JobOutput(
            scores="scores_contact",
            diagnostics={
                "people_per_hour": {int(h): n for h, n in sorted(hours.items())},
                "people_per_channel": dict(sorted(channels.items())),
            },
        )


def _touches_query(context: RunContext) -> str:
    """Every order and event of a current customer up to ``as_of``: when, where, which kind."""
    as_of = context.as_of_sql
    return f"""
        SELECT o.customer_id, o.placed_at AS touched_at, o.channel, 'order' AS kind
        FROM orders o JOIN customers c ON c.customer_id = o.customer_id
        WHERE o.placed_at <= {as_of}
        UNION ALL
        SELECT e.customer_id, e.timestamp, e.channel, 'event'
        FROM events e JOIN customers c ON c.customer_id = e.customer_id
        WHERE e.timestamp <= {as_of}
    """


def _best_hour_query(context: RunContext) -> str:
    hour = context.local_hour("touched_at")
    return f"""
        WITH slots AS (
            SELECT customer_id, {hour} AS hour, MIN(touched_at) AS touched_at
            FROM contact_touches
            GROUP BY customer_id, {local_date("touched_at", context)}, {hour}
        ), hours AS (
            SELECT customer_id, hour,
                   ROUND(SUM({half_life_weight("touched_at", context)}), 6) AS weight,
                   SUM(COUNT(*)) OVER (PARTITION BY customer_id) AS interactions
            FROM slots GROUP BY customer_id, hour
        )
        SELECT customer_id, hour AS best_contact_hour FROM (
            SELECT customer_id, hour,
                   ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY weight DESC, hour)
                       AS place
            FROM hours WHERE interactions >= {MIN_INTERACTIONS}
        ) ranked
        WHERE place = 1
    """


def _channel_query(context: RunContext) -> str:
    mapping = " ".join(
        f"WHEN '{source}' THEN '{target}'" for source, target in CONTACT_CHANNELS.items()
    )
    preference = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(PREFERENCE))
    hour = context.local_hour("touched_at")
    return f"""
        WITH mapped AS (
            SELECT customer_id, touched_at, kind, CASE channel {mapping} END AS contact_channel
            FROM contact_touches
        ), slots AS (
            SELECT customer_id, contact_channel,
                   MAX(CASE WHEN kind = 'order' THEN {ORDER_WEIGHT} ELSE {EVENT_WEIGHT} END)
                       AS weight,
                   MIN(touched_at) AS touched_at
            FROM mapped WHERE contact_channel IS NOT NULL
            GROUP BY customer_id, contact_channel, {local_date("touched_at", context)}, {hour}
        ), channels AS (
            SELECT customer_id, contact_channel,
                   ROUND(SUM(weight * {half_life_weight("touched_at", context)}), 6) AS weight
            FROM slots GROUP BY customer_id, contact_channel
        )
        SELECT customer_id, contact_channel AS preferred_channel FROM (
            SELECT customer_id, contact_channel,
                   ROW_NUMBER() OVER (
                       PARTITION BY customer_id
                       ORDER BY weight DESC, CASE contact_channel {preference} END
                   ) AS place
            FROM channels
        ) ranked
        WHERE place = 1
    """


JOB = ContactJob()
