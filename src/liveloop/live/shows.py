"""Shows: a ``LiveSession`` is one show in one room (decision 0020) — its series (主食健康课),
schedule and planned length, host and room controllers (场控), and audience rule.

A show moves ``scheduled → live → ended``, or ``scheduled → cancelled``; nothing moves back.
``start_show`` and ``end_show`` state the move with ``Live Started`` / ``Live Ended`` in the same
transaction, so the event log and the row never disagree; starting twice, ending a show that
is not on air, or starting a second show in a room already on air is a ``LiveConflict``. A room
airs one show at a time, and two shows of a room may not be scheduled over each other.

The audience rule is stored here and judged by ``may_enter``: members only (a viewer with no
tier is not a member), and members of tier ≥ ``early_entry_tier`` enter ``early_minutes``
before the scheduled start; everyone else enters from the start (or from when the show went on
air, if earlier). The member service that assigns tiers comes with a later issue and feeds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.live import events
from liveloop.live.contracts import MEMBER_TIERS
from liveloop.live.errors import LiveConflict, LiveRefused, UnknownShow
from liveloop.live.models import LiveSession, LiveStatus
from liveloop.live.rooms import TEXT, get_room
from liveloop.live.rooms import check_text as _name

DEFAULT_MINUTES = 90  # a show's planned length when none is given (for overlap checks)
MAX_MINUTES = 24 * 60
MAX_EARLY_MINUTES = 180
MAX_CONTROLLERS = 20
USERNAME_CHARS = 64
STATUS_NAMES: dict[str, str] = {
    LiveStatus.SCHEDULED: "未开播",
    LiveStatus.LIVE: "直播中",
    LiveStatus.ENDED: "已结束",
    LiveStatus.CANCELLED: "已取消",
}


@dataclass(frozen=True)
class AudienceRule:
    """Who enters the room, and who enters early (tier ≥ ``early_entry_tier``)."""

    members_only: bool = False
    early_entry_tier: str | None = None  # one of contracts.MEMBER_TIERS
    early_minutes: int = 0


@dataclass(frozen=True)
class ShowView:
    id: int
    room: str
    title: str
    series: str | None
    host: str | None  # the host's username (or name, for shows imported before logins)
    controllers: tuple[str, ...]  # 场控 usernames
    platform: str
    status: str  # a LiveStatus
    scheduled_at: datetime
    planned_minutes: int | None
    started_at: datetime | None
    ended_at: datetime | None
    peak_viewers: int
    audience: AudienceRule = field(default_factory=AudienceRule)
    costs: Mapping[str, Decimal] = field(default_factory=dict)  # yuan per cost item

    @property
    def planned_end_at(self) -> datetime:
        return self.scheduled_at + timedelta(minutes=self.planned_minutes or DEFAULT_MINUTES)

    @classmethod
    def of(cls, row: LiveSession) -> ShowView:
        return cls(
            id=row.id,
            room=row.room,
            title=row.title,
            series=row.series,
            host=row.host,
            controllers=tuple(row.controllers or ()),
            platform=row.platform,
            status=row.status,
            scheduled_at=row.scheduled_at,
            planned_minutes=row.planned_minutes,
            started_at=row.started_at,
            ended_at=row.ended_at,
            peak_viewers=row.peak_viewers,
            audience=AudienceRule(
                bool(row.members_only), row.early_entry_tier, row.early_minutes or 0
            ),
            costs={item: Decimal(amount) for item, amount in (row.costs or {}).items()},
        )


def _rank(tier: str) -> int:
    try:
        return MEMBER_TIERS.index(tier)
    except ValueError:
        allowed = "、".join(MEMBER_TIERS)
        raise LiveRefused(f"未知的会员等级 {tier!r},可选:{allowed} (unknown tier)") from None


def may_enter(show: ShowView, tier: str | None, now: datetime) -> bool:
    """Whether a viewer of member ``tier`` (None: not a member) may enter ``show``'s room at
    ``now``, by its audience rule. An ended or cancelled show admits no one."""
    if show.status in (LiveStatus.ENDED, LiveStatus.CANCELLED):
        return False
    rule = show.audience
    if rule.members_only and tier is None:
        return False
    opens = show.scheduled_at
    if show.started_at is not None:
        opens = min(opens, show.started_at)
    if now >= opens:
        return True
    if rule.early_entry_tier is None or tier is None or not rule.early_minutes:
        return False
    early = _rank(tier) >= _rank(rule.early_entry_tier)
    return early and now >= show.scheduled_at - timedelta(minutes=rule.early_minutes)


def _aware(at: datetime, what: str) -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise LiveRefused(f"{what} 需要带时区的时间,如 2026-12-09T20:00:00+08:00 (needs a zone)")
    return at


def _username(value: str, what: str) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > USERNAME_CHARS or not TEXT.fullmatch(value):
        raise LiveRefused(f"{what} 需要 1-{USERNAME_CHARS} 个字符 ({what}: a username)")
    return value


def _controllers(values: Sequence[str]) -> list[str]:
    if isinstance(values, str) or len(values) > MAX_CONTROLLERS:
        raise LiveRefused(f"场控最多 {MAX_CONTROLLERS} 人,以列表给出 (controllers: a list)")
    names = [_username(v, "场控 (controller)") for v in values]
    if len(set(names)) != len(names):
        raise LiveRefused("场控名单有重复 (a controller is listed twice)")
    return names


def _minutes(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise LiveRefused(f"计划时长需要 1-{MAX_MINUTES} 分钟 (planned_minutes: 1-{MAX_MINUTES})")
    return value


def _audience(rule: AudienceRule) -> AudienceRule:
    if rule.early_entry_tier is not None:
        _rank(rule.early_entry_tier)
    minutes = rule.early_minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise LiveRefused("提前入场分钟数需要整数 (early_minutes: an integer)")
    if not 0 <= minutes <= MAX_EARLY_MINUTES:
        raise LiveRefused(
            f"提前入场最多 {MAX_EARLY_MINUTES} 分钟 (early_minutes: 0-{MAX_EARLY_MINUTES})"
        )
    if (rule.early_entry_tier is None) != (minutes == 0):
        raise LiveRefused(
            "提前入场需要同时给出会员等级和分钟数 "
            "(early entry needs both early_entry_tier and early_minutes > 0)"
        )
    return rule


def _write_audience(row: LiveSession, rule: AudienceRule) -> None:
    row.members_only = rule.members_only
    row.early_entry_tier, row.early_minutes = rule.early_entry_tier, rule.early_minutes


@dataclass(frozen=True)
class ShowSpec:
    """A show as an operator schedules it."""

    room: str
    title: str
    scheduled_at: datetime
    series: str | None = None
    host: str | None = None
    controllers: tuple[str, ...] = ()
    planned_minutes: int | None = None
    audience: AudienceRule = field(default_factory=AudienceRule)


def _find(session: Session, show_id: int, rooms: frozenset[str] | None = None) -> LiveSession:
    row = session.get(LiveSession, show_id)
    if row is None or (rooms is not None and row.room not in rooms):
        raise UnknownShow(f"没有这场直播 {show_id} (no show {show_id})")
    return row


def _window(row: LiveSession) -> tuple[datetime, datetime]:
    start = row.started_at or row.scheduled_at
    end = row.ended_at or row.scheduled_at + timedelta(
        minutes=row.planned_minutes or DEFAULT_MINUTES
    )
    return start, max(start, end)


def _check_free(
    session: Session, room: str, start: datetime, minutes: int | None, skip: int | None
) -> None:
    """A room's shows may not be scheduled over each other."""
    end = start + timedelta(minutes=minutes or DEFAULT_MINUTES)
    query = select(LiveSession).where(
        LiveSession.room == room,
        LiveSession.status != LiveStatus.CANCELLED,
        LiveSession.scheduled_at < end,
        LiveSession.scheduled_at > start - timedelta(minutes=MAX_MINUTES),
    )
    for other in session.scalars(query):
        if other.id == skip:
            continue
        other_start, other_end = _window(other)
        if other_start < end and start < other_end:
            raise LiveConflict(
                f"直播间 {room} 在这段时间已有直播「{other.title}」(#{other.id}) "
                f"(room {room} has show {other.id} then)"
            )


