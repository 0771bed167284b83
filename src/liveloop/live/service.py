"""Live facade (foundation slice): schedule and close sessions, count shows held; and the record
of who attended which live, which it hands the profile counters on import."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.live import attendance
from liveloop.live.audiences import audience_sizes as audience_sizes
from liveloop.live.audiences import save_audiences as save_audiences
from liveloop.live.models import LiveSession, LiveStatus
from liveloop.live.reports import ReportNotReady as ReportNotReady
from liveloop.live.reports import ReportView as ReportView
from liveloop.live.reports import make_report as make_report
from liveloop.live.reports import report_of as report_of
from liveloop.live.sessions import LiveView as LiveView
from liveloop.live.sessions import list_lives as list_lives
from liveloop.live.sessions import set_costs as set_costs
from liveloop.profiles import service as profiles


def schedule_live(
    session: Session, *, room: str, title: str, host: str | None, scheduled_at: datetime
) -> int:
    """Schedule a show; a room holds one show per start time, so repeating this is a no-op."""
    existing = session.scalar(
        select(LiveSession.id).where(
            LiveSession.room == room, LiveSession.scheduled_at == scheduled_at
        )
    )
    if existing is not None:
        return existing
    live = LiveSession(room=room, title=title, host=host, scheduled_at=scheduled_at)
    session.add(live)
    session.flush()
    return live.id


def close_live(
    session: Session, live_id: int, *, started_at: datetime, ended_at: datetime, peak_viewers: int
) -> None:
    live = session.get(LiveSession, live_id)
    if live is None:
        raise LookupError(f"no live session {live_id}")
    if ended_at < started_at:
        raise ValueError("a live session cannot end before it starts")
    live.status = LiveStatus.ENDED
    live.started_at, live.ended_at, live.peak_viewers = started_at, ended_at, peak_viewers


def count_lives_held(session: Session, since: datetime | None = None) -> int:
    query = (
        select(func.count()).select_from(LiveSession).where(LiveSession.status == LiveStatus.ENDED)
    )
    if since is not None:
        query = query.where(LiveSession.started_at >= since)
    return session.scalar(query) or 0


# The profile counters keep ``lives_attended`` by live's record of attendance, and live sits
# above profiles: importing this facade hands them the record (see profiles.attendance).
profiles.record_attendance_with(attendance)
