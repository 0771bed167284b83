"""Subscriptions and paid memberships over HTTP: ``/v1/subscriptions`` (plans; subscribe; a
customer's subscriptions; skip, pause, resume, address, cancel) and ``/v1/memberships``
(plans; a customer's memberships; use a delivery; refund).

Operators (and admins) and integrators (a mini-program's back end subscribing for its
customers) write; guides and analysts read. A customer is named by OneID. Refusals are 4xx
with a Chinese-first reason: 404 for an unknown plan, subscription, membership or person, 409
for a move the state forbids (resuming a cancelled subscription, a delivery with none left),
422 for input that cannot mean one thing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.profiles import service as profiles
from liveloop.subscriptions import service
from liveloop.subscriptions.contracts import Cadence, SubscriptionRefused, SubscriptionState
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
memberships_router = APIRouter(prefix="/v1/memberships", tags=["subscriptions"])

Reader = Annotated[
    Principal,
    Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR, Role.GUIDE, Role.ANALYST)),
]
Writer = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
Sku = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
Text = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
Reason = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]
AddressValue = Annotated[str, Field(max_length=200, pattern=NO_CONTROL_CHARS)]
AddressKey = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
Address = Annotated[dict[AddressKey, AddressValue], Field(max_length=12)]
OneId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text
    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=1000)] = 1
    cadence: Cadence
    price: Annotated[Decimal, Field(gt=0, le=Decimal("1000000"), decimal_places=2)]
    cycles: Annotated[int, Field(ge=1, le=520)] | None = None
    remind_days: Annotated[int, Field(ge=0, le=14)] = 2
    active: bool = True


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    sku: str
    product_name: str
    quantity: int
    cadence: str
    cycles: int | None
    price: Decimal
    remind_days: int
    active: bool
    subscribers: int


class SubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            pattern=NO_CONTROL_CHARS,
            description="repeat it to retry safely: the same key answers the same subscription",
        ),
    ]
    oneid: OneId
    plan: Annotated[str, Field(min_length=1, max_length=32)]
    first_on: date = Field(description="the first cycle's day (the brand's local date)")
    address: Address = Field(default_factory=dict)
    channel: Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[a-z_]+$")] = (
        "mini_program"
    )
    prepay: bool = Field(
        default=False,
        description="pay the whole fixed term up front: one order (SUB{id}-P) for every cycle",
    )


class CycleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    due_on: date
    status: str
    order_no: str | None
    amount: Decimal
    attempts: int
    next_attempt_at: datetime | None
    last_failure: str | None
    paid_at: datetime | None
    refund_no: str | None


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    oneid: str | None
    plan: str
    plan_name: str
    price: Decimal
    cadence: str
    state: str
    address: dict[str, Any]
    next_cycle: int
    next_on: date | None
    delivered_cycles: int
    plan_cycles: int | None
    paused_on: date | None
    pause_reason: str | None
    refunded: Decimal
    prepaid_order_no: str | None
    prepaid_cycles: int
    prepaid_at: datetime | None
    created_at: datetime
    cancelled_at: datetime | None
    upcoming: list[date]
    cycles: list[CycleOut]


class SkipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cycle: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None, description="the cycle number; left out, the next one"
    )


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Address


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class MembershipPlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Text
    sku: Sku = Field(description="the SKU whose paid order buys or renews it (its price)")
    deliveries: Annotated[int, Field(ge=1, le=366)]
    delivery_sku: Sku
    delivery_quantity: Annotated[int, Field(ge=1, le=1000)] = 1
    term_days: Annotated[int, Field(ge=1, le=3660)] = 365
    active: bool = True


class MembershipPlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    sku: str
    price: Decimal
    deliveries: int
    delivery_sku: str
    delivery_name: str
    delivery_quantity: int
    term_days: int
    active: bool
    share: Decimal


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    source_key: str
    deliveries: int
    amount: Decimal
    order_no: str | None
    at: datetime


class MembershipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    oneid: str | None
    plan: str
    plan_name: str
    status: str
    started_at: datetime
    ends_at: datetime
    deliveries_granted: int
    deliveries_used: int
    deliveries_left: int
    paid: Decimal
    refunded: Decimal
    entries: list[EntryOut]


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Address = Field(default_factory=dict)


def _person(session: Session, oneid: str) -> int:
    person = profiles.find_by_oneid(session, oneid)
    if person is None:
        raise UnknownPerson(f"没有这位顾客 (no customer with OneID {oneid})")
    return person


class UnknownPerson(SubscriptionRefused):
    status = 404


def _sub(view: service.SubscriptionView) -> SubscriptionOut:
    return SubscriptionOut.model_validate(view)


def _source(principal: Principal) -> str:
    return f"api:{principal.name}"[:64]


@router.get("/plans")
def list_plans(session: ReadSessionDep, _: Reader) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in service.list_plans(session)]


@router.put("/plans/{code}")
def save_plan(
    code: Code, body: PlanIn, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> PlanOut:
    """Create or change a plan; cycles already opened keep what they cost."""
    spec = service.PlanSpec(code=code, **body.model_dump())
    return PlanOut.model_validate(service.save_plan(session, spec, runtime.clock.now()))


@router.post("", status_code=201)
def subscribe(
    body: SubscribeIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
    response: Response,
) -> SubscriptionOut:
    """Subscribe a customer to a plan; 200 with the first subscription when ``key`` repeats."""
    view = service.subscribe(
        session,
        service.SubscribeRequest(
            body.key,
            _person(session, body.oneid),
            body.plan,
            body.first_on,
            body.address,
            body.channel,
            body.prepay,
        ),
        at=runtime.clock.now(),
        tz=runtime.settings.tz,
        source=_source(principal),
    )
    if not view.created:
        response.status_code = 200
    return _sub(view)


@router.get("")
def list_subscriptions(
    session: ReadSessionDep,
    _: Reader,
    customer: Annotated[str | None, Query(max_length=32, description="OneID")] = None,
    state: SubscriptionState | None = None,
    plan: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SubscriptionOut]:
    """Subscriptions newest first (without their cycles: read one for those)."""
    found = service.list_subscriptions(
        session,
        customer_id=_person(session, customer) if customer else None,
        state=state,
        plan=plan,
        limit=limit,
    )
    return [_sub(v) for v in found]


@router.get("/{subscription_id}")
def get_subscription(subscription_id: Id, session: ReadSessionDep, _: Reader) -> SubscriptionOut:
    return _sub(service.get_subscription(session, subscription_id))


@router.post("/{subscription_id}/skip")
def skip(
    subscription_id: Id, body: SkipIn, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> SubscriptionOut:
    """Skip a cycle not yet due (the next one by default); 409 once it is due."""
    return _sub(
        service.skip(
            session,
            subscription_id,
            cycle=body.cycle,
            at=runtime.clock.now(),
            tz=runtime.settings.tz,
        )
    )


@router.post("/{subscription_id}/pause")
def pause(
    subscription_id: Id, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> SubscriptionOut:
    return _sub(
        service.pause(session, subscription_id, at=runtime.clock.now(), tz=runtime.settings.tz)
    )


@router.post("/{subscription_id}/resume")
def resume(
    subscription_id: Id, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> SubscriptionOut:
    """Resume: the cycles not yet due move by the days paused."""
    return _sub(
        service.resume(session, subscription_id, at=runtime.clock.now(), tz=runtime.settings.tz)
    )


@router.put("/{subscription_id}/address")
def change_address(
    subscription_id: Id, body: AddressIn, session: SessionDep, runtime: RuntimeDep, _: Writer
) -> SubscriptionOut:
    return _sub(
        service.change_address(session, subscription_id, body.address, at=runtime.clock.now())
    )


@router.post("/{subscription_id}/cancel")
def cancel(
    subscription_id: Id,
    body: ReasonIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> SubscriptionOut:
    """Cancel: the paid cycles not yet shipped are refunded, an unpaid one withdrawn."""
    return _sub(
        service.cancel(
            session,
            subscription_id,
            reason=body.reason,
            at=runtime.clock.now(),
            source=_source(principal),
        )
    )


@memberships_router.get("/plans")
def list_membership_plans(session: ReadSessionDep, _: Reader) -> list[MembershipPlanOut]:
    return [MembershipPlanOut.model_validate(p) for p in service.list_membership_plans(session)]


@memberships_router.put("/plans/{code}")
def save_membership_plan(
    code: Code, body: MembershipPlanIn, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> MembershipPlanOut:
    """Create or change a paid-membership plan; its price is its SKU's catalog price."""
    spec = service.MembershipPlanSpec(code=code, **body.model_dump())
    return MembershipPlanOut.model_validate(
        service.save_membership_plan(session, spec, runtime.clock.now())
    )


