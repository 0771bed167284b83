"""Live facade: rooms and shows, each show's shelf and prepared offers, who may see which
room; the host console's one-click actions and the own room's action feed; the shows a platform
connector pulls; each ended show's post-live report and follow-up audiences; the operator's
话术 library (``live.scripts``) and each room's alert rules (``live.alert_rules``); the record
of who attended which live (handed to the profile counters); and how a platform signs a webhook
delivery (``webhook_signature``, for clients such as the show simulator)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.live import attendance, rooms
from liveloop.live.actions import ActionRefused as ActionRefused
from liveloop.live.actions import ActionView as ActionView
from liveloop.live.actions import KeyReused as KeyReused
from liveloop.live.actions import ShowNotLive as ShowNotLive
from liveloop.live.actions import actions_of as actions_of
from liveloop.live.actions import room_feed as room_feed
from liveloop.live.actions import room_of_show as room_of_show
from liveloop.live.actions import take_action as take_action
from liveloop.live.alert_rules import AlertRulesIn as AlertRulesIn
from liveloop.live.alert_rules import alert_overrides_of as alert_overrides_of
from liveloop.live.alert_rules import alert_rules_dict as alert_rules_dict
from liveloop.live.alert_rules import alert_rules_of as alert_rules_of
from liveloop.live.alert_rules import set_alert_rules as set_alert_rules
from liveloop.live.audiences import asked_of as asked_of
from liveloop.live.audiences import audience_sizes as audience_sizes
from liveloop.live.audiences import save_audiences as save_audiences
from liveloop.live.errors import LiveConflict as LiveConflict
from liveloop.live.errors import LiveError as LiveError
from liveloop.live.errors import LiveRefused as LiveRefused
from liveloop.live.errors import UnknownRoom as UnknownRoom
from liveloop.live.errors import UnknownShow as UnknownShow
from liveloop.live.models import LiveSession, LiveStatus
from liveloop.live.offers import OfferConditions as OfferConditions
from liveloop.live.offers import OfferSpec as OfferSpec
from liveloop.live.offers import OfferView as OfferView
from liveloop.live.offers import offers_of as offers_of
from liveloop.live.offers import set_offers as set_offers
from liveloop.live.platform_shows import PlatformShowError as PlatformShowError
from liveloop.live.platform_shows import PlatformShowView as PlatformShowView
from liveloop.live.platform_shows import link_platform_show as link_platform_show
from liveloop.live.platform_shows import platform_show_of as platform_show_of
from liveloop.live.platform_shows import repull as repull
from liveloop.live.reports import ReportNotReady as ReportNotReady
from liveloop.live.reports import ReportView as ReportView
from liveloop.live.reports import make_report as make_report
from liveloop.live.reports import report_of as report_of
from liveloop.live.rooms import PLATFORM_NAMES as PLATFORM_NAMES
from liveloop.live.rooms import RoomView as RoomView
from liveloop.live.rooms import create_room as create_room
from liveloop.live.rooms import get_room as get_room
from liveloop.live.rooms import list_rooms as list_rooms
from liveloop.live.rooms import room_name as room_name
from liveloop.live.rooms import rooms_of as rooms_of
from liveloop.live.scripts import ScriptView as ScriptView
from liveloop.live.scripts import UnknownScript as UnknownScript
from liveloop.live.scripts import delete_script as delete_script
from liveloop.live.scripts import list_scripts as list_scripts
from liveloop.live.scripts import scripts_for_room as scripts_for_room
from liveloop.live.scripts import set_script as set_script
from liveloop.live.sessions import LiveView as LiveView
from liveloop.live.sessions import list_lives as list_lives
from liveloop.live.sessions import set_costs as set_costs
from liveloop.live.shelf import ShelfItemSpec as ShelfItemSpec
from liveloop.live.shelf import ShelfItemView as ShelfItemView
from liveloop.live.shelf import set_on_shelf as set_on_shelf
from liveloop.live.shelf import set_shelf as set_shelf
from liveloop.live.shelf import shelf_of as shelf_of
from liveloop.live.shows import STATUS_NAMES as STATUS_NAMES
from liveloop.live.shows import AudienceRule as AudienceRule
from liveloop.live.shows import ShowSpec as ShowSpec
from liveloop.live.shows import ShowView as ShowView
from liveloop.live.shows import cancel_show as cancel_show
from liveloop.live.shows import current_show as current_show
from liveloop.live.shows import end_show as end_show
from liveloop.live.shows import get_show as get_show
from liveloop.live.shows import list_shows as list_shows
from liveloop.live.shows import may_enter as may_enter
from liveloop.live.shows import schedule_show as schedule_show
from liveloop.live.shows import start_show as start_show
from liveloop.live.shows import update_show as update_show
from liveloop.live.stream.alerts import AlertRules as AlertRules
from liveloop.live.stream.people import profile_badges as profile_badges
from liveloop.live.understand import understand as understand
from liveloop.live.understand import warm_understanding as warm_understanding
from liveloop.live.webhook import MAX_EVENTS, signature
from liveloop.profiles import service as profiles

# How a platform signs a webhook delivery, and the most events one delivery may hold.
webhook_signature = signature
WEBHOOK_MAX_EVENTS = MAX_EVENTS


def schedule_live(
    session: Session, *, room: str, title: str, host: str | None, scheduled_at: datetime
) -> int:
    """Record a show an import or the simulator names (past or future, no checks beyond these);
    a room holds one show per start time, so repeating this is a no-op. The room is created on
    first use (``rooms.ensure_room``). Operators schedule with ``schedule_show``, which checks
    the room, the time and the people."""
    existing = session.scalar(
        select(LiveSession.id).where(
            LiveSession.room == room, LiveSession.scheduled_at == scheduled_at
        )
    )
    if existing is not None:
        return existing
    rooms.ensure_room(session, room, scheduled_at)
    live = LiveSession(room=room, title=title, host=host, scheduled_at=scheduled_at)
    session.add(live)
    session.flush()
    return live.id


def close_live(
    session: Session, live_id: int, *, started_at: datetime, ended_at: datetime, peak_viewers: int
) -> None:
    """Record how an imported past show went. It states no ``Live Started``/``Live Ended``: a
    show that aired before it was imported is history, not a show going off air now
    (``end_show`` is that)."""
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
