"""Events live emits (docs/events.md lists each with its properties); the platform's own events
come in through the webhook under the live spec's names (``liveloop.spec``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

# A show went on air / came off air (its room's figures start afresh / its report is made).
LIVE_STARTED: Final = "Live Started"
LIVE_ENDED: Final = "Live Ended"
# A one-click action of the host console (``contracts.ActionKind``).
LIVE_ACTION_TAKEN: Final = "Live Action Taken"
SOURCE: Final = "live"


def live_started(
    session: Session, *, at: datetime, room: str, live_session_id: int, title: str, host: str | None
) -> None:
    """A show went on air: ``room``, ``live_session_id``, ``title``, ``host``. A show starts
    once, so the message id is the show's."""
    emit(
        session,
        LIVE_STARTED,
        at=at,
        source=SOURCE,
        message_id=f"live-started:{live_session_id}",
        properties={
            "room": room,
            "live_session_id": live_session_id,
            "title": title,
            "host": host,
        },
    )


def live_ended(
    session: Session,
    *,
    at: datetime,
    room: str,
    live_session_id: int,
    started_at: datetime,
    ended_at: datetime,
) -> None:
    """A show came off air: ``room``, ``live_session_id``, ``started_at``, ``ended_at``."""
    emit(
        session,
        LIVE_ENDED,
        at=at,
        source=SOURCE,
        message_id=f"live-ended:{live_session_id}",
        properties={
            "room": room,
            "live_session_id": live_session_id,
            "started_at": started_at,
            "ended_at": ended_at,
        },
    )


def action_taken(
    session: Session,
    *,
    at: datetime,
    action_id: int,
    room: str,
    live_session_id: int,
    action: str,
    target: str | None,
    by: str,
    detail: Mapping[str, Any],
) -> None:
    """A one-click action was recorded (``live.actions.take_action``): a marker on the show's
    timeline; the stream processor reads 讲解 on air and answered clusters from it."""
    emit(
        session,
        LIVE_ACTION_TAKEN,
        at=at,
        source=SOURCE,
        message_id=f"live-action:{action_id}",
        properties={
            "room": room,
            "live_session_id": live_session_id,
            "action": action,
            "target": target,
            "by": by,
            "detail": dict(detail),
        },
    )


# A show's follow-up audiences were found (its post-live report): segments saves each as a segment.
LIVE_AUDIENCES_FOUND: Final = "Live Audiences Found"


def audiences_found(
    session: Session,
    *,
    at: datetime,
    room: str,
    live_session_id: int,
    title: str,
    started_at: datetime | None,
    sizes: Mapping[str, int],
) -> None:
    """A show's follow-up audiences are in ``live_audience_members``: ``room``,
    ``live_session_id``, ``title``, ``started_at``, ``sizes`` (people per audience). Stated
    once per show; a report made again rewrites the members, which segments pick up on refresh."""
    emit(
        session,
        LIVE_AUDIENCES_FOUND,
        at=at,
        source=SOURCE,
        message_id=f"live-audiences:{live_session_id}",
        properties={
            "room": room,
            "live_session_id": live_session_id,
            "title": title,
            "started_at": started_at.isoformat() if started_at else None,
            "sizes": dict(sizes),
        },
    )


# A show's post-live report was made: its clip candidates, for the content library.
LIVE_REPORT_READY: Final = "Live Report Ready"


def report_ready(
    session: Session,
    *,
    at: datetime,
    room: str,
    live_session_id: int,
    title: str,
    clips: Sequence[Mapping[str, Any]],
) -> None:
    """A show's report is made: ``room``, ``live_session_id``, ``title``, ``clips`` (highlight
    candidates: ``from_s``, ``to_s`` from the show's start, ``reason``, ``why``, ``comments``).
    Stated each time the report is made (numbered by ``at``), so a remade report is news."""
    emit(
        session,
        LIVE_REPORT_READY,
        at=at,
        source=SOURCE,
        message_id=f"live-report:{live_session_id}:{at.isoformat()}",
        properties={
            "room": room,
            "live_session_id": live_session_id,
            "title": title,
            "clips": [dict(clip) for clip in clips],
        },
    )
