"""A show's follow-up audiences saved as segments: when live states ``Live Audiences Found``
(its post-live report), each audience becomes a segment of its own — "主食健康课 12-09 看了未买"
— whose rule is that audience (``live_audience``) and whose origin names the show and the
audience, so its ``Segment Entered`` events carry ``follow_up`` and the post-live journeys take
the people in at once.

Invariant: one segment per (show, audience): a repeated or replayed event refreshes the
segment it made instead of making another.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.live import events as live_events
from liveloop.live.contracts import FOLLOW_UP_NAMES, FollowUp
from liveloop.segments.models import Segment
from liveloop.segments.service import create_segment, refresh_memberships
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import LoggedEvent

FOLLOW_UPS_CONSUMER = "segments-follow-ups"
NAME_LIMIT = 64  # segments.name


def subscribe(consumers: Consumers, tz: ZoneInfo) -> None:
    if FOLLOW_UPS_CONSUMER in consumers:
        return

    def handle(session: Session, event: LoggedEvent) -> None:
        save_follow_ups(session, event, tz)

    consumers.subscribe(
        FOLLOW_UPS_CONSUMER, handle, names={live_events.LIVE_AUDIENCES_FOUND}, batch_size=20
    )


def save_follow_ups(session: Session, event: LoggedEvent, tz: ZoneInfo) -> list[int]:
    """The segments of the show's non-empty audiences, made (or found) and refreshed at the
    event's time; returns their ids."""
    props = event.properties
    show, room = int(props["live_session_id"]), str(props["room"])
    sizes = props.get("sizes") or {}
    made = []
    for audience in FollowUp:
        if not sizes.get(audience.value):
            continue
        origin = {"live_session_id": show, "follow_up": audience.value, "room": room}
        segment_id = _existing(session, show, audience) or _create(
            session, props, origin, audience, event.timestamp, tz
        )
        refresh_memberships(session, event.timestamp, segment_id)
        made.append(segment_id)
    return made


def _existing(session: Session, show: int, audience: FollowUp) -> int | None:
    # Few system segments exist per show; reading their origins beats a JSON index.
    for segment_id, origin in session.execute(
        select(Segment.id, Segment.origin).where(Segment.origin.is_not(None))
    ):
        if origin.get("live_session_id") == show and origin.get("follow_up") == audience.value:
            return int(segment_id)
    return None


def _create(
    session: Session,
    props: Mapping[str, Any],
    origin: dict[str, Any],
    audience: FollowUp,
    now: datetime,
    tz: ZoneInfo,
) -> int:
    started = props.get("started_at")
    day = datetime.fromisoformat(str(started)).astimezone(tz).strftime("%m-%d ") if started else ""
    tail = f"{day}{FOLLOW_UP_NAMES[audience]} #{origin['live_session_id']}"
    title = str(props.get("title") or "直播")[: NAME_LIMIT - len(tail) - 1]
    segment = create_segment(
        session,
        name=f"{title} {tail}",
        rule={
            "type": "live_audience",
            "audience": audience.value,
            "live_session_id": origin["live_session_id"],
        },
        created_by="system",
        now=now,
        description=f"直播《{props.get('title')}》结束后的跟进人群：{FOLLOW_UP_NAMES[audience]}",
        origin=origin,
    )
    return segment.id
