"""Events segments emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import NewEvent, append

SEGMENT_ENTERED: Final = "Segment Entered"
SEGMENT_EXITED: Final = "Segment Exited"
SOURCE: Final = "segments"


def membership_changed(
    session: Session,
    *,
    at: datetime,
    segment_id: int,
    segment_name: str,
    refresh: int,
    entered: Sequence[int],
    exited: Sequence[int],
    origin: Mapping[str, Any] | None = None,
) -> None:
    """A saved segment's refresh number ``refresh`` let people in and out: one ``Segment
    Entered`` or ``Segment Exited`` per person (``segment_id``, ``segment_name``, and what
    made a system segment: ``follow_up``, ``live_session_id``, ``room``), in bulk."""
    properties = {**(origin or {}), "segment_id": segment_id, "segment_name": segment_name}
    happened = [(SEGMENT_ENTERED, "entered", c) for c in entered] + [
        (SEGMENT_EXITED, "exited", c) for c in exited
    ]
    append(
        session,
        (
            NewEvent(
                name=name,
                timestamp=at,
                source=SOURCE,
                message_id=f"segment:{segment_id}:{refresh}:{kind}:{customer_id}",
                customer_id=customer_id,
                properties=properties,
            )
            for name, kind, customer_id in happened
        ),
        received_at=at,
    )
