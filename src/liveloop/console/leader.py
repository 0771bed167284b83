"""The leader's portal (团长工作台), for a console user in the leader role, phone first:

- 今日 ``/console/leader``: today's batches arriving and tomorrow's being filled, the pickup
  queue, the pickup scan (``POST /console/leader/scan``) and the arrival confirmation;
- 批次 ``/console/leader/batches/{id}``: one batch's packing list;
- 顾客 ``/console/leader/customers``: the customers bound to the leader, masked, searched;
- 素材 ``/console/leader/materials``: live invites and product posters with tracked links;
- 排行 ``/console/leader/ranking``: the leader's rank this month.

Every read goes through ``portal.service`` with the user as viewer, which reads community
with it: another leader's batch, customer or code is 404 here as there. Other roles get 403
(an operator reads leaders on the 团长 page; the portal shows no leader's view to anyone but
that leader — docs/decisions/0038). The public pages a tracked link lands on (``/h5/…``) are
here too: they render, and say nothing of any leader but the code in the link.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.commerce import service as commerce
from liveloop.commission import service as commission
from liveloop.commission.contracts import WITHDRAWAL_NAMES
from liveloop.community.contracts import (
    BATCH_STATUS_NAMES,
    BINDING_CAUSE_NAMES,
    CommunityError,
)
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import DomainError, chinese_part
from liveloop.portal import service as portal
from liveloop.portal.contracts import NotALeader, PortalError
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

Oneid = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Token = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$")]
Sku = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]
TABS = (
    ("today", "/console/leader", "今日"),
    ("customers", "/console/leader/customers", "顾客"),
    ("materials", "/console/leader/materials", "素材"),
    ("ranking", "/console/leader/ranking", "排行"),
)


def _templates() -> Any:
    from liveloop.console.routes import templates

    return templates


def _page(
    request: Request,
    user: ConsoleLogin,
    template: str,
    tab: str,
    status: int = 200,
    **context: Any,
) -> Response:
    runtime = request.app.state.runtime
    return _templates().TemplateResponse(
        request,
        template,
        {
            "user": user,
            "tab": tab,
            "tabs": TABS,
            "tz": runtime.settings.tz,
            "order_names": commerce.STATUS_LABELS,
            "batch_names": BATCH_STATUS_NAMES,
            **context,
        },
        status_code=status,
    )


def _refused(request: Request, user: ConsoleLogin, exc: DomainError, tab: str) -> Response:
    status = getattr(exc, "status", 400)
    if isinstance(exc, NotALeader) and user.principal.role == Role.LEADER:
        # A leader login linked to no leader is let in and sees nothing but the notice, as
        # community's facade shows it nothing (fails closed); other roles are refused.
        status = 200
    return _page(request, user, "leader_error.html", tab, status=status, reason=chinese_part(exc))


def _today(
    request: Request,
    user: ConsoleLogin,
    session: Any,
    runtime: Any,
    *,
    status: int = 200,
    **message: Any,
) -> Response:
    try:
        view = portal.today_of(session, user.principal, runtime.clock.now(), runtime.settings.tz)
    except PortalError as exc:
        return _refused(request, user, exc, "today")
    return _page(
        request,
        user,
        "leader_today.html",
        "today",
        status=status,
        view=view,
        balance=commission.balance_of(session, view.leader.code, user.principal),
        withdrawals=commission.list_withdrawals(session, user.principal, limit=5),
        withdrawal_names=WITHDRAWAL_NAMES,
        request_id=uuid.uuid4().hex,  # one per form shown: a double tap asks once
        **message,
    )


@router.get("/console/leader", response_class=HTMLResponse)
def today_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    arrived: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return _today(request, user, session, runtime, arrived=arrived)


@router.post("/console/leader/scan", response_class=HTMLResponse)
async def scan_pickup(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    await check_csrf(request, user.csrf_token)
    try:
        with session.begin_nested():  # a refused scan leaves nothing behind
            done = portal.scan(session, user.principal, code, runtime.clock.now())
    except (PortalError, CommunityError) as exc:
        if isinstance(exc, PortalError) and exc.status == 403:
            return _refused(request, user, exc, "today")
        return _today(
            request,
            user,
            session,
            runtime,
            status=exc.status,
            scan_error=chinese_part(exc),
            code=code,
        )
    return _today(request, user, session, runtime, scanned=done)


@router.post("/console/leader/withdraw", response_class=HTMLResponse)
async def request_withdrawal(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    amount: Annotated[str, Form(max_length=16)] = "",
    request_id: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    """The leader asks to withdraw part of their withdrawable commission (an operator approves
    and pays it on the 佣金 page)."""
    await check_csrf(request, user.csrf_token)
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        return _today(
            request, user, session, runtime, status=422, withdraw_error="请填写提现金额,如 50.00"
        )
    try:
        leader = commission.leader_of(session, user.principal)
        with session.begin_nested():  # a refusal leaves nothing behind
            asked = commission.request_withdrawal(
                session,
                leader or "",
                amount=value,
                request_id=request_id or uuid.uuid4().hex,
                by=user.principal.name,
                at=runtime.clock.now(),
                viewer=user.principal,
            )
    except DomainError as exc:
        return _today(
            request, user, session, runtime, status=exc.status, withdraw_error=chinese_part(exc)
        )
    return _today(request, user, session, runtime, withdrawn=asked)


@router.post("/console/leader/batches/{batch_id}/arrive")
async def confirm_arrival(
    request: Request,
    batch_id: Annotated[int, Path(ge=1)],
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    await check_csrf(request, user.csrf_token)
    try:
        with session.begin_nested():
            portal.confirm_arrival(
                session, user.principal, batch_id, runtime.clock.now(), runtime.settings.tz
            )
    except (PortalError, CommunityError) as exc:
        return _refused(request, user, exc, "today")
    return RedirectResponse(f"/console/leader?arrived={batch_id}", status_code=303)


@router.get("/console/leader/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request,
    batch_id: Annotated[int, Path(ge=1)],
    user: ConsoleUser,
    session: ReadSessionDep,
) -> Response:
    try:
        packing = portal.batch_of(session, user.principal, batch_id)
    except (PortalError, CommunityError) as exc:
        return _refused(request, user, exc, "today")
    return _page(request, user, "leader_batch.html", "today", packing=packing)


@router.get("/console/leader/customers", response_class=HTMLResponse)
def customers_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    q: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    try:
        found = portal.customers_of(session, user.principal, q=q, page=page)
    except PortalError as exc:
        return _refused(request, user, exc, "customers")
    return _page(
        request,
        user,
        "leader_customers.html",
        "customers",
        found=found,
        cause_names=BINDING_CAUSE_NAMES,
    )


@router.get("/console/leader/customers/{oneid}", response_class=HTMLResponse)
def customer_page(
    request: Request, oneid: Oneid, user: ConsoleUser, session: ReadSessionDep
) -> Response:
    try:
        detail = portal.customer_of(session, user.principal, oneid)
    except PortalError as exc:
        return _refused(request, user, exc, "customers")
    return _page(
        request,
        user,
        "leader_customer.html",
        "customers",
        detail=detail,
        cause_names=BINDING_CAUSE_NAMES,
    )


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/console/leader/materials", response_class=HTMLResponse)
def materials_page(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,  # a link is made the first time the leader sees its material
    runtime: RuntimeDep,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    try:
        found = portal.materials_of(session, user.principal, runtime.clock.now(), page=page)
    except PortalError as exc:
        return _refused(request, user, exc, "materials")
    return _page(
        request,
        user,
        "leader_materials.html",
        "materials",
        found=found,
        base_url=_base_url(request),
    )


@router.get("/console/leader/posters/{token}.svg")
def poster(
    request: Request, token: Token, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    try:
        svg = portal.poster_of(
            session,
            user.principal,
            token,
            base_url=_base_url(request),
            brand=runtime.settings.brand_name,
        )
    except PortalError as exc:
        return _refused(request, user, exc, "materials")
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="poster-{token}.svg"'},
    )


@router.get("/console/leader/ranking", response_class=HTMLResponse)
def ranking_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    try:
        view = portal.ranking_of(session, user.principal, runtime.clock.now(), runtime.settings.tz)
    except PortalError as exc:
        return _refused(request, user, exc, "ranking")
    return _page(request, user, "leader_ranking.html", "ranking", view=view)


# ---- the public pages a tracked link lands on ---------------------------------------------


def _landing(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    runtime = request.app.state.runtime
    return _templates().TemplateResponse(
        request,
        template,
        {"brand": runtime.settings.brand_name, "tz": runtime.settings.tz, **context},
        status_code=status,
    )


@router.get("/h5/live/{live_id}", response_class=HTMLResponse)
def live_landing(
    request: Request, live_id: Annotated[int, Path(ge=1)], session: ReadSessionDep
) -> Response:
    try:
        show = portal.landing_show(session, live_id)
    except PortalError as exc:
        return _landing(request, "share_landing.html", status=404, gone=chinese_part(exc))
    return _landing(request, "share_landing.html", show=show)


@router.get("/h5/products/{sku}", response_class=HTMLResponse)
def product_landing(request: Request, sku: Sku, session: ReadSessionDep) -> Response:
    try:
        product = portal.landing_product(session, sku)
    except PortalError as exc:
        return _landing(request, "share_landing.html", status=404, gone=chinese_part(exc))
    return _landing(request, "share_landing.html", product=product)
