"""Console page 佣金 (commission): the rates in force and their history (operators add a rate),
each leader's commission from the ledger (frozen, settled, withdrawable — negative when a
claw-back left them owing), the withdrawals waiting for a decision (approve, pay, or reject
with a reason), the orders that earned nothing and why, and the reconciliation of the ledger
against the orders. Operators and admins act; analysts read. Chinese only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.commission import service as commission
from liveloop.commission.contracts import (
    LEVEL_NAMES,
    SCOPE_NAMES,
    WITHDRAWAL_NAMES,
    CommissionError,
    RateScope,
    WithdrawalStatus,
    rate_label,
)
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import chinese_part
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST}
EDITORS = {Role.ADMIN, Role.OPERATOR}
PAGE = "/console/commission"


@router.get(PAGE, response_class=HTMLResponse)
def commission_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    if user.principal.role not in READERS:
        raise HTTPException(403, "只有运营、管理员和分析师可以查看佣金")
    pending = [
        w
        for status in (WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED)
        for w in commission.list_withdrawals(session, status=status)
    ]
    context = {
        "user": user,
        "page": "commission",
        "rates": commission.list_rates(session),
        "leaders": commission.leader_totals(session),
        "pending": pending,
        "recent": commission.list_withdrawals(session, limit=20),
        "skips": [(skip, chinese_part(skip.reason)) for skip in commission.skips_of(session)[:20]],
        "reconciliation": commission.reconcile_orders(session),
        "level_names": LEVEL_NAMES,
        "scope_names": SCOPE_NAMES,
        "withdrawal_names": WITHDRAWAL_NAMES,
        "rate_label": rate_label,
        "editor": user.principal.role in EDITORS,
        "tz": runtime.settings.tz,
    }
    return templates.TemplateResponse(request, "commission.html", context)


@router.post(f"{PAGE}/rates")
async def add_rate(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    level: Annotated[int, Form(ge=1, le=9)] = 1,
    scope: Annotated[str, Form(max_length=12)] = RateScope.DEFAULT.value,
    percent: Annotated[str, Form(max_length=12)] = "",
    target: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """A rate from now on, given in percent as operators say it (12.5 → 0.125)."""
    if user.principal.role not in EDITORS:
        raise HTTPException(403, "只有运营和管理员可以设置佣金比例")
    await check_csrf(request, user.csrf_token)
    if scope not in {s.value for s in RateScope}:
        raise HTTPException(422, "请选择比例的范围:默认、品类或商品")
    try:
        rate = Decimal(percent.strip().rstrip("%")) / 100
    except InvalidOperation:
        raise HTTPException(422, "佣金比例请填写百分数,例如 10 或 12.5") from None
    if not rate.is_finite():
        raise HTTPException(422, "佣金比例请填写百分数,例如 10 或 12.5")
    try:
        commission.set_rate(
            session,
            level=level,
            scope=RateScope(scope),
            target=target.strip() or None,
            rate=rate,
            at=runtime.clock.now(),
            by=user.principal.name,
        )
    except CommissionError as exc:
        raise HTTPException(exc.status, chinese_part(exc)) from None
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/withdrawals/{{withdrawal_no}}/{{decision}}")
async def decide(
    request: Request,
    withdrawal_no: Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")],
    decision: Annotated[str, Path(pattern=r"^(approve|pay|reject)$")],
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if user.principal.role not in EDITORS:
        raise HTTPException(403, "只有运营和管理员可以审核提现")
    await check_csrf(request, user.csrf_token)
    now, by = runtime.clock.now(), user.principal.name
    try:
        if decision == "approve":
            commission.approve_withdrawal(session, withdrawal_no, by=by, at=now)
        elif decision == "pay":
            commission.pay_withdrawal(session, withdrawal_no, by=by, at=now)
        else:
            commission.reject_withdrawal(session, withdrawal_no, reason=reason, by=by, at=now)
    except CommissionError as exc:
        raise HTTPException(exc.status, chinese_part(exc)) from None
    return RedirectResponse(PAGE, status_code=303)
