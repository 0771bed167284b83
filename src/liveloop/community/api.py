"""社区团购 over HTTP, ``/v1/community``: settings, leaders (apply, approve, reject, disable),
pickup points, customers' bindings with their history, an order's pickup point and code,
T+1 delivery batches with their packing lists, and the arrival and pickup scans.

Operators (and admins) manage; analysts read (personal data masked); the brand's checkout
backend (an integrator's key) files applications, binds customers by invite link and sends
orders to pickup points. A leader's key or console user reads only its own points, batches
and customers and scans only at its own points — community's facade holds that, whatever the
route lets through; another leader's rows are 404 to it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.community import service as community
from liveloop.community.contracts import (
    BatchStatus,
    BindingCause,
    BindingOutcome,
    BindingRule,
    CommunityRefused,
    LeaderStatus,
    UnknownLeader,
)
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/community", tags=["community"])

Viewer = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.LEADER))]
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Checkout = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
PickupReader = Annotated[
    Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR, Role.LEADER))
]
Scanner = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.LEADER))]
Code = Annotated[str, Path(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
OrderNo = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]
Short = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]


def _source(principal: Principal) -> str:
    return f"api:{principal.name}"[:64]


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    binding_rule: BindingRule
    locked_days: Annotated[int, Field(ge=1, le=3650)] = 30
    cutoff: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "22:00"
    confirm_days: Annotated[int, Field(ge=1, le=30)] = 2
    remind_after_hours: Annotated[int, Field(ge=1, le=72)] = 4


class SettingsOut(BaseModel):
    binding_rule: BindingRule
    locked_days: int
    cutoff: str
    confirm_days: int
    remind_after_hours: int
    updated_at: datetime | None
    updated_by: str | None


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    phone: Annotated[str, Field(min_length=5, max_length=20, pattern=r"^[0-9+ -]+$")]
    wecom_userid: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")] | None = None
    recruited_by: Annotated[str, Field(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    username: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_.-]{2,64}$")] | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text | None = None


class LeaderOut(BaseModel):
    code: str
    name: str
    phone: str = Field(description="masked for roles that do not see phones")
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


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
    leader: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    province: Short
    city: Short
    district: Short
    detail: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]
    lat: Annotated[Decimal, Field(ge=-90, le=90, decimal_places=6)]
    lon: Annotated[Decimal, Field(ge=-180, le=180, decimal_places=6)]
    opening_hours: Annotated[str, Field(max_length=11)] = "09:00-21:00"
    capacity: Annotated[int, Field(ge=1, le=10000)] = 200


class PointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = None
    capacity: Annotated[int, Field(ge=1, le=10000)] | None = None
    opening_hours: Annotated[str, Field(max_length=11)] | None = None


class PointOut(BaseModel):
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


class BindIn(BaseModel):
    """An invite link opened (``invite`` names the link; one touch per link and person) or an
    operator's binding (``reason`` required; it overrides the rule)."""

    model_config = ConfigDict(extra="forbid")
    oneid: Annotated[str, Field(min_length=1, max_length=32)]
    leader: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
    cause: Literal["invite", "operator"]
    invite: (
        Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9_.-]+$")] | None
    ) = None
    reason: Text | None = None


class ChangeOut(BaseModel):
    leader: str
    previous: str | None
    outcome: BindingOutcome
    rule: BindingRule
    cause: BindingCause
    source_key: str | None
    reason: str | None
    by: str
    at: datetime
    replayed: bool


class BindingOut(BaseModel):
    oneid: str | None
    name: str | None = Field(description="masked for roles that do not see names")
    leader: str
    leader_name: str
    bound_at: datetime
    cause: BindingCause
    locked_until: datetime | None


class BindingDetail(BaseModel):
    binding: BindingOut | None
    history: list[ChangeOut]


class PickupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    point: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]


class PickupOut(BaseModel):
    order_no: str
    point: str
    point_name: str
    leader: str
    code: str = Field(description="the pickup code as read aloud, e.g. K7M-4Q9")
    assigned_at: datetime
    batch_id: int | None
    delivery_date: str | None
    carried_reason: str | None
    arrived_at: datetime | None
    picked_up_at: datetime | None
    confirmed_at: datetime | None
    changed: bool


class BuildIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delivery_date: date


class BuildOut(BaseModel):
    delivery_date: date
    cutoff_at: datetime
    batches: int
    added: int
    carried: int


class BatchOut(BaseModel):
    batch_id: int
    point: str
    point_name: str
    leader: str
    leader_name: str
    delivery_date: date
    status: BatchStatus
    capacity: int
    orders: int
    picked_up: int
    cutoff_at: datetime
    built_at: datetime
    arrived_at: datetime | None
    changed: bool


class ItemOut(BaseModel):
    sku: str
    name: str
    quantity: int


class PackedOrderOut(BaseModel):
    order_no: str
    code: str
    buyer: str = Field(description="masked for roles that do not see names and phones")
    status: str
    carried_reason: str | None
    picked_up_at: datetime | None
    items: list[ItemOut]


