"""Console page 订单 (orders): the orders newest first with a status filter and pages (by
keyset), and one order's detail — its lines, its money (subtotal, coupon, points, paid,
refunded), its refunds and its moves in time order. Statuses in Chinese (待付款 … 部分退款);
the delivery address as the user's role may see personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import ConsoleLogin, mask, sees
from liveloop.commerce import service as commerce
from liveloop.commerce.contracts import OrderStatus, RefundStatus
from liveloop.console.auth import ConsoleUser
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep

router = APIRouter(include_in_schema=False)

ALLOWED = {Role.ADMIN, Role.OPERATOR, Role.GUIDE, Role.ANALYST}
PAGE_SIZE = 50
FILTERS = [
    ("", "全部"),
    *((status.value, commerce.STATUS_LABELS[status]) for status in OrderStatus),
    ("partly_refunded", "部分退款"),
]
REFUND_LABELS: dict[str, str] = {
    RefundStatus.REQUESTED: "退款中",
    RefundStatus.SUCCEEDED: "已退款",
    RefundStatus.FAILED: "退款失败",
}
CHANNELS = {"miniapp": "小程序", "live": "直播", "wecom": "企微", "api": "接口", "import": "导入"}


@dataclass(frozen=True)
class Move:
    at: datetime
    what: str
    detail: str


def _allowed(user: ConsoleLogin) -> None:
    if user.principal.role not in ALLOWED:
        raise HTTPException(403, "只有管理员、运营、导购和分析师可以查看订单")


def moves(order: commerce.OrderView) -> list[Move]:
    """What happened to the order, oldest first."""
    shipment = order.attributes.get("shipment") or {}
    found = [
        Move(order.placed_at, "下单", f"应付 ¥{order.total:,.2f}"),
        *(
            [Move(order.paid_at, "付款", f"交易号 {order.transaction_id or '—'}")]
            if order.paid_at
            else []
        ),
        *(
            [
                Move(
                    order.shipped_at,
                    "发货",
                    " ".join(
                        str(v) for v in (shipment.get("carrier"), shipment.get("tracking_no")) if v
                    ),
                )
            ]
            if order.shipped_at
            else []
        ),
        *([Move(order.delivered_at, "送达", "")] if order.delivered_at else []),
        *([Move(order.completed_at, "确认收货", "")] if order.completed_at else []),
        *(
            [Move(order.cancelled_at, "取消", order.cancel_reason or "")]
            if order.cancelled_at
            else []
        ),
    ]
    for refund in order.refunds:
        found.append(
            Move(
                refund.requested_at,
                "申请退款",
                f"{refund.refund_no} ¥{refund.amount:,.2f} {refund.reason}",
            )
        )
        if refund.settled_at is not None:
            found.append(
                Move(
                    refund.settled_at,
                    REFUND_LABELS.get(refund.status, refund.status),
                    refund.refund_no,
                )
            )
    return sorted(found, key=lambda m: m.at)


def shown_address(address: dict[str, Any] | None, role: Role) -> str:
    if not address:
        return "—"
    name = str(address.get("name") or "")
    phone = str(address.get("phone") or "")
    if name and not sees(role, PiiField.NAME):
        name = mask("name", name)
    if phone and not sees(role, PiiField.PHONE):
        phone = mask("phone", phone)
    place = [address.get("province"), address.get("city")]
    if sees(role, PiiField.ADDRESS):
        place += [address.get("district"), address.get("detail")]
    else:
        place.append("***")
    return " ".join(p for p in (name, phone, "".join(str(x) for x in place if x)) if p)


@router.get("/console/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    status: Annotated[str, Query(max_length=20)] = "",
    after: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    from liveloop.console.routes import templates

    _allowed(user)
    if status not in {value for value, _ in FILTERS}:
        status = ""
    page = commerce.list_orders(session, status=status or None, limit=PAGE_SIZE, after=after)
    context = {
        "user": user,
        "page": "orders",
        "orders": page.rows,
        "next_after": page.next_after,
        "first_page": after is None,
        "status": status,
        "filters": FILTERS,
        "label": commerce.status_label,
        "channels": CHANNELS,
        "oneids": profiles.oneids_of(session, {o.customer_id for o in page.rows}),
        "tz": runtime.settings.tz,
    }
    return templates.TemplateResponse(request, "orders.html", context)


@router.get("/console/orders/{order_no}", response_class=HTMLResponse)
def order_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    order_no: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")],
) -> Response:
    from liveloop.console.routes import templates

    _allowed(user)
    order = commerce.get_order(session, order_no)
    if order is None:
        raise HTTPException(404, f"没有订单 {order_no}")
    context = {
        "user": user,
        "page": "orders",
        "order": order,
        "label": commerce.status_label(order),
        "channel": CHANNELS.get(order.channel, order.channel),
        "oneid": profiles.oneids_of(session, [order.customer_id]).get(order.customer_id, ""),
        "address": shown_address(order.address, user.principal.role),
        "moves": moves(order),
        "refund_labels": REFUND_LABELS,
        "tz": runtime.settings.tz,
    }
    return templates.TemplateResponse(request, "order.html", context)
