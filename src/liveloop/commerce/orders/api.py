"""Orders over HTTP: place (``POST /v1/orders``, the buyer by any identifier), read and list,
and the moves — pay (an offline or other channel's payment), cancel, refund (by amount or
lines), ship, deliver, confirm.

Integrators and operators (and admins) place and move orders; guides and analysts read them,
with the delivery address masked as their role sees personal data (``access.sees``). Every
refusal is a 4xx with a Chinese reason: an unknown order or OneID 404, input that cannot mean
one thing 422, a move the order's state forbids or a number re-sent with other content 409.
Placing the same order again answers 200 with the order as it is (201 when it was created).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import Principal, mask, sees
from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import OrderStatus
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.profiles import service as profiles
from liveloop.store.engine import transaction
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/orders", tags=["orders"])
Reader = Annotated[
    Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR, Role.GUIDE, Role.ANALYST))
]
Mover = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
ORDER_NO = r"^[A-Za-z0-9_\-]{1,64}$"
OrderNo = Annotated[str, Path(pattern=ORDER_NO, description="the order's number")]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]
Short = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
Yuan = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=12, decimal_places=2)]
Positive = Annotated[Decimal, Field(gt=0, le=10_000_000, max_digits=12, decimal_places=2)]
Sku = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
BuyerType = Literal[commerce.BUYER_TYPES]  # type: ignore[valid-type]
Attribute = str | int | bool | None
CouponCode = Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[A-Z2-7]+$")]
TrackingNo = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: BuyerType = Field(description="oneid, phone, unionid, openid, member_no …")
    value: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Short
    phone: Annotated[str, Field(min_length=5, max_length=20, pattern=r"^\+?[0-9 \-]+$")]
    province: Short
    city: Short
    district: Short | None = None
    detail: Text


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Sku
    quantity: Annotated[int, Field(ge=1, le=9_999)]
    unit_price: Yuan | None = Field(
        default=None, description="a price set upstream (a live price, a group tier)"
    )


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_no: Annotated[str, Field(pattern=ORDER_NO)]
    customer: CustomerIn
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=100)]
    coupon_code: (
        Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[A-Z2-7]+$")] | None
    ) = None
    address: AddressIn | None = None
    channel: Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[a-z0-9_\-]+$")] = "api"
    live_session_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    leader: Short | None = None
    points: Annotated[int, Field(ge=0, le=100_000_000)] = 0
    attributes: Annotated[dict[Short, Attribute], Field(max_length=20)] = {}


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Yuan
    transaction_id: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    paid_at: AwareDatetime | None = Field(default=None, description="now when left out")
    via: Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[a-z0-9_\-]+$")] = "offline"


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text


class RefundLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_no: Annotated[int, Field(ge=1, le=100)] | None = None
    sku: Sku | None = None
    quantity: Annotated[int, Field(ge=1, le=9_999)]

    @model_validator(mode="after")
    def _named(self) -> RefundLineIn:
        if (self.line_no is None) == (self.sku is None):
            raise ValueError("name the line by exactly one of line_no or sku")
        return self


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refund_no: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-|*@]{1,64}$")]
    amount: Positive | None = None
    lines: Annotated[list[RefundLineIn], Field(max_length=100)] | None = None
    reason: Text
    settled: bool = Field(
        default=False, description="the money was already returned (offline): nothing to send"
    )

    @model_validator(mode="after")
    def _something(self) -> RefundIn:
        if self.amount is None and not self.lines:
            raise ValueError("give an amount, lines, or both")
        return self


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: Short | None = None
    tracking_no: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9\-]+$")] | None
    ) = None


class LineOut(BaseModel):
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    paid_amount: Decimal
    refunded_quantity: int
    refunded_amount: Decimal


class RefundLineOut(BaseModel):
    line_no: int
    sku: str
    quantity: int
    amount: Decimal


class RefundOut(BaseModel):
    refund_no: str
    order_no: str
    amount: Decimal
    lines: list[RefundLineOut]
    reason: str
    status: str
    requested_at: datetime
    settled_at: datetime | None
    created: bool
    fully_refunded: bool

    @classmethod
    def of(cls, view: commerce.RefundView) -> RefundOut:
        return cls(
            **{k: v for k, v in view.__dict__.items() if k not in ("lines", "source")},
            lines=[RefundLineOut(**line.__dict__) for line in view.lines],
        )


class OrderOut(BaseModel):
    order_no: str
    customer: str = Field(description="the buyer's OneID")
    status: str
    status_label: str
    channel: str
    subtotal: Decimal
    discount: Decimal
    coupon_code: str | None
    coupon_discount: Decimal
    points_used: int
    points_value: Decimal
    total: Decimal
    refunded_amount: Decimal
    refundable: Decimal
    live_session_id: int | None
    leader: str | None
    address: dict[str, Any] | None
    placed_at: datetime
    paid_at: datetime | None
    transaction_id: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    lines: list[LineOut]
    refunds: list[RefundOut]
    created: bool
    changed: bool


class OrderPageOut(BaseModel):
    rows: list[OrderOut]
    next_after: int | None = Field(description="pass as ?after= for the next page")


def _address(address: dict[str, Any] | None, role: Role) -> dict[str, Any] | None:
    if address is None:
        return None
    shown = dict(address)
    if shown.get("name") and not sees(role, PiiField.NAME):
        shown["name"] = mask("name", str(shown["name"]))
    if shown.get("phone") and not sees(role, PiiField.PHONE):
        shown["phone"] = mask("phone", str(shown["phone"]))
    if not sees(role, PiiField.ADDRESS):
        for part in ("district", "detail"):
            if shown.get(part):
                shown[part] = "***"
    return shown


def _out(view: commerce.OrderView, oneids: dict[int, str], role: Role) -> OrderOut:
    return OrderOut(
        order_no=view.order_no,
        customer=oneids.get(view.customer_id, ""),
        status=view.status,
        status_label=commerce.status_label(view),
        channel=view.channel,
        subtotal=view.subtotal,
        discount=view.discount,
        coupon_code=view.coupon_code,
        coupon_discount=view.coupon_discount,
        points_used=view.points_used,
        points_value=view.points_value,
        total=view.total,
        refunded_amount=view.refunded_amount,
        refundable=view.refundable,
        live_session_id=view.live_session_id,
        leader=view.leader,
        address=_address(view.address, role),
        placed_at=view.placed_at,
        paid_at=view.paid_at,
        transaction_id=view.transaction_id,
        shipped_at=view.shipped_at,
        delivered_at=view.delivered_at,
        completed_at=view.completed_at,
        cancelled_at=view.cancelled_at,
        cancel_reason=view.cancel_reason,
        lines=[
            LineOut(**{k: v for k, v in ln.__dict__.items() if k != "category"})
            for ln in view.lines
        ],
        refunds=[RefundOut.of(r) for r in view.refunds],
        created=view.created,
        changed=view.changed,
    )


def _one(session: Any, view: commerce.OrderView, principal: Principal) -> OrderOut:
    return _out(view, profiles.oneids_of(session, [view.customer_id]), principal.role)


def _source(principal: Principal) -> str:
    return f"api:{principal.name}"[:64]


@router.post("", status_code=201)
def place(body: OrderIn, runtime: RuntimeDep, principal: Mover, response: Response) -> OrderOut:
    """Price and place an order (created, waiting for payment); 200 with the order as it is
    when this number was placed before with the same content, 409 with other content."""
    now = runtime.clock.now()
    source = _source(principal)
    # Committed here, in the handler's own thread, rather than by ``SessionDep`` after it
    # returns: that teardown waits for another turn of the event loop and the thread pool while
    # the store's write lock stays taken (on SQLite, every other order waits behind it).
    with transaction(runtime.sessions) as session:
        buyer = commerce.resolve_buyer(
            session, body.customer.type, body.customer.value, at=now, source=source
        )
        view = commerce.place_order(
            session,
            commerce.OrderRequest(
                order_no=body.order_no,
                customer_id=buyer,
                lines=tuple(
                    commerce.OrderLine(ln.sku, ln.quantity, ln.unit_price) for ln in body.lines
                ),
                channel=body.channel,
                coupon_code=body.coupon_code,
                address=body.address.model_dump(exclude_none=True) if body.address else None,
                live_session_id=body.live_session_id,
                leader=body.leader,
                points=body.points,
                attributes=body.attributes,
            ),
            at=now,
            source=source,
        )
        placed = _one(session, view, principal)
    if not view.created:
        response.status_code = 200
    return placed


@router.get("")
def list_orders(
    session: ReadSessionDep,
    principal: Reader,
    status: OrderStatus | Literal["partly_refunded"] | None = None,
    customer: Annotated[str | None, Query(max_length=32, description="OneID")] = None,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    after: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> OrderPageOut:
    """Orders newest first, ``limit`` at a time (``after`` = the previous page's
    ``next_after``); ``customer`` is a OneID (people merged into them included)."""
    people = None
    if customer is not None:
        found = profiles.find_by_oneid(session, customer)
        if found is None:
            raise commerce.UnknownOrder(f"没有这个客户 (no customer with OneID) {customer}")
        survivor = profiles.survivor_of(session, found)
        people = {survivor, *profiles.merged_into(session, survivor)}
    page = commerce.list_orders(
        session, status=status, customer_ids=people, since=since, limit=limit, after=after
    )
    oneids = profiles.oneids_of(session, {v.customer_id for v in page.rows})
    return OrderPageOut(
        rows=[_out(v, oneids, principal.role) for v in page.rows], next_after=page.next_after
    )


@router.get("/{order_no}")
def get_order(order_no: OrderNo, session: ReadSessionDep, principal: Reader) -> OrderOut:
    view = commerce.get_order(session, order_no)
    if view is None:
        raise commerce.UnknownOrder(f"没有这个订单 (no order) {order_no}")
    return _one(session, view, principal)


@router.post("/{order_no}/pay")
def pay(
    order_no: OrderNo, body: PayIn, session: SessionDep, runtime: RuntimeDep, principal: Mover
) -> OrderOut:
    """Record a payment taken offline or by another channel; ``amount`` must be the order's
    total. The same transaction again changes nothing (``changed`` false)."""
    view = commerce.pay_order(
        session,
        order_no,
        amount=body.amount,
        transaction_id=body.transaction_id,
        paid_at=body.paid_at or runtime.clock.now(),
        source=f"{body.via}:{principal.name}"[:64],
    )
    return _one(session, view, principal)


@router.post("/{order_no}/cancel")
def cancel(
    order_no: OrderNo, body: CancelIn, session: SessionDep, runtime: RuntimeDep, principal: Mover
) -> OrderOut:
    """Cancel before shipping; a paid order is refunded in full (refund number = order number)."""
    view = commerce.cancel_order(
        session, order_no, reason=body.reason, at=runtime.clock.now(), source=_source(principal)
    )
    return _one(session, view, principal)


@router.post("/{order_no}/refund", status_code=201)
def refund(
    order_no: OrderNo,
    body: RefundIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Mover,
    response: Response,
) -> RefundOut:
    """Open a refund by amount, by lines (their paid share) or both; 200 with the refund as it
    is when ``refund_no`` was asked before."""
    view = commerce.refund_order_part(
        session,
        order_no,
        refund_no=body.refund_no,
        amount=body.amount,
        lines=[
            commerce.RefundLineRequest(quantity=ln.quantity, line_no=ln.line_no, sku=ln.sku)
            for ln in body.lines or ()
        ]
        or None,
        reason=body.reason,
        at=runtime.clock.now(),
        source=_source(principal),
        settled=body.settled,
    )
    if not view.created:
        response.status_code = 200
    return RefundOut.of(view)


@router.post("/{order_no}/ship")
def ship(
    order_no: OrderNo,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Mover,
    body: ShipIn | None = None,
) -> OrderOut:
    body = body or ShipIn()
    view = commerce.ship_order(
        session,
        order_no,
        at=runtime.clock.now(),
        source=_source(principal),
        carrier=body.carrier,
        tracking_no=body.tracking_no,
    )
    return _one(session, view, principal)


@router.post("/{order_no}/deliver")
def deliver(
    order_no: OrderNo, session: SessionDep, runtime: RuntimeDep, principal: Mover
) -> OrderOut:
    view = commerce.deliver_order(
        session, order_no, at=runtime.clock.now(), source=_source(principal)
    )
    return _one(session, view, principal)


@router.post("/{order_no}/confirm")
def confirm(
    order_no: OrderNo, session: SessionDep, runtime: RuntimeDep, principal: Mover
) -> OrderOut:
    """The buyer confirms receipt (确认收货): the order is completed."""
    view = commerce.confirm_order(
        session, order_no, at=runtime.clock.now(), source=_source(principal), by="buyer"
    )
    return _one(session, view, principal)