class PackingListOut(BaseModel):
    batch: BatchOut
    totals: list[ItemOut]
    orders: list[PackedOrderOut]


class ArrivalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    batch_id: Annotated[int, Field(ge=1, le=2**62)]


class PickupScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9 -]+$")]


def _out(model: type[BaseModel], view: object) -> BaseModel:
    return model.model_validate(view, from_attributes=True)


def _person(session: Session, oneid: str) -> int:
    person = profiles.find_by_oneid(session, oneid)
    if person is None:
        raise CommunityRefused(f"没有 OneID 为 {oneid} 的顾客 (no customer with that OneID)")
    return profiles.survivor_of(session, person)


def _binding(view: community.BindingView | None) -> BindingOut | None:
    if view is None:
        return None
    return BindingOut.model_validate(view, from_attributes=True)


@router.get("/settings")
def get_settings(session: ReadSessionDep, _: Reader) -> SettingsOut:
    return SettingsOut.model_validate(community.read_settings(session), from_attributes=True)


@router.put("/settings")
def put_settings(
    body: SettingsIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> SettingsOut:
    saved = community.put_settings(
        session, **body.model_dump(), at=runtime.clock.now(), by=principal.name
    )
    return SettingsOut.model_validate(saved, from_attributes=True)


@router.get("/leaders")
def list_leaders(
    session: ReadSessionDep, principal: Viewer, status: LeaderStatus | None = None
) -> list[LeaderOut]:
    return [
        LeaderOut.model_validate(v, from_attributes=True)
        for v in community.list_leaders(session, principal, status=status)
    ]


@router.post("/leaders", status_code=201)
def apply_leader(
    body: ApplicationIn, session: SessionDep, runtime: RuntimeDep, principal: Checkout
) -> LeaderOut:
    view = community.apply_leader(
        session,
        community.LeaderApplication(**body.model_dump()),
        at=runtime.clock.now(),
        source=_source(principal),
    )
    return LeaderOut.model_validate(view, from_attributes=True)


@router.get("/leaders/{code}")
def get_leader(code: Code, session: ReadSessionDep, principal: Viewer) -> LeaderOut:
    return LeaderOut.model_validate(
        community.get_leader(session, code, principal), from_attributes=True
    )


def _decide(
    code: str, approve: bool, body: DecisionIn, session: Session, now: datetime, by: Principal
) -> LeaderOut:
    view = community.decide_leader(
        session,
        code,
        approve=approve,
        by=by.name,
        reason=body.reason,
        at=now,
        source=_source(by),
    )
    return LeaderOut.model_validate(view, from_attributes=True)


@router.post("/leaders/{code}/approve")
def approve_leader(
    code: Code, body: DecisionIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> LeaderOut:
    return _decide(code, True, body, session, runtime.clock.now(), principal)


@router.post("/leaders/{code}/reject")
def reject_leader(
    code: Code, body: DecisionIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> LeaderOut:
    """Turn an application down; ``reason`` is required (422 without)."""
    return _decide(code, False, body, session, runtime.clock.now(), principal)


@router.post("/leaders/{code}/disable")
def disable_leader(
    code: Code, body: DecisionIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> LeaderOut:
    view = community.disable_leader(
        session, code, by=principal.name, reason=body.reason or "", at=runtime.clock.now()
    )
    return LeaderOut.model_validate(view, from_attributes=True)


@router.get("/pickup-points")
def list_points(
    session: ReadSessionDep,
    principal: Viewer,
    leader: Annotated[str | None, Query(max_length=16)] = None,
) -> list[PointOut]:
    return [
        PointOut.model_validate(v, from_attributes=True)
        for v in community.list_points(session, principal, leader=leader)
    ]


@router.post("/pickup-points", status_code=201)
def open_point(
    body: PointIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> PointOut:
    view = community.open_point(
        session,
        community.PointSpec(**body.model_dump()),
        at=runtime.clock.now(),
        source=_source(principal),
    )
    return PointOut.model_validate(view, from_attributes=True)


@router.get("/pickup-points/{code}")
def get_point(code: Code, session: ReadSessionDep, principal: Viewer) -> PointOut:
    return PointOut.model_validate(
        community.get_point(session, code, principal), from_attributes=True
    )


@router.patch("/pickup-points/{code}")
def change_point(code: Code, body: PointPatch, session: SessionDep, _: Editor) -> PointOut:
    view = community.change_point(session, code, **body.model_dump(exclude_none=True))
    return PointOut.model_validate(view, from_attributes=True)


@router.get("/bindings")
def list_bindings(
    session: ReadSessionDep,
    principal: Viewer,
    leader: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[BindingOut]:
    return [
        BindingOut.model_validate(v, from_attributes=True)
        for v in community.list_bindings(session, principal, leader=leader, limit=limit)
    ]


@router.post("/bindings", status_code=201)
def bind(body: BindIn, session: SessionDep, runtime: RuntimeDep, principal: Checkout) -> ChangeOut:
    """An invite link's touch (judged by the rule, once per link and person) or an operator's
    binding (needs a reason; operators only)."""
    customer = _person(session, body.oneid)
    if body.cause == BindingCause.OPERATOR:
        if principal.role not in (Role.OPERATOR, Role.ADMIN):
            raise CommunityRefused("只有运营可以直接调整绑定 (only operators bind by hand)")
        key = None
    else:
        if body.invite is None:
            raise CommunityRefused("邀请绑定须带邀请链接编号 invite (an invite needs its link)")
        key = f"invite:{body.invite}:{customer}"
    change = community.touch(
        session,
        customer_id=customer,
        leader=body.leader,
        cause=body.cause,
        at=runtime.clock.now(),
        by=principal.name,
        source=_source(principal),
        source_key=key,
        reason=body.reason,
    )
    return ChangeOut.model_validate(change, from_attributes=True)


@router.get("/bindings/{oneid}")
def get_binding(
    oneid: Annotated[str, Path(max_length=32)], session: ReadSessionDep, principal: Viewer
) -> BindingDetail:
    """A customer's leader and the history of every touch. A leader sees only a customer
    bound to them (404 otherwise)."""
    person = profiles.find_by_oneid(session, oneid)
    if person is None:
        raise UnknownLeader(f"没有 OneID 为 {oneid} 的顾客 (no customer with that OneID)")
    current = community.binding_of(session, person, principal)
    if current is None and principal.role == Role.LEADER:
        raise UnknownLeader(f"顾客 {oneid} 不是您的顾客 (not a customer of yours)")
    return BindingDetail(
        binding=_binding(current),
        history=[
            ChangeOut.model_validate(c, from_attributes=True)
            for c in community.history_of(session, person, principal)
        ],
    )


@router.put("/orders/{order_no}/pickup")
def assign_pickup(
    order_no: OrderNo, body: PickupIn, session: SessionDep, runtime: RuntimeDep, principal: Checkout
) -> PickupOut:
    """Send an order to a pickup point: its pickup code (unique, 6 characters) is drawn now."""
    view = community.assign_pickup(
        session, order_no, body.point, at=runtime.clock.now(), by=principal.name
    )
    return PickupOut.model_validate(view, from_attributes=True)


@router.get("/orders/{order_no}/pickup")
def get_pickup(order_no: OrderNo, session: ReadSessionDep, principal: PickupReader) -> PickupOut:
    return PickupOut.model_validate(
        community.pickup_of(session, order_no, principal), from_attributes=True
    )


@router.post("/batches/build")
def build_batches(body: BuildIn, session: SessionDep, runtime: RuntimeDep, _: Editor) -> BuildOut:
    """Build or rebuild every point's batch for a delivery date (idempotent)."""
    report = community.build_batches(
        session, body.delivery_date, at=runtime.clock.now(), tz=runtime.settings.tz
    )
    return BuildOut.model_validate(report, from_attributes=True)


@router.get("/batches")
def list_batches(
    session: ReadSessionDep,
    runtime: RuntimeDep,
    principal: Viewer,
    delivery_date: Annotated[date | None, Query(alias="date")] = None,
    point: Annotated[str | None, Query(max_length=16)] = None,
) -> list[BatchOut]:
    """The batches delivered on ``date`` (default tomorrow, local)."""
    day = delivery_date or runtime.clock.now().astimezone(runtime.settings.tz).date() + timedelta(
        days=1
    )
    return [
        BatchOut.model_validate(v, from_attributes=True)
        for v in community.list_batches(session, day, principal, point=point)
    ]


@router.get("/batches/{batch_id}")
def packing_list(
    batch_id: Annotated[int, Path(ge=1, le=2**62)], session: ReadSessionDep, principal: Viewer
) -> PackingListOut:
    """A batch with its packing list: totals by SKU, each order's lines, code and buyer."""
    found = community.packing_list(session, batch_id, principal)
    return PackingListOut.model_validate(found, from_attributes=True)


@router.post("/scans/arrival")
def scan_arrival(
    body: ArrivalIn, session: SessionDep, runtime: RuntimeDep, principal: Scanner
) -> BatchOut:
    """The batch arrived at its point: its orders are delivered. Scanned again: unchanged."""
    view = community.arrive_batch(
        session,
        body.batch_id,
        at=runtime.clock.now(),
        by=principal.name,
        source=_source(principal),
        viewer=principal,
    )
    return BatchOut.model_validate(view, from_attributes=True)


@router.post("/scans/pickup")
def scan_pickup(
    body: PickupScanIn, session: SessionDep, runtime: RuntimeDep, principal: Scanner
) -> PickupOut:
    """The customer's code scanned at the point: picked up and confirmed (a second scan is
    harmless: ``changed`` false). Unknown code 404, not yet arrived 409."""
    view = community.scan_pickup(
        session,
        body.code,
        at=runtime.clock.now(),
        by=principal.name,
        source=_source(principal),
        viewer=principal,
    )
    return PickupOut.model_validate(view, from_attributes=True)
