"""Live facade: rooms and shows, each show's shelf and prepared offers, who may see which
room; the host console's one-click actions and the own room's action feed; the shows a platform
connector pulls; each ended show's post-live report and follow-up audiences; the record of who
attended which live (handed to the profile counters); and how a platform signs a webhook
delivery (``webhook_signature``, for clients such as the show simulator)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.live import attendance
from liveloop.live.actions import ActionRefused as ActionRefused
from liveloop.live.actions import ActionView as ActionView
from liveloop.live.actions import KeyReused as KeyReused
from liveloop.live.actions import ShowNotLive as ShowNotLive
from liveloop.live.actions import UnknownShow as UnknownShow
from liveloop.live.actions import actions_of as actions_of
from liveloop.live.actions import room_feed as room_feed
from liveloop.live.actions import room_of_show as room_of_show
from liveloop.live.actions import take_action as take_action
from liveloop.live.models import LiveSession, LiveStatus
from liveloop.live.platform_shows import PlatformShowError as PlatformShowError
from liveloop.live.platform_shows import PlatformShowView as PlatformShowView
from liveloop.live.platform_shows import link_platform_show as link_platform_show
from liveloop.live.platform_shows import platform_show_of as platform_show_of
from liveloop.live.platform_shows import repull as repull
from liveloop.live.sessions import LiveView as LiveView
from liveloop.live.sessions import list_lives as list_lives
from liveloop.live.sessions import set_costs as set_costs
from liveloop.live.webhook import MAX_EVENTS, signature
from liveloop.profiles import service as profiles

# How a platform signs a webhook delivery, and the most events one delivery may hold.
webhook_signature = signature
WEBHOOK_MAX_EVENTS = MAX_EVENTS


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
