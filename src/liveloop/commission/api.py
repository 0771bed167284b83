"""佣金 over HTTP, ``/v1/commission``: rates, a leader's entries, balance and monthly
statement, withdrawals and their decisions, and the reconciliation of the ledger against the
orders.

Operators (and admins) set rates, decide withdrawals and reconcile; analysts read. A leader's
key or console user reads only its own leader's entries, balance, statements and withdrawals
and requests withdrawals only for itself — commission's facade holds that (another leader's
are 404 to it), whatever the route lets through.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.commission import service
from liveloop.commission.contracts import (
    EntryKind,
    EntryState,
    RateScope,
    WithdrawalStatus,
    WithdrawalView,
)
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/commission", tags=["commission"])

Viewer = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.LEADER))]
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Requester = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.LEADER))]
Code = Annotated[str, Path(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
WithdrawalNo = Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Month = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Annotated[int, Field(ge=1, le=9, description="1 own sales, 2 the recruiter; no 3")]
    scope: RateScope
    target: Annotated[str, Field(max_length=32, pattern=NO_CONTROL_CHARS)] | None = None
    rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]
    effective_from: datetime | None = None
    note: Annotated[str, Field(max_length=200, pattern=NO_CONTROL_CHARS)] = ""


class RateOut(BaseModel):
    level: int
    scope: RateScope
    target: str
    rate: Decimal
    effective_from: datetime
    set_by: str
    set_at: datetime
    note: str


class EntryOut(BaseModel):
    leader: str
    level: int
    kind: EntryKind
    state: EntryState
    order_no: str
    line_no: int
    refund_no: str | None
    sku: str
    base: Decimal
    rate: Decimal
    amount: Decimal
    at: datetime
    frozen_until: datetime
    settled_at: datetime | None


class EntryPage(BaseModel):
    rows: list[EntryOut]
    next_after: int | None


class BalanceOut(BaseModel):
    leader: str
    frozen: Decimal
    settled: Decimal
    held: Decimal
    withdrawn: Decimal
    withdrawable: Decimal
    owes: bool = Field(description="the withdrawable balance is negative after a claw-back")


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    leader: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    request_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text


class WithdrawalOut(BaseModel):
    withdrawal_no: str
    leader: str
    request_id: str
    amount: Decimal
    status: WithdrawalStatus
    reason: str | None
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    paid_at: datetime | None
    created: bool


class StatementLineOut(BaseModel):
    order_no: str
    earned: Decimal
    refunded: Decimal
    clawed_back: Decimal
    net: Decimal


class StatementOut(BaseModel):
    leader: str
    leader_name: str
    month: str
    opening: Decimal
    earned: Decimal
    refunded: Decimal
    clawed_back: Decimal
    withdrawn: Decimal
    closing: Decimal
    lines: list[StatementLineOut]


class DifferenceOut(BaseModel):
    order_no: str
    line_no: int
    level: int
    expected: Decimal
    posted: Decimal
    difference: Decimal


class ReconciliationOut(BaseModel):
    orders: int
    lines: int
    expected: Decimal
    posted: Decimal
    difference: Decimal
    balanced: bool
    differences: list[DifferenceOut]
    unknown_orders: list[str]


def _withdrawal(view: WithdrawalView) -> WithdrawalOut:
    return WithdrawalOut.model_validate(view, from_attributes=True)


@router.get("/rates")
def list_rates(session: ReadSessionDep, principal: Reader) -> list[RateOut]:
    """Every rate with its history (newest first within a level, scope and target)."""
    return [RateOut.model_validate(r, from_attributes=True) for r in service.list_rates(session)]


@router.post("/rates", status_code=201)
def set_rate(body: RateIn, session: SessionDep, runtime: RuntimeDep, principal: Editor) -> RateOut:
    """Put a rate in force from ``effective_from`` (default now; never earlier). A third
    level, a rate above 0.3 or a back-dated one is 422 with the reason."""
    view = service.set_rate(
        session,
        level=body.level,
        scope=body.scope,
        target=body.target,
        rate=body.rate,
        effective_from=body.effective_from,
        note=body.note,
        by=principal.name,
        at=runtime.clock.now(),
    )
    return RateOut.model_validate(view, from_attributes=True)


@router.get("/leaders/{code}/entries")
def list_entries(
    code: Code,
    session: ReadSessionDep,
    principal: Viewer,
    state: EntryState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[int | None, Query(ge=1)] = None,
) -> EntryPage:
    rows, next_after = service.entries_of(
        session, code, principal, state=state, limit=limit, after=after
    )
    return EntryPage(
        rows=[EntryOut.model_validate(r, from_attributes=True) for r in rows],
        next_after=next_after,
    )


@router.get("/leaders/{code}/balance")
def get_balance(code: Code, session: ReadSessionDep, principal: Viewer) -> BalanceOut:
    balance = service.balance_of(session, code, principal)
    return BalanceOut.model_validate(balance, from_attributes=True)


@router.get("/leaders/{code}/statements/{month}")
def get_statement(
    code: Code, month: Month, session: ReadSessionDep, runtime: RuntimeDep, principal: Viewer
) -> StatementOut:
    """The leader's month (brand time): opening, earned, refunded, clawed back, withdrawn,
    closing, and each order's lines."""
    found = service.statement(session, code, month, runtime.settings.tz, principal)
    return StatementOut.model_validate(
        {
            **{k: getattr(found, k) for k in StatementOut.model_fields if k != "lines"},
            "lines": [
                StatementLineOut.model_validate(line, from_attributes=True) for line in found.lines
            ],
        }
    )


