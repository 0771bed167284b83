"""Console page 直播复盘 (the post-live report): a show's per-minute curves with the host's
actions marked, the per-product funnel, 讲解 ranked by GPM, the questions answered and missed,
complaints, the high-intent viewers who did not buy, ROI, clip candidates and the follow-up
audiences (each a segment, linked). ``?print=1`` is the printable page (Chromium prints it to
PDF as it stands). Operators remake a report; hosts read their own rooms' reports."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.live import service as lives
from liveloop.live.contracts import FOLLOW_UP_NAMES, FollowUp
from liveloop.segments import service as segments
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST, Role.HOST}
EDITORS = {Role.ADMIN, Role.OPERATOR}
LiveId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ASPECT_NAMES = {
    "price": "价格",
    "taste": "口味",
    "health": "健康",
    "logistics": "物流",
    "freshness": "新鲜度",
    "packaging": "包装",
    "usage": "吃法",
    "stock": "库存",
    "origin": "产地",
    "none": "其他",
}
CLIP_REASONS = {"comments": "评论高峰", "gmv": "成交高峰", "explaining": "讲解片段"}


def _reader(user: ConsoleLogin) -> None:
    if user.principal.role not in READERS:
        raise HTTPException(403, "只有运营、主播和分析师可以查看直播复盘")


@router.get("/console/live/{live_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    live_id: LiveId,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    print_: Annotated[bool, Query(alias="print")] = False,
) -> Response:
    from liveloop.console.routes import templates

    _reader(user)
    report = lives.report_of(session, live_id)
    if report is None:
        raise HTTPException(404, "这场直播还没有复盘报告（直播结束后自动生成）")
    tz = runtime.settings.tz
    doc = report.document
    context = {
        "user": user,
        "page": "live",
        "doc": doc,
        "made_at": report.made_at.astimezone(tz),
        "printing": print_,
        "editor": user.principal.role in EDITORS,
        "aspects": ASPECT_NAMES,
        "clip_reasons": CLIP_REASONS,
        "local": lambda at: datetime.fromtimestamp(at, UTC).astimezone(tz).strftime("%H:%M"),
        "iso_local": lambda text: (
            datetime.fromisoformat(text).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        ),
        "curve_chart": _curve_chart(doc, tz),
        "sentiment_chart": _sentiment_chart(doc, tz),
        "audiences": _audiences(session, live_id, doc),
        "missed_percent": round(doc["questions"]["missed_rate"] * 100, 1),
    }
    return templates.TemplateResponse(request, "live_report.html", context)


@router.post("/console/live/{live_id}/report", response_class=HTMLResponse)
async def remake(
    request: Request, live_id: LiveId, user: ConsoleUser, session: SessionDep, runtime: RuntimeDep
) -> Response:
    if user.principal.role not in EDITORS:
        raise HTTPException(403, "只有运营可以重新生成复盘")
    await check_csrf(request, user.csrf_token)
    try:
        lives.make_report(session, live_id, runtime.clock.now(), lives.shelf_of)
    except lives.ReportNotReady:
        raise HTTPException(409, "直播尚未结束，不能生成复盘") from None
    return RedirectResponse(f"/console/live/{live_id}/report", status_code=303)


def _curve_chart(doc: dict[str, Any], tz: Any) -> dict[str, Any]:
    labels = [
        datetime.fromtimestamp(row["at"], UTC).astimezone(tz).strftime("%H:%M")
        for row in doc["curve"]
    ]
    markers = [
        {
            "label": marker["label"],
            "at": datetime.fromtimestamp(marker["at"] - marker["at"] % 60, UTC)
            .astimezone(tz)
            .strftime("%H:%M"),
        }
        for marker in doc["markers"]
    ]
    return {
        "labels": labels,
        "online": [row["online"] for row in doc["curve"]],
        "comments": [row["comments"] for row in doc["curve"]],
        "gmv": [float(Decimal(row["gmv"])) for row in doc["curve"]],
        "markers": markers,
    }


def _sentiment_chart(doc: dict[str, Any], tz: Any) -> dict[str, Any]:
    return {
        "labels": [
            datetime.fromtimestamp(row["at"], UTC).astimezone(tz).strftime("%H:%M")
            for row in doc["curve"]
        ],
        "positive": [row["positive"] for row in doc["curve"]],
        "neutral": [row["neutral"] for row in doc["curve"]],
        "negative": [row["negative"] for row in doc["curve"]],
    }


def _audiences(session: Any, live_id: int, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each follow-up audience with its size and, once segments has saved it, its segment."""
    saved = {
        s.origin["follow_up"]: s
        for s in segments.list_segments(session)
        if s.origin and s.origin.get("live_session_id") == live_id
    }
    sizes = doc.get("audiences", {})
    return [
        {
            "name": FOLLOW_UP_NAMES[audience],
            "size": sizes.get(audience.value, 0),
            "segment": saved.get(audience.value),
        }
        for audience in FollowUp
    ]
