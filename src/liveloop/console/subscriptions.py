"""Console page 订阅 (subscriptions): the plans on sale with their subscribers, the
subscriptions with their next cycle and state, the charges that failed and wait for their
retry, and the paid memberships with their deliveries used and left. Read-only: customers
change their subscriptions from the mini-program, operators through ``/v1/subscriptions``.

Admins, operators, guides and analysts; customers appear by OneID, never by phone.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveloop.access.contracts import Role
from liveloop.console.auth import ConsoleUser
from liveloop.subscriptions import service
from liveloop.subscriptions.contracts import (
    Cadence,
    CycleStatus,
    MembershipStatus,
    PauseReason,
    SubscriptionState,
)
from liveloop.web.deps import ReadSessionDep, RuntimeDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR, Role.GUIDE, Role.ANALYST}
CADENCE_NAMES = {Cadence.WEEKLY: "每周", Cadence.BIWEEKLY: "每两周", Cadence.MONTHLY: "每月"}
STATE_NAMES = {
    SubscriptionState.ACTIVE: "生效中",
    SubscriptionState.PAUSED: "已暂停",
    SubscriptionState.CANCELLED: "已取消",
    SubscriptionState.ENDED: "已完成",
}
PAUSE_NAMES = {PauseReason.CUSTOMER: "顾客暂停", PauseReason.PAYMENT_FAILED: "扣款失败"}
CYCLE_NAMES = {
    CycleStatus.SKIPPED: "已跳过",
    CycleStatus.AWAITING_PAYMENT: "待支付",
    CycleStatus.PAID: "已支付",
    CycleStatus.FAILED: "扣款失败",
    CycleStatus.CANCELLED: "已撤销",
    CycleStatus.REFUNDED: "已退款",
}
MEMBERSHIP_NAMES = {
    MembershipStatus.ACTIVE: "有效",
    MembershipStatus.EXPIRED: "已到期",
    MembershipStatus.REFUNDED: "已退款",
}
SHOWN = 200


@router.get("/console/subscriptions", response_class=HTMLResponse)
def subscriptions_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    context: dict[str, Any] = {"user": user, "page": "subscriptions"}
    if user.principal.role not in ALLOWED:
        context["forbidden"] = True
        return templates.TemplateResponse(request, "subscriptions.html", context, status_code=403)
    subscriptions = service.list_subscriptions(session, limit=SHOWN)
    context.update(
        {
            "tz": runtime.settings.tz,
            "plans": service.list_plans(session),
            "subscriptions": subscriptions,
            "counts": {
                state: sum(1 for s in subscriptions if s.state == state) for state in STATE_NAMES
            },
            "retries": service.awaiting_retry(session),
            "membership_plans": service.list_membership_plans(session),
            "memberships": service.list_memberships(session, limit=SHOWN),
            "cadences": CADENCE_NAMES,
            "states": STATE_NAMES,
            "pauses": PAUSE_NAMES,
            "cycle_names": CYCLE_NAMES,
            "membership_names": MEMBERSHIP_NAMES,
            "shown": SHOWN,
        }
    )
    return templates.TemplateResponse(request, "subscriptions.html", context)
