"""Console page 分群 (segments): the saved segments, a rule builder (a JSON editor with
clickable condition presets) whose preview — count and a sample — comes back through htmx, and
saving or refreshing a segment. Operators and admins build and save; analysts look and preview
(names masked)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from liveloop import spec
from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import NO_CONTROL_CHARS, DomainError
from liveloop.segments import service
from liveloop.segments.api import MEMBER_COLUMNS
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep
from liveloop.web.downloads import respond

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST}
WRITERS = {Role.ADMIN, Role.OPERATOR}
RuleText = Annotated[str, Form(max_length=20_000)]

# Conditions an operator clicks into the rule (each is appended to the rule's "and").
PRESETS: list[tuple[str, dict[str, Any]]] = [
    ("标签 烘焙爱好者", {"type": "tag", "tag": "烘焙爱好者"}),
    ("7天内未购买", {"not": {"type": "order", "within": {"days": 7}}}),
    ("近3场直播每场看满15分钟", {"type": "live", "last": 3, "min_minutes": 15}),
    ("近3场直播以来未购买", {"not": {"type": "order", "within": {"last_lives": 3}}}),
    (
        "30天内浏览过某商品",
        {
            "type": "event",
            "name": spec.PRODUCT_VIEWED,
            "within": {"days": 30},
            "where": [{"property": "sku", "op": "eq", "value": "SKU"}],
        },
    ),
    ("30天内买过某品类", {"type": "order", "category": ["烘焙原料"], "within": {"days": 30}}),
    ("地区 广东省", {"type": "trait", "field": "province", "op": "eq", "value": "广东省"}),
    ("会员等级 金卡", {"type": "trait", "field": "member_tier", "op": "eq", "value": "金卡"}),
    ("RFM 沉睡客", {"type": "score", "field": "rfm_group", "op": "eq", "value": "沉睡客"}),
    ("流失风险 高", {"type": "score", "field": "churn_risk", "op": "eq", "value": "高"}),
    ("累计订单 ≥ 3", {"type": "counter", "field": "orders", "op": "gte", "value": 3}),
    ("同意短信营销", {"type": "consent", "channel": "sms"}),
]


def _reader(user: ConsoleLogin) -> None:
    if user.principal.role not in READERS:
        raise HTTPException(403, "only admins, operators and analysts see segments")


def _writer(user: ConsoleLogin) -> None:
    if user.principal.role not in WRITERS:
        raise HTTPException(403, "only admins and operators save segments")


def _templates() -> Any:
    from liveloop.console.routes import templates

    return templates


def _page(
    request: Request,
    user: ConsoleLogin,
    session: Any,
    runtime: Any,
    *,
    rule_text: str = "",
    name: str = "",
    description: str = "",
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "user": user,
        "page": "segments",
        "segments": service.list_segments(session),
        "presets": [(label, json.dumps(doc, ensure_ascii=False)) for label, doc in PRESETS],
        "rule_text": rule_text,
        "name": name,
        "description": description,
        "message": message,
        "error": error,
        "can_write": user.principal.role in WRITERS,
        "tz": runtime.settings.tz,
    }
    return _templates().TemplateResponse(request, "segments.html", context, status_code=status)


def _parse(rule_text: str) -> dict[str, Any]:
    try:
        doc = json.loads(rule_text)
    except json.JSONDecodeError as exc:
        raise service.RuleError(
            f"规则不是合法的 JSON(第 {exc.lineno} 行第 {exc.colno} 列)"
        ) from None
    if not isinstance(doc, dict):
        raise service.RuleError("规则必须是一个 JSON 对象")
    return doc


@router.get("/console/segments", response_class=HTMLResponse)
def segments_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    _reader(user)
    return _page(request, user, session, runtime)


@router.post("/console/segments/preview", response_class=HTMLResponse)
async def preview_fragment(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    rule: RuleText = "",
) -> Response:
    """The htmx fragment: count and sample, or why the rule is refused."""
    _reader(user)
    await check_csrf(request, user.csrf_token)
    context: dict[str, Any] = {"error": None, "result": None}
    try:
        parsed = service.parse_rule(_parse(rule))
        masked = user.principal.role not in WRITERS
        context["result"] = service.preview(session, parsed, runtime.clock.now(), 20, masked=masked)
    except service.RuleError as exc:
        context["error"] = str(exc)
    return _templates().TemplateResponse(
        request, "_segments_preview.html", context, status_code=200
    )


@router.post("/console/segments", response_class=HTMLResponse)
async def save(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=64, pattern=NO_CONTROL_CHARS)] = "",
    description: Annotated[str, Form(max_length=2_000, pattern=NO_CONTROL_CHARS)] = "",
    rule: RuleText = "",
) -> Response:
    _writer(user)
    await check_csrf(request, user.csrf_token)
    keep = {"rule_text": rule, "name": name, "description": description}
    if not name.strip():
        return _page(request, user, session, runtime, error="请填写分群名称", status=400, **keep)
    try:
        saved = service.create_segment(
            session,
            name=name.strip(),
            rule=_parse(rule),
            description=description,
            created_by=user.principal.name,
            now=runtime.clock.now(),
        )
        counts = service.refresh_memberships(session, runtime.clock.now(), saved.id)[saved.id]
    except DomainError as exc:
        return _page(request, user, session, runtime, error=str(exc), status=400, **keep)
    message = f"已保存分群「{saved.name}」,当前 {counts.members:,} 人"
    return _page(request, user, session, runtime, message=message, status=201)


@router.get("/console/segments/{segment_id}/members.{format}", response_model=None)
def export(
    segment_id: int, format: Literal["csv", "xlsx"], user: ConsoleUser, session: ReadSessionDep
) -> Response:
    """The stored members as CSV (UTF-8 with a BOM) or Excel; names masked for analysts."""
    _reader(user)
    try:
        service.get_segment(session, segment_id)
    except service.SegmentNotFound:
        raise HTTPException(404, "no such segment") from None
    masked = user.principal.role not in WRITERS
    rows = (
        {k: _cell(v) for k, v in row.items()}
        for row in service.segment_member_rows(session, segment_id, masked=masked)
    )
    exported = respond(f"segment-{segment_id}", MEMBER_COLUMNS, rows, 1, 1, format)
    assert isinstance(exported, Response)  # csv and xlsx are always files  # noqa: S101
    return exported


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@router.post("/console/segments/{segment_id}/refresh", response_class=HTMLResponse)
async def refresh(
    segment_id: int,
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    _writer(user)
    await check_csrf(request, user.csrf_token)
    try:
        counts = service.refresh_memberships(session, runtime.clock.now(), segment_id)
    except service.SegmentNotFound:
        raise HTTPException(404, "no such segment") from None
    done = counts[segment_id]
    message = f"已刷新:新进入 {done.entered:,} 人,退出 {done.exited:,} 人,当前 {done.members:,} 人"
    return _page(request, user, session, runtime, message=message)
