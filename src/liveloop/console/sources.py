"""Console page 数据源 (sources): list the sources and create one, showing its write key (and a
live platform's signing secret) once; mark a source as an order ledger (订单来源: its Order
Completed / Order Refunded become orders) and see the ledger events it had refused, and why.
Admins and operators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.ingest.service import (
    NewSource,
    SourceError,
    SourceKind,
    create_source,
    ledger_refusals,
    list_sources,
    refusal_counts,
    set_order_ledger,
)
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR}
REFUSALS_SHOWN = 50
KIND_NAMES = {
    SourceKind.MINI_PROGRAM: "小程序",
    SourceKind.H5_LIVE: "H5 直播页",
    SourceKind.WECOM: "企业微信",
    SourceKind.POS: "门店 POS",
    SourceKind.SERVER: "服务端",
    SourceKind.LIVE_PLATFORM: "直播平台",
}


def _allowed(user: ConsoleLogin) -> None:
    if user.principal.role not in ALLOWED:
        raise HTTPException(403, "only admins and operators manage sources")


def _page(
    request: Request,
    user: ConsoleLogin,
    session: ReadSessionDep | SessionDep,
    runtime: RuntimeDep,
    *,
    created: NewSource | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    from liveloop.console.routes import templates

    context = {
        "user": user,
        "page": "sources",
        "sources": list_sources(session),
        "refused": refusal_counts(session),
        "refusals": ledger_refusals(session, limit=REFUSALS_SHOWN),
        "kinds": KIND_NAMES,
        "created": created,
        "error": error,
        "tz": runtime.settings.tz,
    }
    response = templates.TemplateResponse(request, "sources.html", context, status_code=status)
    # The page may carry a write key: never keep it in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/console/sources", response_class=HTMLResponse)
def sources_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    _allowed(user)
    return _page(request, user, session, runtime)


@router.post("/console/sources", response_class=HTMLResponse)
async def create(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=64, pattern=NO_CONTROL_CHARS)] = "",
    kind: Annotated[SourceKind, Form()] = SourceKind.SERVER,
    rate: Annotated[str, Form(max_length=9)] = "",
    order_ledger: Annotated[bool, Form()] = False,
) -> Response:
    _allowed(user)
    await check_csrf(request, user.csrf_token)
    rate_limit: int | None = None
    if rate.strip():
        if not rate.strip().isdigit():
            return _page(request, user, session, runtime, error="速率必须是正整数", status=400)
        rate_limit = int(rate)
    try:
        created = create_source(
            session,
            name,
            runtime.clock.now(),
            kind=kind,
            rate_limit_per_s=rate_limit,
            order_ledger=order_ledger,
        )
    except SourceError as exc:
        return _page(request, user, session, runtime, error=str(exc), status=400)
    return _page(request, user, session, runtime, created=created, status=201)


@router.post("/console/sources/ledger", response_class=HTMLResponse)
async def switch_ledger(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=64, pattern=NO_CONTROL_CHARS)] = "",
    on: Annotated[bool, Form()] = False,
) -> Response:
    """Mark or unmark a source as an order ledger."""
    _allowed(user)
    await check_csrf(request, user.csrf_token)
    try:
        set_order_ledger(session, name, on)
    except SourceError as exc:
        return _page(request, user, session, runtime, error=str(exc), status=404)
    return _page(request, user, session, runtime)
