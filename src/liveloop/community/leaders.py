"""Leaders and their pickup points: applying, an operator's approval or rejection (with a
reason), disabling; opening, changing and listing pickup points. A leader's phone is shown
whole only to roles that ``sees`` phones (``access.service.mask`` otherwise)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from liveloop.access import service as access
from liveloop.access.contracts import PiiField
from liveloop.access.service import Principal
from liveloop.community import events
from liveloop.community.contracts import (
    LEADER_STATUS_NAMES,
    CommunityConflict,
    CommunityRefused,
    LeaderStatus,
    UnknownLeader,
    UnknownPickupPoint,
)
from liveloop.community.models import Leader, LeaderBinding, PickupPoint
from liveloop.community.scope import allowed, leader_scope
from liveloop.identity import service as identity

HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
POINT_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class LeaderApplication:
    name: str
    phone: str
    wecom_userid: str | None = None
    recruited_by: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class LeaderView:
    code: str
    name: str
    phone: str  # masked unless the viewer's role sees phones
    wecom_userid: str | None
    username: str | None
    status: LeaderStatus
    recruited_by: str | None
    applied_at: datetime
    approved_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    disabled_at: datetime | None
    points: int
    customers: int


@dataclass(frozen=True)
class PointSpec:
    code: str
    leader: str
    name: str
    province: str
    city: str
    district: str
    detail: str
    lat: Decimal | float
    lon: Decimal | float
    opening_hours: str
    capacity: int


@dataclass(frozen=True)
class PointView:
    code: str
    leader: str
    leader_name: str
    name: str
    province: str
    city: str
    district: str
    detail: str
    lat: Decimal
    lon: Decimal
    opening_hours: str
    capacity: int
    active: bool
    opened_at: datetime


def _shown_phone(phone: str, viewer: Principal | None) -> str:
    if viewer is None or access.sees(viewer.role, PiiField.PHONE):
        return phone
    return access.mask("phone", phone)


def _counts(session: Session, leader_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per leader id: its pickup points and its bound customers, one grouped read each
    (narrowed to ``leader_ids`` when they are few; many are counted all at once)."""

    def grouped(
        key: InstrumentedAttribute[int], counted: InstrumentedAttribute[int]
    ) -> dict[int, int]:
        query = select(key, func.count(counted)).group_by(key)
        if len(leader_ids) <= 900:
            query = query.where(key.in_(leader_ids))
        return {k: n for k, n in session.execute(query)}

    points = grouped(PickupPoint.leader_id, PickupPoint.id)
    customers = grouped(LeaderBinding.leader_id, LeaderBinding.id)
    return {i: (points.get(i, 0), customers.get(i, 0)) for i in leader_ids}


def _leader_views(
    session: Session, rows: list[Leader], viewer: Principal | None
) -> list[LeaderView]:
    counts = _counts(session, [row.id for row in rows]) if rows else {}
    return [
        LeaderView(
            code=row.code,
            name=row.name,
            phone=_shown_phone(row.phone, viewer),
            wecom_userid=row.wecom_userid,
            username=row.username,
            status=LeaderStatus(row.status),
            recruited_by=row.recruited_by,
            applied_at=row.applied_at,
            approved_at=row.approved_at,
            decided_by=row.decided_by,
            decision_reason=row.decision_reason,
            disabled_at=row.disabled_at,
            points=counts[row.id][0],
            customers=counts[row.id][1],
        )
        for row in rows
    ]


def _leader_view(session: Session, row: Leader, viewer: Principal | None) -> LeaderView:
    return _leader_views(session, [row], viewer)[0]


def leader_row(session: Session, code: str, viewer: Principal | None = None) -> Leader:
    row = session.scalars(select(Leader).where(Leader.code == code)).one_or_none()
    if row is None or not allowed(leader_scope(session, viewer), row.id):
        raise UnknownLeader(f"没有这个团长 {code} (no such leader)")
    return row


