"""Console page 旅程 (journeys): every journey with its people and conversions, the built-in
journeys an operator switches on with one click, and per journey its flow — each step with
the people who reached it and what its messages did — plus A/B variants against the control
group. Operators and admins act (switch on, pause, resume); analysts read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import DomainError
from liveloop.journeys import service as journeys
from liveloop.journeys.contracts import JourneyStatus
from liveloop.journeys.service import END, KEY, JourneyDefinition, journey_metrics
from liveloop.segments import events as segment_events
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST}
EDITORS = {Role.ADMIN, Role.OPERATOR}
Key = Annotated[str, Path(pattern=KEY)]
STATUS_NAMES = {
    JourneyStatus.DRAFT: "草稿",
    JourneyStatus.ACTIVE: "运行中",
    JourneyStatus.PAUSED: "已暂停",
    JourneyStatus.ARCHIVED: "已归档",
    "off": "未开启",  # a built-in not switched on yet
}
STEP_NAMES = {
    "send": "发送消息",
    "coupon": "发券",
    "tag": "打标签",
    "task": "导购任务",
    "webhook": "Webhook",
    "set_trait": "设置属性",
    "wait": "等待",
    "wait_until": "等到时刻",
    "wait_for_event": "等待事件",
    "branch": "条件分支",
    "split": "A/B 分流",
    "exit": "退出",
}
TRIGGER_NAMES = {
    "date": "日期触发",
    "schedule": "定时触发",
    "calendar": "营销日历触发",
    segment_events.SEGMENT_ENTERED: "进入分群",
}


def _reader(user: ConsoleLogin) -> bool:
    """Whether the user may also act; raises 403 for roles that may not even look."""
    if user.principal.role not in READERS:
        raise HTTPException(403, "journeys are for operators, analysts and admins")
    return user.principal.role in EDITORS


def _editor(user: ConsoleLogin) -> None:
    if not _reader(user):
        raise HTTPException(403, "only operators and admins change journeys")


@router.get("/console/journeys", response_class=HTMLResponse)
def journeys_page(request: Request, user: ConsoleUser, session: ReadSessionDep) -> Response:
    from liveloop.console.routes import templates

    editor = _reader(user)
    rows = []
    for info in journeys.list_journeys(session):
        metrics = journey_metrics(session, info.id)
        rows.append({"info": info, "metrics": metrics})
    context = {
        "user": user,
        "page": "journeys",
        "rows": rows,
        "builtins": journeys.list_builtins(session),
        "editor": editor,
        "status_names": STATUS_NAMES,
        "trigger_names": TRIGGER_NAMES,
    }
    return templates.TemplateResponse(request, "journeys.html", context)


@router.get("/console/journeys/{key}", response_class=HTMLResponse)
def journey_page(
    request: Request, key: Key, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    editor = _reader(user)
    try:
        info = journeys.get_journey(session, key)
    except DomainError as exc:
        raise HTTPException(404, str(exc)) from None
    definition = JourneyDefinition.model_validate(journeys.journey_definition(session, key))
    metrics = journey_metrics(session, info.id)
    by_step = {step.step: step for step in metrics.steps}
    context = {
        "user": user,
        "page": "journeys",
        "info": info,
        "definition": definition,
        "flow": [_box(definition, step, by_step.get(step.id)) for step in definition.steps],
        "metrics": metrics,
        "editor": editor,
        "status_names": STATUS_NAMES,
        "tz": runtime.settings.tz,
    }
    return templates.TemplateResponse(request, "journey.html", context)


def _box(definition: JourneyDefinition, step: Any, metrics: Any) -> dict[str, Any]:
    """One step of the flow as the page draws it: what it does, where it goes, its counts."""
    goes = [t for t in step.targets()] or [definition.after(step.id)]
    what = {
        "send": lambda: f"{step.channel} · {step.template}",
        "coupon": lambda: step.template,
        "tag": lambda: " ".join([*(f"+{t}" for t in step.add), *(f"-{t}" for t in step.remove)]),
        "task": lambda: step.title,
        "wait": lambda: step.duration,
        "wait_until": lambda: step.at,
        "wait_for_event": lambda: f"{step.event}(最长 {step.timeout})",
        "split": lambda: " / ".join(f"{v.name} {v.percent}%" for v in step.variants),
        "webhook": lambda: step.event_type,
    }.get(step.type, lambda: "")()
    return {
        "id": step.id,
        "kind": STEP_NAMES.get(step.type, step.type),
        "what": what,
        "goes": ["结束" if t == END else t for t in goes],
        "metrics": metrics,
    }


@router.post("/console/journeys/builtins/{key}")
async def switch_on(
    request: Request, key: Key, user: ConsoleUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    _editor(user)
    await check_csrf(request, user.csrf_token)
    try:
        journeys.switch_on(session, key, by=user.principal.name, now=runtime.clock.now())
    except DomainError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return RedirectResponse(f"/console/journeys/{key}", status_code=303)


@router.post("/console/journeys/{key}/{action}")
async def change(
    request: Request,
    key: Key,
    action: Annotated[str, Path(pattern=r"^(activate|pause)$")],
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    _editor(user)
    await check_csrf(request, user.csrf_token)
    try:
        journeys.change_status(session, key, action, runtime.clock.now())  # type: ignore[arg-type]
    except DomainError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return RedirectResponse(f"/console/journeys/{key}", status_code=303)
