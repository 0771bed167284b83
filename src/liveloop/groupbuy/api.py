"""拼团 over HTTP, ``/v1/group-buys``: campaigns (list, create, one with its groups), opening a
group, joining one, a group's state and a closed group's refund reconciliation.

Operators (and admins) create campaigns; the brand's checkout backend (an integrator's key) or an
operator opens and joins groups once the buyer has paid — the join carries the payment's
``transaction_id``; operators, analysts and integrators read. A join that finds the group full or
closed, or the buyer past the per-person limit, is a 409 with the reason; nothing is kept of it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS, error_body
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import GroupBuyRefused, GroupStatus, RefundKind, RefundState
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/group-buys", tags=["group-buys"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.INTEGRATOR))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Checkout = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
CampaignCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
GroupCode = Annotated[str, Path(max_length=48, pattern=r"^[A-Za-z0-9_.-]+$")]
OrderNo = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Price = Annotated[Decimal, Field(gt=0, le=Decimal("1000000"), decimal_places=2)]


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: Annotated[int, Field(ge=2, le=1000)]
    price: Price


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    sku: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
    tiers: Annotated[list[TierIn], Field(min_length=1, max_length=10)]
    window_hours: Annotated[int, Field(ge=1, le=720)]
    max_size: Annotated[int, Field(ge=2, le=1000)]
    per_person_limit: Annotated[int, Field(ge=1, le=100)] = 1
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class TierOut(BaseModel):
    size: int
    price: Decimal


class CampaignOut(BaseModel):
    code: str
    name: str
    sku: str
    product_name: str
    tiers: list[TierOut]
    window_hours: int
    max_size: int
    per_person_limit: int
    starts_at: datetime
    ends_at: datetime
    created_at: datetime


class JoinIn(BaseModel):
    """The buyer (by OneID) and their order: with ``transaction_id``, an order placed and paid
    now (the brand's checkout took the money); without, an order placed here
    (``POST /campaigns/{code}/orders``) and already paid through ``/v1/payments``."""

    model_config = ConfigDict(extra="forbid")
    oneid: Annotated[str, Field(min_length=1, max_length=32)]
    order_no: OrderNo
    transaction_id: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)] | None
    ) = None


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    oneid: Annotated[str, Field(min_length=1, max_length=32)]
    order_no: OrderNo


class JoinOrderOut(BaseModel):
    order_no: str
    campaign: str
    sku: str
    total: Decimal = Field(description="what the buyer pays, through /v1/payments")
    status: str


class JoinedOut(BaseModel):
    group: str
    slot: int
    order_no: str
    paid: Decimal
    group_status: GroupStatus
    member_count: int
    replayed: bool


def _answer(joined: groupbuy.Joined, response: Response) -> JoinedOut | JSONResponse:
    """201 (200 for a replay); a prepaid order whose join was refused: 409 with the reason and
    the refund that gives the order back in full (committed: the refund must not be lost)."""
    if joined.refused is not None:
        body = error_body(409, f"{joined.refused}；订单已全额退款 (the order is refunded in full)")
        body["refund_no"] = joined.refund_no
        return JSONResponse(body, status_code=409)
    if joined.replayed:
        response.status_code = 200
    return JoinedOut.model_validate(joined, from_attributes=True)


class MemberOut(BaseModel):
    slot: int
    oneid: str | None
    order_no: str
    paid: Decimal
    joined_at: datetime
    refund_no: str | None
    refund_amount: Decimal | None
    refund_state: RefundState | None


class GroupOut(BaseModel):
    code: str
    campaign: str
    campaign_name: str
    sku: str
    status: GroupStatus
    member_count: int
    max_size: int
    top_price: Decimal
    price_now: Decimal | None = Field(description="what everyone pays if it closes now")
    next_tier: TierOut | None
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    final_price: Decimal | None
    refunds_settled_at: datetime | None
    members: list[MemberOut]


class CampaignDetail(CampaignOut):
    groups: list[GroupOut]


class MemberRefundOut(BaseModel):
    slot: int
    oneid: str | None
    order_no: str
    paid: Decimal
    owed: Decimal
    kind: RefundKind | None
    refund_no: str | None
    state: RefundState | None
    attempts: int
    last_error: str | None
    commerce_amount: Decimal | None
    commerce_status: str | None
    settled_at: datetime | None


class ReconciliationOut(BaseModel):
    group: str
    campaign: str
    status: GroupStatus
    size: int
    needed: int
    final_price: Decimal | None
    closed_at: datetime | None
    refunds_settled_at: datetime | None
    paid_total: Decimal
    owed_total: Decimal
    settled_total: Decimal
    commerce_total: Decimal
    balanced: bool
    problems: list[str]
    members: list[MemberRefundOut]


def _campaign(view: groupbuy.CampaignView) -> CampaignOut:
    return CampaignOut(
        **{k: getattr(view, k) for k in CampaignOut.model_fields if k != "tiers"},
        tiers=[TierOut(size=t.size, price=t.price) for t in view.tiers],
    )


def _group(view: groupbuy.GroupView) -> GroupOut:
    fields = {k: getattr(view, k) for k in GroupOut.model_fields}
    fields["next_tier"] = (
        TierOut(size=view.next_tier.size, price=view.next_tier.price) if view.next_tier else None
    )
    fields["members"] = [MemberOut.model_validate(m, from_attributes=True) for m in view.members]
    return GroupOut(**fields)


def _person(session: Session, oneid: str) -> int:
    person = profiles.find_by_oneid(session, oneid)
    if person is None:
        raise GroupBuyRefused(f"没有 OneID 为 {oneid} 的顾客 (no customer with that OneID)")
    return profiles.survivor_of(session, person)


@router.get("/campaigns")
def list_campaigns(session: ReadSessionDep, _: Reader) -> list[CampaignOut]:
    return [_campaign(v) for v in groupbuy.list_campaigns(session)]


@router.post("/campaigns", status_code=201)
def create_campaign(
    body: CampaignIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> CampaignOut:
    spec = groupbuy.CampaignSpec(
        code=body.code,
        name=body.name,
        sku=body.sku,
        tiers=[groupbuy.Tier(t.size, t.price) for t in body.tiers],
        window_hours=body.window_hours,
        max_size=body.max_size,
        per_person_limit=body.per_person_limit,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    return _campaign(
        groupbuy.create_campaign(session, spec, at=runtime.clock.now(), by=principal.name)
    )


@router.get("/campaigns/{code}")
def get_campaign(code: CampaignCode, session: ReadSessionDep, _: Reader) -> CampaignDetail:
    view = groupbuy.get_campaign(session, code)
    return CampaignDetail(
        **_campaign(view).model_dump(),
        groups=[_group(g) for g in groupbuy.list_groups(session, campaign=code)],
    )


@router.post("/campaigns/{code}/orders", status_code=201)
def place_join_order(
    code: CampaignCode, body: OrderIn, session: SessionDep, runtime: RuntimeDep, principal: Checkout
) -> JoinOrderOut:
    """The order a buyer pays (one unit at the top price, through ``/v1/payments``) before
    opening or joining a group with it."""
    placed = groupbuy.place_join_order(
        session,
        code,
        customer_id=_person(session, body.oneid),
        order_no=body.order_no,
        at=runtime.clock.now(),
        source=f"api:{principal.name}"[:64],
    )
    return JoinOrderOut.model_validate(placed, from_attributes=True)


@router.post("/campaigns/{code}/groups", status_code=201, response_model=JoinedOut)
def open_group(
    code: CampaignCode,
    body: JoinIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Checkout,
    response: Response,
) -> JoinedOut | JSONResponse:
    """A leader opens a group and takes its first slot (200 when the order number repeats)."""
    joined = groupbuy.open_group(
        session,
        code,
        leader_id=_person(session, body.oneid),
        order_no=body.order_no,
        transaction_id=body.transaction_id,
        at=runtime.clock.now(),
        source=f"api:{principal.name}"[:64],
    )
    return _answer(joined, response)


@router.get("/groups")
def list_groups(
    session: ReadSessionDep,
    _: Reader,
    status: GroupStatus | None = None,
    campaign: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[GroupOut]:
    return [
        _group(g)
        for g in groupbuy.list_groups(session, campaign=campaign, status=status, limit=limit)
    ]


@router.get("/groups/{group}")
def get_group(group: GroupCode, session: ReadSessionDep, _: Reader) -> GroupOut:
    return _group(groupbuy.get_group(session, group))


@router.post("/groups/{group}/members", status_code=201, response_model=JoinedOut)
def join_group(
    group: GroupCode,
    body: JoinIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Checkout,
    response: Response,
) -> JoinedOut | JSONResponse:
    """Take the group's next slot with a paid order: 409 when it is full or closed or the
    buyer is past the per-person limit; 200 with the same slot when the order number repeats."""
    joined = groupbuy.join_group(
        session,
        group,
        customer_id=_person(session, body.oneid),
        order_no=body.order_no,
        transaction_id=body.transaction_id,
        at=runtime.clock.now(),
        source=f"api:{principal.name}"[:64],
    )
    return _answer(joined, response)


@router.get("/groups/{group}/reconciliation")
def reconciliation(group: GroupCode, session: ReadSessionDep, _: Reader) -> ReconciliationOut:
    """A closed group's members, what each paid, owes and got back — in group-buy's rows and
    in commerce's — with totals that must agree to the fen (``balanced``)."""
    found = groupbuy.reconcile(session, group)
    return ReconciliationOut(
        **{
            k: getattr(found, k)
            for k in ReconciliationOut.model_fields
            if k not in ("members", "problems")
        },
        problems=list(found.problems),
        members=[MemberRefundOut.model_validate(m, from_attributes=True) for m in found.members],
    )
