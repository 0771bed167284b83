"""Console pages: login, logout, overview (概览) and its htmx refresh fragment; the sources page
(数据源) lives in ``console.sources``."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveloop.access.contracts import Role
from liveloop.access.service import attempt_login, end_console_session, start_console_session
from liveloop.config import Settings
from liveloop.console import (
    analytics,
    calendar,
    commission,
    community,
    groupbuy,
    guides,
    inventory,
    journeys,
    leader,
    live,
    live_host,
    live_report,
    members,
    messages,
    orders,
    products,
    segments,
    sources,
    subscriptions,
    ugc,
)
from liveloop.console.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ConsoleUser,
    LoginRequired,
    check_csrf,
    new_login_csrf,
)
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.overview import overview
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

ROLE_NAMES = {
    "admin": "管理员",
    "operator": "运营",
    "host": "主播/场控",
    "leader": "团长",
    "guide": "导购/客服",
    "analyst": "分析师",
    "integrator": "集成工程师",
}

# argon2 takes a core for a third of a second: at most two checks at once, off the event loop,
# so a burst of logins queues instead of stalling every other request.
PASSWORD_CHECKS = anyio.CapacityLimiter(2)


def yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


templates.env.filters["yuan"] = yuan
templates.env.globals["role_names"] = ROLE_NAMES


def mount(app: FastAPI, settings: Settings) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    app.include_router(sources.router)
    app.include_router(analytics.router)
    app.include_router(messages.router)
    app.include_router(guides.router)
    app.include_router(groupbuy.router)
    app.include_router(inventory.router)
    app.include_router(community.router)
    app.include_router(leader.router)
    app.include_router(commission.router)
    app.include_router(ugc.router)
    app.include_router(orders.router)
    app.include_router(members.router)
    app.include_router(products.router)
    app.include_router(subscriptions.router)
    app.include_router(segments.router)
    app.include_router(journeys.router)
    app.include_router(calendar.router)
    app.include_router(live.router)
    app.include_router(live_report.router)
    app.include_router(live_host.router)
    app.state.secure_cookies = settings.secure_cookies

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/console/login"})
        return RedirectResponse("/console/login", status_code=303)

    app.add_middleware(ConsoleSecurityHeaders)


class ConsoleSecurityHeaders:
    """Browser hardening headers on console pages and assets; a plain ASGI middleware, so API
    traffic (ingestion) passes through untouched and at no cost."""

    HEADERS = (
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (
            b"content-security-policy",
            b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            b"img-src 'self' data:; frame-ancestors 'none'",
        ),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(("/console", "/static")):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/console", status_code=303)


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    token = new_login_csrf()
    response = templates.TemplateResponse(
        request, "login.html", {"csrf_token": token, "error": error}, status_code=status
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
        path="/console/login",
    )
    return response


@router.get("/console/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/console/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    username: Annotated[str, Form(max_length=64, pattern=NO_CONTROL_CHARS)] = "",
    password: Annotated[str, Form(max_length=256, pattern=NO_CONTROL_CHARS)] = "",
) -> Response:
    await check_csrf(request, request.cookies.get(LOGIN_CSRF_COOKIE, "") or "\0")
    address = request.client.host if request.client else None
    attempt = await anyio.to_thread.run_sync(
        partial(attempt_login, session, username.strip(), password, address, runtime.clock.now()),
        limiter=PASSWORD_CHECKS,
    )
    if attempt.retry_after is not None:
        minutes = max(1, round(attempt.retry_after / 60))
        message = (
            f"登录失败次数过多，请 {attempt.retry_after} 秒后再试"
            if attempt.retry_after < 90
            else f"登录失败次数过多，请约 {minutes} 分钟后再试"
        )
        page = _login_page(request, message, status=429)
        page.headers["Retry-After"] = str(attempt.retry_after)
        return page
    principal = attempt.principal
    if principal is None:
        return _login_page(request, "用户名或密码错误", status=401)
    token, _ = start_console_session(
        session, principal, runtime.clock.now(), runtime.settings.session_hours
    )
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=runtime.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console/login")
    return response


@router.post("/console/logout")
async def logout(request: Request, user: ConsoleUser, session: SessionDep) -> Response:
    await check_csrf(request, user.csrf_token)
    end_console_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _overview_context(session: ReadSessionDep, runtime: RuntimeDep) -> dict:
    view = overview(session, runtime.clock.now(), runtime.settings.tz)
    return {
        "view": view,
        "chart": {
            "days": [day.strftime("%m-%d") for day, _ in view.daily_gmv],
            "gmv": [str(gmv) for _, gmv in view.daily_gmv],
        },
        "as_of": runtime.clock.now().astimezone(runtime.settings.tz),
    }


@router.get("/console", response_class=HTMLResponse)
def overview_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    if user.principal.role == Role.LEADER:  # a leader's console is their portal
        return RedirectResponse("/console/leader", status_code=303)
    context = {"user": user, "page": "overview", **_overview_context(session, runtime)}
    return templates.TemplateResponse(request, "overview.html", context)


@router.get("/console/partials/overview", response_class=HTMLResponse)
def overview_cards(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    if user.principal.role == Role.LEADER:  # the brand's figures are not a leader's to see
        raise HTTPException(403, "团长只能查看团长工作台")
    return templates.TemplateResponse(
        request, "_overview_cards.html", _overview_context(session, runtime)
    )
