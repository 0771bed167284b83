"""Console page 直播中控 (the host console): one show, pushed over the room's SSE stream
(``/v1/live/rooms/{room}/stream``), with the one-click actions (push a coupon or 福袋, start or
stop 讲解, shelf on/off, answer a question cluster) and the hand-off of a high-intent viewer to a
guide as a task. Hosts and 场控 open only their rooms' shows; operators and admins every show.
Actions are posted as JSON with the session's CSRF token and answer JSON with a Chinese reason
when refused, so the page can say why."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import NO_CONTROL_CHARS, DomainError
from liveloop.guides import service as guides
from liveloop.live import service as lives
from liveloop.live.contracts import ActionKind
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR, Role.HOST}
LiveId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_BODY = 16_384
HANDOFF_DUE = timedelta(hours=4)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ActionKind
    target: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)] | None
    detail: dict[str, Any] = Field(default_factory=dict, max_length=10)
    key: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    viewer: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]


def _show(session: Any, user: ConsoleLogin, live_id: int) -> lives.ShowView:
    if user.principal.role not in ALLOWED:
        raise HTTPException(403, "只有主播、场控和运营可以进入直播中控")
    try:
        return lives.get_show(session, live_id, lives.rooms_of(session, user.principal))
    except lives.UnknownShow:
        raise HTTPException(404, "没有这场直播，或这场直播不归你负责") from None


@router.get("/console/live/{live_id}/host", response_class=HTMLResponse)
def host_page(
    request: Request, live_id: LiveId, user: ConsoleUser, session: ReadSessionDep
) -> Response:
    from liveloop.console.routes import templates

    show = _show(session, user, live_id)
    shelf = [
        {
            "sku": item.sku,
            "name": item.name,
            "live_price": str(item.live_price),
            "stock": item.stock,
            "on_shelf": item.on_shelf,
        }
        for item in lives.shelf_of(session, live_id)
    ]
    offers = [
        {
            "id": offer.id,
            "kind": offer.kind.value,
            "title": offer.title,
            "target": offer.coupon_template or offer.prize_sku or str(offer.id),
        }
        for offer in lives.offers_of(session, live_id)
    ]
    context = {
        "user": user,
        "page": "live",
        "show": show,
        "room_name": lives.room_name(session, show.room),
        "shelf": shelf,
        "offers": offers,
    }
    return templates.TemplateResponse(request, "live_host.html", context)


async def _json(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise HTTPException(413, "请求内容太大")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise HTTPException(422, f"请求内容有误（{where}: {first['msg']}）") from None


@router.post("/console/live/{live_id}/actions")
async def take_action(
    request: Request,
    live_id: LiveId,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    show = _show(session, user, live_id)
    await check_csrf(request, user.csrf_token)
    body: ActionIn = await _json(request, ActionIn)
    try:
        action = lives.take_action(
            session,
            room=show.room,
            live_session_id=live_id,
            kind=body.kind,
            target=body.target,
            detail=body.detail,
            by=user.principal.name,
            key=f"console:{body.key}",
            now=runtime.clock.now(),
        )
    except DomainError as exc:
        return JSONResponse({"message": str(exc)}, status_code=exc.status)
    return JSONResponse({"id": action.id, "kind": action.kind.value, "status": "ok"})


@router.post("/console/live/{live_id}/handoff")
async def hand_to_guide(
    request: Request,
    live_id: LiveId,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """A high-intent viewer handed to their guide (the team pool) as a follow-up task, once per
    show and person."""
    show = _show(session, user, live_id)
    await check_csrf(request, user.csrf_token)
    body: HandoffIn = await _json(request, HandoffIn)
    now = runtime.clock.now()
    try:
        task = guides.create_task(
            session,
            customer_id=body.customer_id,
            title=f"直播高意向客户跟进：{show.title}",
            body=(
                f"这位观众在直播《{show.title}》里问了价格、点了商品、看了 3 分钟以上还没付款，"
                "请尽快在企微里联系，解答疑问并引导下单。"
            ),
            kind="follow_up",
            due_at=now + HANDOFF_DUE,
            now=now,
            idempotency_key=f"live-handoff:{live_id}:{body.customer_id}",
            origin={"live_session_id": live_id, "by": user.principal.name},
        )
    except DomainError as exc:
        return JSONResponse({"message": str(exc)}, status_code=exc.status)
    return JSONResponse({"task_id": task, "status": "ok"})