def schedule_show(session: Session, spec: ShowSpec, now: datetime) -> ShowView:
    """Schedule a show in an existing room (``UnknownRoom`` otherwise), in the future, not over
    another show of the room."""
    room = get_room(session, spec.room)
    title = _name(spec.title, "标题 (title)", 128)
    series = _name(spec.series, "系列 (series)") if spec.series is not None else None
    host = _username(spec.host, "主播 (host)") if spec.host is not None else None
    controllers = _controllers(spec.controllers)
    minutes = _minutes(spec.planned_minutes)
    audience = _audience(spec.audience)
    at = _aware(spec.scheduled_at, "开播时间 (scheduled_at)")
    if at < now:
        raise LiveRefused("开播时间已经过去 (scheduled_at is in the past)")
    _check_free(session, room.code, at, minutes, None)
    row = LiveSession(
        room=room.code,
        title=title,
        series=series,
        host=host,
        controllers=controllers,
        platform=room.platform.value,
        status=LiveStatus.SCHEDULED,
        scheduled_at=at,
        planned_minutes=minutes,
        costs={},
    )
    _write_audience(row, audience)
    session.add(row)
    session.flush()
    return ShowView.of(row)


# What ``update_show`` may change, and while the show is in which state: the start time only
# before it airs; the rest until it ends (a 场控 may join mid-show).
EDITABLE = {
    "title": (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    "series": (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    "host": (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    "controllers": (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    "planned_minutes": (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    "audience": (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    "scheduled_at": (LiveStatus.SCHEDULED,),
}


def update_show(
    session: Session,
    show_id: int,
    changes: Mapping[str, Any],
    now: datetime,
    rooms: frozenset[str] | None = None,
) -> ShowView:
    """Change some of a show's fields (keys of ``EDITABLE``; ``series``/``host``/
    ``planned_minutes`` may be None to clear them). An ended or cancelled show is history."""
    row = _find(session, show_id, rooms)
    unknown = sorted(set(changes) - EDITABLE.keys())
    if unknown:
        raise LiveRefused(f"不能修改 {', '.join(unknown)} (cannot change {', '.join(unknown)})")
    for key in changes:
        if row.status not in EDITABLE[key]:
            status = STATUS_NAMES.get(row.status, row.status)
            raise LiveConflict(f"这场直播{status},不能再改 {key} (show is {row.status})")
    if "title" in changes:
        row.title = _name(changes["title"], "标题 (title)", 128)
    if "series" in changes:
        value = changes["series"]
        row.series = _name(value, "系列 (series)") if value is not None else None
    if "host" in changes:
        value = changes["host"]
        row.host = _username(value, "主播 (host)") if value is not None else None
    if "controllers" in changes:
        row.controllers = _controllers(tuple(changes["controllers"] or ()))
    if "planned_minutes" in changes:
        row.planned_minutes = _minutes(changes["planned_minutes"])
    if "audience" in changes:
        _write_audience(row, _audience(changes["audience"]))
    if "scheduled_at" in changes:
        at = _aware(changes["scheduled_at"], "开播时间 (scheduled_at)")
        if at < now:
            raise LiveRefused("开播时间已经过去 (scheduled_at is in the past)")
        row.scheduled_at = at
    if "scheduled_at" in changes or "planned_minutes" in changes:
        _check_free(session, row.room, row.scheduled_at, row.planned_minutes, row.id)
    session.flush()
    return ShowView.of(row)


def _refuse_move(row: LiveSession, to: str) -> LiveConflict:
    status = STATUS_NAMES.get(row.status, row.status)
    return LiveConflict(f"这场直播{status},不能{to} (show {row.id} is {row.status})")


def start_show(
    session: Session, show_id: int, now: datetime, rooms: frozenset[str] | None = None
) -> ShowView:
    """Put a scheduled show on air and state ``Live Started``."""
    row = _find(session, show_id, rooms)
    if row.status != LiveStatus.SCHEDULED:
        raise _refuse_move(row, "开播")
    on_air = session.scalar(
        select(LiveSession.id).where(
            LiveSession.room == row.room, LiveSession.status == LiveStatus.LIVE
        )
    )
    if on_air is not None:
        raise LiveConflict(
            f"直播间 {row.room} 正在直播 #{on_air},先结束它 (room {row.room} is on air)"
        )
    row.status, row.started_at = LiveStatus.LIVE, now
    session.flush()
    events.live_started(
        session, at=now, room=row.room, live_session_id=row.id, title=row.title, host=row.host
    )
    return ShowView.of(row)


def end_show(
    session: Session, show_id: int, now: datetime, rooms: frozenset[str] | None = None
) -> ShowView:
    """Take a show off air and state ``Live Ended`` (its report follows from that event)."""
    row = _find(session, show_id, rooms)
    if row.status != LiveStatus.LIVE or row.started_at is None:
        raise _refuse_move(row, "下播")
    row.status, row.ended_at = LiveStatus.ENDED, max(now, row.started_at)
    session.flush()
    events.live_ended(
        session,
        at=row.ended_at,
        room=row.room,
        live_session_id=row.id,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )
    return ShowView.of(row)


def cancel_show(session: Session, show_id: int, rooms: frozenset[str] | None = None) -> ShowView:
    """Cancel a show that has not aired."""
    row = _find(session, show_id, rooms)
    if row.status != LiveStatus.SCHEDULED:
        raise _refuse_move(row, "取消")
    row.status = LiveStatus.CANCELLED
    session.flush()
    return ShowView.of(row)


def get_show(session: Session, show_id: int, rooms: frozenset[str] | None = None) -> ShowView:
    return ShowView.of(_find(session, show_id, rooms))


def current_show(session: Session, room: str) -> ShowView | None:
    """The room's show on air, or None."""
    row = session.scalars(
        select(LiveSession)
        .where(LiveSession.room == room, LiveSession.status == LiveStatus.LIVE)
        .order_by(LiveSession.started_at.desc(), LiveSession.id.desc())
        .limit(1)
    ).one_or_none()
    return ShowView.of(row) if row is not None else None


def list_shows(
    session: Session,
    *,
    rooms: frozenset[str] | None = None,
    room: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    before: int | None = None,
    soonest_first: bool = False,
) -> list[ShowView]:
    """Shows in ``rooms`` (None: all), filtered by room, status and scheduled time
    (``since`` ≤ scheduled_at < ``until``); newest first and paged by id, or — for a schedule —
    soonest first."""
    if rooms is not None and not rooms:
        return []
    query = select(LiveSession).limit(limit)
    if rooms is not None:
        query = query.where(LiveSession.room.in_(sorted(rooms)))
    if room is not None:
        query = query.where(LiveSession.room == room)
    if status is not None:
        query = query.where(LiveSession.status == status)
    if since is not None:
        query = query.where(LiveSession.scheduled_at >= since)
    if until is not None:
        query = query.where(LiveSession.scheduled_at < until)
    if before is not None:
        query = query.where(LiveSession.id < before)
    if soonest_first:
        query = query.order_by(LiveSession.scheduled_at, LiveSession.id)
    else:
        query = query.order_by(LiveSession.id.desc())
    return [ShowView.of(row) for row in session.scalars(query)]
