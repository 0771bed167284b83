"""预售 over HTTP, ``/v1/presales``: presales (list, create, one with its orders), a deposit
paid, a balance paid, the brand cancelling (every payment refunded) and the refunds it decided.

Operators create and cancel; the brand's checkout backend (an integrator's key) or an operator
records deposits and balances once the buyer has paid (with the payment's ``transaction_id``);
operators, analysts and integrators read. A deposit above 20 % of the price is a 422 with the
reason in Chinese; a sold-out quota or a payment outside its window a 409.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS, error_body
from liveloop.presale import service as presales
from liveloop.presale.contracts import (
    PresaleOrderStatus,
    PresaleRefused,
    PresaleStatus,
    RefundState,
    UnknownPresale,
)
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/presales", tags=["presales"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.INTEGRATOR))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Checkout = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.INTEGRATOR))]
PresaleCode = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
OrderNoPath = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
OrderNo = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
TransactionId = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
Price = Annotated[Decimal, Field(gt=0, le=Decimal("1000000"), decimal_places=2)]


class PresaleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
    sku: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
    price: Price
    deposit: Price = Field(description="at most 20% of the price")
    quota: Annotated[int, Field(ge=1, le=10_000_000)]
    balance_starts_at: AwareDatetime
    balance_ends_at: AwareDatetime
    remind_hours: Annotated[int, Field(ge=0, le=336)] = 24


class PresaleOut(BaseModel):
    code: str
    name: str
    sku: str
    product_name: str
    price: Decimal
    deposit: Decimal
    balance: Decimal
    quota: int
    sold: int
    balance_starts_at: datetime
    balance_ends_at: datetime
    remind_hours: int
    status: PresaleStatus
    created_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    counts: dict[str, int]
    deposits_taken: Decimal
    balances_taken: Decimal


class OrderOut(BaseModel):
    presale: str
    oneid: str | None
    deposit_order_no: str
    balance_order_no: str | None
    status: PresaleOrderStatus
    deposit: Decimal
    balance: Decimal
    deposit_paid_at: datetime
    balance_paid_at: datetime | None
    forfeited_at: datetime | None
    cancelled_at: datetime | None
    replayed: bool = False


class PresaleDetail(PresaleOut):
    orders: list[OrderOut]


class DepositIn(BaseModel):
    """With ``transaction_id``: the order is placed and paid now (the brand's checkout took the
    money); without: ``order_no`` was placed here (``POST /{code}/orders``) and paid through
    ``/v1/payments``."""

    model_config = ConfigDict(extra="forbid")
    oneid: Annotated[str, Field(min_length=1, max_length=32)]
    order_no: OrderNo
    transaction_id: TransactionId | None = None


class BalanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_no: OrderNo
    transaction_id: TransactionId | None = None


class PartOrderIn(BaseModel):
    """The order to pay through ``/v1/payments``: the deposit (``oneid``) or, with
    ``deposit_order_no``, that presale order's balance."""

    model_config = ConfigDict(extra="forbid")
    order_no: OrderNo
    oneid: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    deposit_order_no: OrderNo | None = None


class PartOrderOut(BaseModel):
    order_no: str
    total: Decimal


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]


class RefundOut(BaseModel):
    deposit_order_no: str
    order_no: str
    refund_no: str
    amount: Decimal
    state: RefundState
    attempts: int
    last_error: str | None
    settled_at: datetime | None


def _person(session: Session, oneid: str) -> int:
    person = profiles.find_by_oneid(session, oneid)
    if person is None:
        raise PresaleRefused(f"没有 OneID 为 {oneid} 的顾客 (no customer with that OneID)")
    return profiles.survivor_of(session, person)


def _order(session: Session, view: presales.PresaleOrderView) -> OrderOut:
    oneid = profiles.oneids_of(session, [view.customer_id]).get(view.customer_id)
    return OrderOut.model_validate(
        {**{k: getattr(view, k) for k in OrderOut.model_fields if k != "oneid"}, "oneid": oneid}
    )


@router.get("")
def list_presales(session: ReadSessionDep, _: Reader) -> list[PresaleOut]:
    return [
        PresaleOut.model_validate(v, from_attributes=True) for v in presales.list_presales(session)
    ]