@memberships_router.get("")
def list_memberships(
    session: ReadSessionDep,
    _: Reader,
    customer: Annotated[str | None, Query(max_length=32, description="OneID")] = None,
    plan: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MembershipOut]:
    found = service.list_memberships(
        session,
        customer_id=_person(session, customer) if customer else None,
        plan=plan,
        limit=limit,
    )
    return [MembershipOut.model_validate(m) for m in found]


@memberships_router.get("/{membership_id}")
def get_membership(membership_id: Id, session: ReadSessionDep, _: Reader) -> MembershipOut:
    return MembershipOut.model_validate(service.get_membership(session, membership_id))


@memberships_router.post("/{membership_id}/deliveries", status_code=201)
def use_delivery(
    membership_id: Id,
    body: DeliveryIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> MembershipOut:
    """Use the next delivery: a ¥0 order of the plan's delivery SKU; 409 when none is left."""
    return MembershipOut.model_validate(
        service.use_delivery(
            session,
            membership_id,
            address=body.address,
            at=runtime.clock.now(),
            source=_source(principal),
        )
    )


@memberships_router.post("/{membership_id}/refund")
def refund(
    membership_id: Id,
    body: ReasonIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Writer,
) -> MembershipOut:
    """Refund the deliveries not used, pro rata to the fen (199 元, 4 deliveries, 1 used:
    149.25 back); refunding again changes nothing."""
    return MembershipOut.model_validate(
        service.refund_membership(
            session,
            membership_id,
            reason=body.reason,
            at=runtime.clock.now(),
            source=_source(principal),
        )
    )
