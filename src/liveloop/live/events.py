"""Events live emits (docs/events.md lists each with its properties); the platform's own events
come in through the webhook under the live spec's names (``liveloop.spec``)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

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