@router.post("", status_code=201)
def create_presale(
    body: PresaleIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> PresaleOut:
    view = presales.create_presale(
        session,
        presales.PresaleSpec(**body.model_dump()),
        at=runtime.clock.now(),
        by=principal.name,
    )
    return PresaleOut.model_validate(view, from_attributes=True)


@router.get("/{code}")
def get_presale(code: PresaleCode, session: ReadSessionDep, _: Reader) -> PresaleDetail:
    view = presales.get_presale(session, code)
    return PresaleDetail(
        **PresaleOut.model_validate(view, from_attributes=True).model_dump(),
        orders=[_order(session, o) for o in presales.orders_of(session, code)],
    )


def _refused(refused: presales.RefusedPayment) -> JSONResponse:
    body = error_body(409, f"{refused.reason}；订单已全额退款 (the order is refunded in full)")
    body["refund_no"] = refused.refund_no
    return JSONResponse(body, status_code=409)


@router.post("/{code}/orders", status_code=201)
def place_part_order(
    code: PresaleCode,
    body: PartOrderIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Checkout,
) -> PartOrderOut:
    """The deposit's (or a balance's) order, placed unpaid: the buyer pays it through
    ``/v1/payments``, then it is recorded with ``/deposits`` (or ``…/balance``)."""
    order_no, total = presales.place_part_order(
        session,
        code,
        customer_id=_person(session, body.oneid) if body.oneid else None,
        order_no=body.order_no,
        deposit_order_no=body.deposit_order_no,
        at=runtime.clock.now(),
        source=f"api:{principal.name}"[:64],
    )
    return PartOrderOut(order_no=order_no, total=total)


@router.post("/{code}/deposits", status_code=201, response_model=OrderOut)
def pay_deposit(
    code: PresaleCode,
    body: DepositIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Checkout,
    response: Response,
) -> OrderOut | JSONResponse:
    """A buyer paid the deposit: one unit of the quota is theirs (409 when sold out or the
    balance window has opened; 200 with the same order when the order number repeats)."""
    view = presales.pay_deposit(
        session,
        code,
        customer_id=_person(session, body.oneid),
        order_no=body.order_no,
        transaction_id=body.transaction_id,
        at=runtime.clock.now(),
        source=f"api:{principal.name}"[:64],
    )
    if isinstance(view, presales.RefusedPayment):
        return _refused(view)
    if view.replayed:
        response.status_code = 200
    return _order(session, view)


@router.post("/{code}/orders/{deposit_order_no}/balance", response_model=OrderOut)
def pay_balance(
    code: PresaleCode,
    deposit_order_no: OrderNoPath,
    body: BalanceIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Checkout,
) -> OrderOut | JSONResponse:
    """The buyer paid the balance, inside the window (409 outside it, or once forfeited)."""
    if presales.get_presale_order(session, deposit_order_no).presale != code:
        raise UnknownPresale(f"预售 {code} 没有定金订单 {deposit_order_no} (no such order)")
    view = presales.pay_balance(
        session,
        deposit_order_no,
        order_no=body.order_no,
        transaction_id=body.transaction_id,
        at=runtime.clock.now(),
        source=f"api:{principal.name}"[:64],
    )
    if isinstance(view, presales.RefusedPayment):
        return _refused(view)
    return _order(session, view)


@router.post("/{code}/cancel")
def cancel_presale(
    code: PresaleCode, body: CancelIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> PresaleOut:
    """The brand calls the presale off: every deposit (and balance paid) is refunded,
    automatically and retried until the provider has paid it."""
    view = presales.cancel_presale(
        session,
        code,
        reason=body.reason,
        at=runtime.clock.now(),
        source=f"api:{principal.name}"[:64],
    )
    return PresaleOut.model_validate(view, from_attributes=True)


@router.get("/{code}/refunds")
def refunds(code: PresaleCode, session: ReadSessionDep, _: Reader) -> list[RefundOut]:
    return [
        RefundOut.model_validate(r, from_attributes=True)
        for r in presales.refunds_of(session, code)
    ]
