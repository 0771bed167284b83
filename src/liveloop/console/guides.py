"""Console page 导购任务 (guide tasks): the open tasks a guide should work on — their own and the
team pool; operators and admins see everyone's — with the customer, what to do and when it is
due in the display timezone, and a 完成 button (htmx, with the session's CSRF token) that
records an optional outcome note and swaps the row for its done state."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.guides.service import GuideError, complete_task, list_tasks
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR, Role.GUIDE}
KIND_NAMES = {
    "follow_up": "跟进",
    "call": "电话回访",
    "wecom_confirm": "企微群发确认",
    "nutrition_advisor": "营养顾问",
}
PAGE_SIZE = 200


def _allowed(user: ConsoleLogin) -> str | None:
    """The guide whose own+pool view applies, or None for operators and admins."""
    if user.principal.role not in ALLOWED:
        raise HTTPException(403, "only guides, operators and admins work on guide tasks")
    return user.principal.name if user.principal.role == Role.GUIDE else None


@router.get("/console/tasks", response_class=HTMLResponse)
def tasks_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    guide = _allowed(user)
    found = list_tasks(session, guide=guide, limit=PAGE_SIZE)
    context = {
        "user": user,
        "page": "tasks",
        "tasks": found.rows,
        "total": found.total,
        "shown": PAGE_SIZE,
        "kinds": KIND_NAMES,
        "tz": runtime.settings.tz,
        "now": runtime.clock.now(),
        "everyone": guide is None,
    }
    return templates.TemplateResponse(request, "guides.html", context)


@router.post("/console/tasks/{task_id}/complete", response_class=HTMLResponse)
async def complete(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    task_id: Annotated[int, Path(ge=1, le=2**62)],
    outcome: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    from liveloop.console.routes import templates

    guide = _allowed(user)
    await check_csrf(request, user.csrf_token)
    try:
        task = complete_task(
            session,
            task_id,
            by=user.principal.name,
            now=runtime.clock.now(),
            outcome=outcome.strip() or None,
            as_guide=guide is not None,
        )
    except GuideError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    context = {
        "task": task,
        "kinds": KIND_NAMES,
        "tz": runtime.settings.tz,
        "now": runtime.clock.now(),
        "everyone": guide is None,
    }
    return templates.TemplateResponse(request, "_task_row.html", context)
