"""Console page 内容社区 (UGC审核): the moderation queue with approve and reject (a reason from
the usual ones or the moderator's own words), the polls with their results, the honours, the
top KOCs and the latest published recipes. Operators (and admins) moderate; analysts read."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import sees
from liveloop.commerce import service as commerce
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import chinese_part
from liveloop.profiles import service as profiles
from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import (
    FLAG_NAMES,
    KIND_NAMES,
    KOC_THRESHOLD,
    REJECT_REASONS,
    STATUS_NAMES,
    UgcError,
    UgcKind,
    UgcStatus,
)
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST}
MODERATORS = {Role.ADMIN, Role.OPERATOR}
QUEUE_SHOWN = 50
KOCS_SHOWN = 20
# What the console says back after a decision (?done=…), never a raw code.
DONE = {"approved": "已通过，内容已公开", "rejected": "已驳回，作者会看到驳回原因"}
COUNT_NAMES = {
    "converted": "邀请成交",
    "referred": "邀请到访",
    "approved_recipes": "发布食谱",
    "likes_received": "获赞",
    "approved_reviews": "发布评价",
    "submitted": "近期投稿",
    "votes": "投票",
    "likes_given": "点赞",
    "shares": "分享",
    "comments": "直播评论",
}


@router.get("/console/ugc", response_class=HTMLResponse)
def ugc_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    from liveloop.console.routes import templates

    if user.principal.role not in READERS:
        raise HTTPException(403, "只有运营、管理员和分析师可以查看内容社区")
    queue = ugc.moderation_queue(session, limit=QUEUE_SHOWN)
    recipes = ugc.list_items(session, kind=UgcKind.RECIPE, status=UgcStatus.APPROVED, limit=10)
    reviews = ugc.list_items(session, kind=UgcKind.REVIEW, status=UgcStatus.APPROVED, limit=10)
    kocs = ugc.top_kocs(session, KOCS_SHOWN)
    honours = ugc.list_honours(session, limit=30)
    people = {i.customer_id for i in [*queue, *recipes, *reviews]}
    people |= {k.customer_id for k in kocs} | {h.customer_id for h in honours}
    skus = {s for i in [*queue, *recipes, *reviews] for s in (*i.skus, i.sku) if s}
    whole = sees(user.principal.role, PiiField.PHONE)
    context = {
        "user": user,
        "page": "ugc",
        "queue": queue,
        "flagged": sum(1 for i in queue if i.flags),
        "recipes": recipes,
        "reviews": reviews,
        "polls": ugc.list_polls(session),
        "honours": honours,
        "kocs": kocs,
        "koc_count": sum(1 for k in kocs if k.recognised),
        "threshold": KOC_THRESHOLD,
        "oneids": profiles.oneids_of(session, people),
        "products": {p.sku: p.name for p in commerce.products_by_sku(session, skus).values()},
        "text": (lambda body: body) if whole else ugc.mask_phones,
        "kind_names": KIND_NAMES,
        "status_names": STATUS_NAMES,
        "flag_names": FLAG_NAMES,
        "count_names": COUNT_NAMES,
        "reasons": REJECT_REASONS,
        "moderates": user.principal.role in MODERATORS,
        "done": DONE.get(done or ""),
        "error": error if error and len(error) <= 200 else None,
        "tz": runtime.settings.tz,
        "now": runtime.clock.now(),
    }
    return templates.TemplateResponse(request, "ugc.html", context)


@router.post("/console/ugc/items/{item_id}/{decision}")
async def decide(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    item_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    decision: Annotated[str, Path(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=200)] = "",
    other: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if user.principal.role not in MODERATORS:
        raise HTTPException(403, "只有运营和管理员可以审核内容")
    await check_csrf(request, user.csrf_token)
    now, by = runtime.clock.now(), user.principal.name
    try:
        if decision == "approve":
            ugc.approve(session, item_id, by=by, at=now)
        else:
            ugc.reject(session, item_id, by=by, reason=(other.strip() or reason), at=now)
    except UgcError as exc:
        if exc.status == 404:
            raise HTTPException(404, "没有这条内容") from None
        return RedirectResponse(f"/console/ugc?error={quote(chinese_part(exc))}", status_code=303)
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/console/ugc?done={done}", status_code=303)
