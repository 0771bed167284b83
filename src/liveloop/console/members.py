"""Console pages 会员 (members: tiers, growth, points, a member's ledger as an operator reads it
— "订单 SO1 退款追回 −120,余额 −80(欠 80)") and 积分 (the brand's side of the ledger, its
reconciliation, and the rules: tier thresholds, the grading window, benefits, how points are
earned, worth and expire)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from liveloop import spec
from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.console.auth import ConsoleUser
from liveloop.loyalty import events as loyalty_events
from liveloop.loyalty import service as loyalty
from liveloop.loyalty.contracts import TIERS
from liveloop.ugc import service as ugc
from liveloop.web.deps import ReadSessionDep, RuntimeDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.GUIDE, Role.ANALYST}
PAGE_SIZE = 50
# The events an interaction rule may reward, as an operator calls them.
REWARDED = {
    spec.LIVE_COMMENT_POSTED: "直播间评论",
    spec.LIVE_SHARED: "分享直播",
    spec.LIVE_LIKED: "直播点赞",
    spec.LIVE_JOINED: "进入直播间",
    spec.LIVE_REMINDER_SET: "预约直播",
    spec.GROUP_JOINED: "加入社群",
    loyalty_events.REVIEW_POSTED: "发表评价",
    loyalty_events.RECIPE_SHARED: "分享食谱",
}
OneId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


def _reader(user: ConsoleLogin) -> None:
    if user.principal.role not in READERS:
        raise HTTPException(403, "会员与积分页面仅对运营、导购、分析师开放")


def _templates() -> Any:
    from liveloop.console.routes import templates

    return templates


def signed(points: int) -> str:
    """+20, −120 (a true minus sign), 0 as an operator reads a change."""
    return f"{points:+d}".replace("-", "−") if points else "0"


def balance_text(points: int) -> str:
    """余额 −40(欠 40) when the member owes, else 余额 120."""
    return f"余额 {signed(points) if points < 0 else points}" + (
        f"(欠 {-points})" if points < 0 else ""
    )


def ledger_text(line: loyalty.LedgerLine) -> str:
    """One posting as a sentence: "订单 SO1 退款追回 −120,余额 −80(欠 80)"; a change to the
    frozen points is named as such ("订单 SO2 下单获得(冻结) 冻结 +40,余额 0")."""
    what = f"订单 {line.order_no} {line.kind_name}" if line.order_no else line.kind_name
    changes = []
    if line.available_change:
        changes.append(signed(line.available_change))
    if line.frozen_change:
        frozen = f"冻结 {signed(line.frozen_change)}"
        changes.append(f"({frozen})" if changes else frozen)
    return f"{what} {''.join(changes) or '0'},{balance_text(line.available_after)}"


@router.get("/console/members", response_class=HTMLResponse)
def members_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    tier: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    _reader(user)
    chosen = tier if tier in TIERS else None
    total, members = loyalty.list_members(
        session, runtime.clock.now(), tier=chosen, page=page, page_size=PAGE_SIZE
    )
    context = {
        "user": user,
        "page": "members",
        "members": members,
        "total": total,
        "counts": loyalty.tier_counts(session),
        "tiers": TIERS,
        "tier": chosen,
        "number": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "tz": runtime.settings.tz,
        "balance_text": balance_text,
    }
    return _templates().TemplateResponse(request, "members.html", context)


@router.get("/console/members/{oneid}", response_class=HTMLResponse)
def member_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    oneid: OneId,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    _reader(user)
    try:
        member = loyalty.member_by_oneid(session, oneid, runtime.clock.now())
    except loyalty.LoyaltyError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    ledger = loyalty.ledger_of(session, member.customer_id, page=page, page_size=PAGE_SIZE)
    context = {
        "user": user,
        "page": "members",
        "member": member,
        "ledger": ledger,
        "pages": max(1, -(-ledger.total // PAGE_SIZE)),
        "tz": runtime.settings.tz,
        "signed": signed,
        "balance_text": balance_text,
        "ledger_text": ledger_text,
        "koc": ugc.koc_score(session, member.customer_id),
    }
    return _templates().TemplateResponse(request, "member.html", context)


@router.get("/console/points", response_class=HTMLResponse)
def points_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    _reader(user)
    context = {
        "user": user,
        "page": "points",
        "overview": loyalty.points_overview(session),
        "check": loyalty.reconcile(session),
        "points_rules": loyalty.points_rules(session),
        "tier_rules": loyalty.tier_rules(session),
        "after_sales_days": runtime.settings.after_sales_days,
        "rewarded": REWARDED,
    }
    return _templates().TemplateResponse(request, "points.html", context)
