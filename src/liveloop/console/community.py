"""Console page 团长 (community): the leaders with their state and the applications waiting
for a decision (approve, or reject with a reason), the pickup points, and tomorrow's delivery
batches with each one's packing list. Operators and admins decide; analysts read (personal
data masked as their role says)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.commerce import service as commerce
from liveloop.community import service as community
from liveloop.community.contracts import (
    BATCH_STATUS_NAMES,
    BINDING_RULE_NAMES,
    LEADER_STATUS_NAMES,
    CommunityError,
)
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import chinese_part
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST}
EDITORS = {Role.ADMIN, Role.OPERATOR}
BATCHES_SHOWN = 30


@router.get("/console/community", response_class=HTMLResponse)
def community_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    if user.principal.role not in READERS:
        raise HTTPException(403, "只有运营、管理员和分析师可以查看团长")
    tz = runtime.settings.tz
    tomorrow = runtime.clock.now().astimezone(tz).date() + timedelta(days=1)
    batches = community.list_batches(session, tomorrow, user.principal)[:BATCHES_SHOWN]
    context = {
        "user": user,
        "page": "community",
        "leaders": community.list_leaders(session, user.principal),
        "points": community.list_points(session, user.principal),
        "settings": community.read_settings(session),
        "tomorrow": tomorrow,
        "packing": [community.packing_list(session, b.batch_id, user.principal) for b in batches],
        "leader_names": LEADER_STATUS_NAMES,
        "batch_names": BATCH_STATUS_NAMES,
        "rule_names": BINDING_RULE_NAMES,
        "order_names": commerce.STATUS_LABELS,
        "editor": user.principal.role in EDITORS,
        "tz": tz,
    }
    return templates.TemplateResponse(request, "community.html", context)


@router.post("/console/community/leaders/{code}/{decision}")
async def decide(
    request: Request,
    code: Annotated[str, Path(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")],
    decision: Annotated[str, Path(pattern=r"^(approve|reject)$")],
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if user.principal.role not in EDITORS:
        raise HTTPException(403, "只有运营和管理员可以审核团长")
    await check_csrf(request, user.csrf_token)
    try:
        community.decide_leader(
            session,
            code,
            approve=decision == "approve",
            by=user.principal.name,
            reason=reason.strip() or None,
            at=runtime.clock.now(),
            source=f"console:{user.principal.name}"[:64],
        )
    except CommunityError as exc:
        raise HTTPException(exc.status, chinese_part(exc)) from None
    return RedirectResponse("/console/community", status_code=303)