@router.get("/withdrawals")
def list_withdrawals(
    session: ReadSessionDep,
    principal: Viewer,
    leader: Annotated[str | None, Query(max_length=16)] = None,
    status: WithdrawalStatus | None = None,
) -> list[WithdrawalOut]:
    return [
        _withdrawal(w)
        for w in service.list_withdrawals(session, principal, leader=leader, status=status)
    ]


@router.post("/withdrawals", status_code=201)
def request_withdrawal(
    body: WithdrawalIn, session: SessionDep, runtime: RuntimeDep, principal: Requester
) -> WithdrawalOut:
    """Ask to withdraw at most the withdrawable balance; the same ``request_id`` again answers
    the same withdrawal (``created`` false); over the balance is 409."""
    view = service.request_withdrawal(
        session,
        body.leader,
        amount=body.amount,
        request_id=body.request_id,
        by=principal.name,
        at=runtime.clock.now(),
        viewer=principal,
    )
    return _withdrawal(view)


@router.get("/withdrawals/{withdrawal_no}")
def get_withdrawal(
    withdrawal_no: WithdrawalNo, session: ReadSessionDep, principal: Viewer
) -> WithdrawalOut:
    return _withdrawal(service.get_withdrawal(session, withdrawal_no, principal))


@router.post("/withdrawals/{withdrawal_no}/approve")
def approve_withdrawal(
    withdrawal_no: WithdrawalNo, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> WithdrawalOut:
    view = service.approve_withdrawal(
        session, withdrawal_no, by=principal.name, at=runtime.clock.now()
    )
    return _withdrawal(view)


@router.post("/withdrawals/{withdrawal_no}/pay")
def pay_withdrawal(
    withdrawal_no: WithdrawalNo, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> WithdrawalOut:
    view = service.pay_withdrawal(session, withdrawal_no, by=principal.name, at=runtime.clock.now())
    return _withdrawal(view)


@router.post("/withdrawals/{withdrawal_no}/reject")
def reject_withdrawal(
    withdrawal_no: WithdrawalNo,
    body: RejectIn,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Editor,
) -> WithdrawalOut:
    view = service.reject_withdrawal(
        session, withdrawal_no, reason=body.reason, by=principal.name, at=runtime.clock.now()
    )
    return _withdrawal(view)


@router.post("/reconcile")
def reconcile(session: ReadSessionDep, principal: Reader) -> ReconciliationOut:
    """Prove the ledger against the orders it credited: 0 fen difference, or each line and
    level that differs."""
    found = service.reconcile_orders(session)
    return ReconciliationOut(
        orders=found.orders,
        lines=found.lines,
        expected=found.expected,
        posted=found.posted,
        difference=found.difference,
        balanced=found.balanced,
        differences=[
            DifferenceOut(
                order_no=d.order_no,
                line_no=d.line_no,
                level=d.level,
                expected=d.expected,
                posted=d.posted,
                difference=d.difference,
            )
            for d in found.differences[:500]
        ],
        unknown_orders=list(found.unknown_orders[:500]),
    )