def apply_leader(
    session: Session, application: LeaderApplication, *, at: datetime, source: str
) -> LeaderView:
    """A new leader, ``applied``, numbered ``L0001``, ``L0002`` … in the order they applied."""
    name = application.name.strip()
    if not 1 <= len(name) <= 64:
        raise CommunityRefused("团长姓名须为 1–64 个字 (name: 1-64 characters)")
    try:
        phone = identity.normalise("phone", application.phone)
    except identity.InvalidIdentifier:
        raise CommunityRefused("手机号无效 (invalid phone number)") from None
    if application.recruited_by is not None:
        recruiter = session.scalars(
            select(Leader).where(Leader.code == application.recruited_by)
        ).one_or_none()
        if recruiter is None:
            raise CommunityRefused(
                f"推荐团长 {application.recruited_by} 不存在 (no such recruiting leader)"
            )
    if application.username is not None and session.scalar(
        select(Leader.id).where(Leader.username == application.username)
    ):
        raise CommunityConflict(
            f"账号 {application.username} 已关联其他团长 (the username acts for another leader)"
        )
    for _ in range(5):  # two applications at once may pick the same next number
        number = (session.scalar(select(func.max(Leader.id))) or 0) + 1
        row = Leader(
            code=f"L{number:04d}",
            name=name,
            phone=phone,
            wecom_userid=application.wecom_userid,
            username=application.username,
            status=LeaderStatus.APPLIED,
            recruited_by=application.recruited_by,
            applied_at=at,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        events.leader_applied(
            session, at=at, source=source, leader=row.code, recruited_by=row.recruited_by
        )
        return _leader_view(session, row, None)
    raise CommunityConflict("团长编号冲突,请重试 (the leader number was taken; retry)")


def decide_leader(
    session: Session,
    code: str,
    *,
    approve: bool,
    by: str,
    reason: str | None,
    at: datetime,
    source: str,
) -> LeaderView:
    """Approve or reject an application; a rejection needs a reason. Deciding the same way
    again changes nothing."""
    row = leader_row(session, code)
    target = LeaderStatus.APPROVED if approve else LeaderStatus.REJECTED
    if row.status == target:
        return _leader_view(session, row, None)
    if not approve and not (reason or "").strip():
        raise CommunityRefused("拒绝申请须填写原因 (a rejection needs a reason)")
    if row.status != LeaderStatus.APPLIED:
        raise CommunityConflict(
            f"团长 {code} 已{_status_name(row.status)},不能再审核 (the leader is {row.status})"
        )
    row.status, row.decided_at, row.decided_by = target, at, by[:64]
    row.decision_reason = (reason or "").strip()[:200] or None
    if approve:
        row.approved_at = at
        events.leader_approved(session, at=at, source=source, leader=code, by=by)
    else:
        events.leader_rejected(
            session, at=at, source=source, leader=code, by=by, reason=reason or ""
        )
    session.flush()
    return _leader_view(session, row, None)


def disable_leader(
    session: Session, code: str, *, by: str, reason: str, at: datetime
) -> LeaderView:
    """An approved leader stops: their points close, they take no new bindings or orders
    (their customers stay bound, for the operator to move)."""
    row = leader_row(session, code)
    if row.status == LeaderStatus.DISABLED:
        return _leader_view(session, row, None)
    if not reason.strip():
        raise CommunityRefused("停用团长须填写原因 (disabling needs a reason)")
    if row.status != LeaderStatus.APPROVED:
        raise CommunityConflict(
            f"团长 {code} {_status_name(row.status)},不能停用 (only an approved leader is disabled)"
        )
    row.status, row.disabled_at = LeaderStatus.DISABLED, at
    row.decided_by, row.decision_reason = by[:64], reason.strip()[:200]
    for point in session.scalars(select(PickupPoint).where(PickupPoint.leader_id == row.id)):
        point.active = False
    session.flush()
    return _leader_view(session, row, None)


def _status_name(status: str) -> str:
    return LEADER_STATUS_NAMES.get(LeaderStatus(status), status)


def get_leader(session: Session, code: str, viewer: Principal | None = None) -> LeaderView:
    return _leader_view(session, leader_row(session, code, viewer), viewer)


def list_leaders(
    session: Session, viewer: Principal | None = None, *, status: LeaderStatus | None = None
) -> list[LeaderView]:
    query = select(Leader).order_by(Leader.id)
    scope = leader_scope(session, viewer)
    if scope is not None:
        query = query.where(Leader.id == scope)
    if status is not None:
        query = query.where(Leader.status == status)
    return _leader_views(session, list(session.scalars(query)), viewer)


# ---- pickup points ------------------------------------------------------------------------


def _degrees(value: Decimal | float, low: int, high: int, what: str) -> Decimal:
    try:
        degrees = Decimal(str(value)).quantize(SIX_PLACES)
    except (InvalidOperation, ValueError):
        raise CommunityRefused(f"{what}无效 (invalid {what})") from None
    if not low <= degrees <= high:
        raise CommunityRefused(f"{what}须在 {low} 到 {high} 度之间 ({what} out of range)")
    return degrees


def check_hours(hours: str) -> str:
    match = HOURS.match(hours)
    if match is None:
        raise CommunityRefused(
            f"营业时间须写成 09:00-21:00,不是 {hours} (opening hours: HH:MM-HH:MM)"
        )
    opens, closes = match.group(1, 2), match.group(3, 4)
    if opens >= closes:
        raise CommunityRefused("营业时间的开门须早于关门 (opening must be before closing)")
    return hours


def _check_capacity(capacity: int) -> int:
    if not 1 <= capacity <= 10000:
        raise CommunityRefused("每批容量须在 1–10000 单之间 (capacity: 1-10000 orders)")
    return capacity


def _point_view(row: PickupPoint, leader: Leader) -> PointView:
    return PointView(
        code=row.code,
        leader=leader.code,
        leader_name=leader.name,
        name=row.name,
        province=row.province,
        city=row.city,
        district=row.district,
        detail=row.detail,
        lat=row.lat,
        lon=row.lon,
        opening_hours=row.opening_hours,
        capacity=row.capacity,
        active=row.active,
        opened_at=row.opened_at,
    )


def open_point(session: Session, spec: PointSpec, *, at: datetime, source: str) -> PointView:
    """Open a pickup point for an approved leader."""
    if not POINT_CODE.match(spec.code):
        raise CommunityRefused("自提点编号须为 1–16 个字母、数字、_ 或 - (point code)")
    leader = leader_row(session, spec.leader)
    if leader.status != LeaderStatus.APPROVED:
        raise CommunityConflict(
            f"团长 {leader.code} {_status_name(leader.status)},不能开自提点 "
            "(only an approved leader opens pickup points)"
        )
    for field, value, limit in (
        ("名称", spec.name, 64),
        ("省份", spec.province, 32),
        ("城市", spec.city, 32),
        ("区县", spec.district, 32),
        ("详细地址", spec.detail, 128),
    ):
        if not 1 <= len(value.strip()) <= limit:
            raise CommunityRefused(f"自提点{field}须为 1–{limit} 个字 (point {field})")
    row = PickupPoint(
        code=spec.code,
        leader_id=leader.id,
        name=spec.name.strip(),
        province=spec.province.strip(),
        city=spec.city.strip(),
        district=spec.district.strip(),
        detail=spec.detail.strip(),
        lat=_degrees(spec.lat, -90, 90, "纬度"),
        lon=_degrees(spec.lon, -180, 180, "经度"),
        opening_hours=check_hours(spec.opening_hours),
        capacity=_check_capacity(spec.capacity),
        active=True,
        opened_at=at,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise CommunityConflict(
            f"自提点编号 {spec.code} 已存在 (the point code is taken)"
        ) from None
    events.pickup_point_opened(
        session, at=at, source=source, point=row.code, leader=leader.code, city=row.city
    )
    return _point_view(row, leader)


def point_row(session: Session, code: str, viewer: Principal | None = None) -> PickupPoint:
    row = session.scalars(select(PickupPoint).where(PickupPoint.code == code)).one_or_none()
    if row is None or not allowed(leader_scope(session, viewer), row.leader_id):
        raise UnknownPickupPoint(f"没有这个自提点 {code} (no such pickup point)")
    return row


def change_point(
    session: Session,
    code: str,
    *,
    active: bool | None = None,
    capacity: int | None = None,
    opening_hours: str | None = None,
) -> PointView:
    row = point_row(session, code)
    leader = session.get_one(Leader, row.leader_id)
    if active and leader.status != LeaderStatus.APPROVED:
        raise CommunityConflict(
            f"团长 {leader.code} {_status_name(leader.status)},自提点不能启用 (leader not approved)"
        )
    if active is not None:
        row.active = active
    if capacity is not None:
        row.capacity = _check_capacity(capacity)
    if opening_hours is not None:
        row.opening_hours = check_hours(opening_hours)
    session.flush()
    return _point_view(row, leader)


def get_point(session: Session, code: str, viewer: Principal | None = None) -> PointView:
    row = point_row(session, code, viewer)
    leader = session.get_one(Leader, row.leader_id)
    return _point_view(row, leader)


def list_points(
    session: Session, viewer: Principal | None = None, *, leader: str | None = None
) -> list[PointView]:
    query = (
        select(PickupPoint, Leader)
        .join(Leader, Leader.id == PickupPoint.leader_id)
        .order_by(PickupPoint.id)
    )
    scope = leader_scope(session, viewer)
    if scope is not None:
        query = query.where(PickupPoint.leader_id == scope)
    if leader is not None:
        query = query.where(Leader.code == leader)
    return [_point_view(point, owner) for point, owner in session.execute(query)]
