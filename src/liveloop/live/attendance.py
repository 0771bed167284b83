"""Who attended which live: the record the profile counters keep ``lives_attended`` by (see
profiles.attendance). A person attends a live once, however often they join it; a merge gives
the survivor the lives only the merged person attended, and a split recounts both people from
the event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from liveloop.live.models import LiveAttendance


def attend(session: Session, customer_id: int, live_session_id: int, at: datetime) -> bool:
    """Note that the person joined the live; True the first time."""
    seen = session.scalar(
        select(LiveAttendance.id).where(
            LiveAttendance.customer_id == customer_id,
            LiveAttendance.live_session_id == live_session_id,
        )
    )
    if seen is not None:
        return False
    session.add(
        LiveAttendance(customer_id=customer_id, live_session_id=live_session_id, joined_at=at)
    )
    return True


def combine(session: Session, survivor_id: int, merged_id: int) -> int:
    """Give the survivor the merged person's lives; returns how many the survivor has."""
    seen = set(
        session.scalars(
            select(LiveAttendance.live_session_id).where(LiveAttendance.customer_id == survivor_id)
        )
    )
    for row in session.scalars(
        select(LiveAttendance).where(LiveAttendance.customer_id == merged_id)
    ):
        if row.live_session_id in seen:
            session.delete(row)
        else:
            row.customer_id = survivor_id
    session.flush()
    return (
        session.scalar(
            select(func.count())
            .select_from(LiveAttendance)
            .where(LiveAttendance.customer_id == survivor_id)
        )
        or 0
    )


def forget(session: Session, customer_id: int) -> None:
    """Drop the person's lives (a split recounts them from the event log)."""
    session.execute(delete(LiveAttendance).where(LiveAttendance.customer_id == customer_id))
