"""Console page 拼团/预售: the group-buy campaigns with their price tiers, the latest groups with
their members and state, every failed group's refunds reconciled to the fen (each member's
refund number, its state, what commerce holds) and the presales with their deposits and
balances. Operators, admins and analysts read it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from liveloop.access.contracts import Role
from liveloop.console.auth import ConsoleUser
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import (
    GROUP_STATUS_NAMES,
    REFUND_KIND_NAMES,
    REFUND_STATE_NAMES,
    GroupStatus,
)
from liveloop.presale import service as presales
from liveloop.presale.contracts import ORDER_STATUS_NAMES, PRESALE_STATUS_NAMES
from liveloop.presale.contracts import REFUND_STATE_NAMES as PRESALE_REFUND_NAMES
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR, Role.ANALYST}
GROUPS_SHOWN = 30
FAILED_SHOWN = 20


@router.get("/console/groupbuy", response_class=HTMLResponse)
def groupbuy_page(
    request: Request, user: ConsoleUser, session: ReadSessionDep, runtime: RuntimeDep
) -> Response:
    from liveloop.console.routes import templates

    if user.principal.role not in ALLOWED:
        raise HTTPException(403, "只有运营、管理员和分析师可以查看拼团与预售")
    sales = presales.list_presales(session)
    orders = {p.code: presales.orders_of(session, p.code, limit=50) for p in sales}
    buyers = {o.customer_id for found in orders.values() for o in found}
    context = {
        "user": user,
        "page": "groupbuy",
        "campaigns": groupbuy.list_campaigns(session),
        "groups": [
            g
            for g in groupbuy.list_groups(session, limit=GROUPS_SHOWN)
            if g.status != GroupStatus.FAILED
        ],
        "failed": groupbuy.reconcile_closed(session, limit=FAILED_SHOWN),
        "presales": sales,
        "presale_orders": orders,
        "oneids": profiles.oneids_of(session, buyers),
        "presale_refunds": {p.code: presales.refunds_of(session, p.code) for p in sales},
        "group_names": GROUP_STATUS_NAMES,
        "refund_names": REFUND_STATE_NAMES,
        "kind_names": REFUND_KIND_NAMES,
        "presale_names": PRESALE_STATUS_NAMES,
        "order_names": ORDER_STATUS_NAMES,
        "presale_refund_names": PRESALE_REFUND_NAMES,
        "tz": runtime.settings.tz,
        "now": runtime.clock.now(),
    }
    return templates.TemplateResponse(request, "groupbuy.html", context)
