"""An order's moves after placing: pay, ship, deliver, confirm (确认收货), cancel; and the
timeouts that make two of them happen by themselves (unpaid orders cancelled, delivered
orders confirmed).

Every move is idempotent — asked again, it changes nothing and says so (``changed=False``) —
and is a guarded UPDATE (``… WHERE status = 'from'``) after the order's row is locked, so of two
concurrent moves exactly one wins. A move the order's state forbids is an ``OrderConflict``
(409) naming the state in Chinese.

    created ──pay──> paid ──ship──> shipped ──deliver──> delivered ──confirm──> completed
       │              │                 └───────────────confirm──────────────────┘
       └──cancel──> cancelled <──cancel (refunds in full)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from liveloop.commerce import events
from liveloop.commerce.contracts import OrderStatus
from liveloop.commerce.coupons.redemption import restore_for_refund
from liveloop.commerce.models import Order, Product
from liveloop.commerce.orders.errors import OrderConflict, OrderRefused, PaidElsewhere
from liveloop.commerce.orders.refunds import lock_order, refund_in_full
from liveloop.commerce.orders.views import OrderView, order_view
from liveloop.inventory import service as inventory
from liveloop.store.base import to_money

STATUS_LABELS: dict[str, str] = {
    OrderStatus.CREATED: "待付款",
    OrderStatus.PAID: "已付款",
    OrderStatus.SHIPPED: "已发货",
    OrderStatus.DELIVERED: "已送达",
    OrderStatus.COMPLETED: "已完成",
    OrderStatus.CANCELLED: "已取消",
    OrderStatus.REFUNDED: "已退款",
}
# The main line, in order: a move to a state the order is already past changes nothing.
LINE = (
    OrderStatus.CREATED,
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


def status_label(order: OrderView) -> str:
    """How the console names the order's state: 部分退款 while part of it is refunded."""
    if order.partly_refunded and order.status not in (OrderStatus.CANCELLED,):
        return f"{STATUS_LABELS.get(order.status, order.status)}·部分退款"
    return STATUS_LABELS.get(order.status, order.status)


def _label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _move(session: Session, order: Order, came_from: str, to: OrderStatus, **values: Any) -> None:
    guards = [Order.id == order.id, Order.status == came_from]
    if "paid_at" in values:
        guards.append(Order.paid_at.is_(None))  # one payment per order
    moved = session.execute(
        update(Order)
        .where(*guards)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise OrderConflict(f"{order.order_no}: 订单刚被改动,请重试 (the order just changed)")
    session.expire(order)


def _past(order: Order, target: OrderStatus) -> bool:
    """Whether the order is at ``target`` or beyond it on the main line."""
    return order.status in LINE and LINE.index(OrderStatus(order.status)) >= LINE.index(target)


def _refuse(order: Order, move: str) -> OrderConflict:
    return OrderConflict(
        f"{order.order_no}: 订单{_label(order.status)},不能{move} "
        f"(the order is {order.status}; cannot {move})"
    )


def pay_order(
    session: Session,
    order_no: str,
    *,
    amount: Decimal,
    transaction_id: str,
    paid_at: datetime,
    source: str,
    announce: bool = True,
) -> OrderView:
    """Record the payment of ``order_no``: ``amount`` must be its total to the fen (409,
    nothing changed). Paid again by the same transaction: unchanged; by another: 409. A
    payment for a cancelled order is recorded and refunded in full at once (refund number =
    the order number), so the buyer gets the money back. ``announce=False`` logs no
    ``Order Completed`` (a ledger source whose own event already is the fact)."""
    if not transaction_id or len(transaction_id) > 64:
        raise OrderRefused(f"{order_no}: 交易号须为 1–64 个字符 (transaction_id: 1-64 chars)")
    order = lock_order(session, order_no)
    amount = to_money(amount)
    if order.paid_at is not None:
        if order.transaction_id == transaction_id:
            return order_view(session, order).said(changed=False)
        raise PaidElsewhere(
            f"{order_no}: 订单已由另一笔交易付款 (already paid by another transaction)"
        )
    if order.status not in (OrderStatus.CREATED, OrderStatus.CANCELLED):
        raise _refuse(order, "付款")
    if amount != order.total:
        raise OrderConflict(
            f"{order_no}: 付款金额 ¥{amount} 与应付 ¥{order.total} 不符 "
            "(the amount paid is not the order's total)"
        )
    paid = {"paid_at": paid_at, "transaction_id": transaction_id, "paid_via": source[:64]}
    came_from = order.status
    _move(
        session,
        order,
        came_from,
        OrderStatus.PAID if came_from == OrderStatus.CREATED else OrderStatus.CANCELLED,
        **paid,
    )
    if announce:
        announce_paid(session, order, source=source)
    if came_from == OrderStatus.CANCELLED:
        refund_in_full(
            session,
            order,
            refund_no=order_no,
            reason="订单已取消,付款原路退回 (paid after it was cancelled)",
            at=paid_at,
            source=source,
            settled=False,
            final_status=OrderStatus.CANCELLED,
        )
    return order_view(session, order).said(changed=True)


def announce_paid(session: Session, order: Order, *, source: str) -> None:
    """``Order Completed``, the paid fact, exactly as recorded orders always logged it."""
    if order.paid_at is None:
        raise ValueError(f"{order.order_no} is not paid")
    products = {
        pid: (sku, category)
        for pid, sku, category in session.execute(
            select(Product.id, Product.sku, Product.category).where(
                Product.id.in_({i.product_id for i in order.items})
            )
        )
    }
    events.order_completed(
        session,
        at=order.paid_at,
        source=source,
        order_no=order.order_no,
        customer_id=order.customer_id,
        total=order.total,
        discount=order.discount,
        channel=order.channel,
        products=[
            events.OrderedProduct(
                products[i.product_id][0], i.quantity, i.unit_price, products[i.product_id][1]
            )
            for i in order.items
        ],
        coupon_code=(order.attributes or {}).get("coupon_code"),
    )


def ship_order(
    session: Session,
    order_no: str,
    *,
    at: datetime,
    source: str,
    carrier: str | None = None,
    tracking_no: str | None = None,
) -> OrderView:
    """paid → shipped (a partly refunded order ships what is left)."""
    order = lock_order(session, order_no)
    if _past(order, OrderStatus.SHIPPED):
        return order_view(session, order).said(changed=False)
    if order.status != OrderStatus.PAID:
        raise _refuse(order, "发货")
    shipment = {"carrier": carrier, "tracking_no": tracking_no}
    inventory.pick(session, order_no, at=at)  # the units held for it leave the warehouse
    _move(
        session,
        order,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        shipped_at=at,
        attributes={**(order.attributes or {}), "shipment": shipment},
    )
    events.order_shipped(
        session,
        at=at,
        source=source,
        order_no=order_no,
        customer_id=order.customer_id,
        carrier=carrier,
        tracking_no=tracking_no,
    )
    return order_view(session, order).said(changed=True)


def deliver_order(session: Session, order_no: str, *, at: datetime, source: str) -> OrderView:
    """shipped → delivered."""
    order = lock_order(session, order_no)
    if _past(order, OrderStatus.DELIVERED):
        return order_view(session, order).said(changed=False)
    if order.status != OrderStatus.SHIPPED:
        raise _refuse(order, "送达")
    _move(session, order, OrderStatus.SHIPPED, OrderStatus.DELIVERED, delivered_at=at)
    events.order_delivered(
        session, at=at, source=source, order_no=order_no, customer_id=order.customer_id
    )
    return order_view(session, order).said(changed=True)


def confirm_order(
    session: Session, order_no: str, *, at: datetime, source: str, by: str = "buyer"
) -> OrderView:
    """shipped or delivered → completed: the buyer confirms receipt (确认收货), or ``by="auto"``
    the confirmation window after delivery closed."""
    order = lock_order(session, order_no)
    if order.status == OrderStatus.COMPLETED:
        return order_view(session, order).said(changed=False)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise _refuse(order, "确认收货")
    _move(session, order, order.status, OrderStatus.COMPLETED, completed_at=at)
    events.order_confirmed(
        session, at=at, source=source, order_no=order_no, customer_id=order.customer_id, by=by
    )
    return order_view(session, order).said(changed=True)


def cancel_order(
    session: Session, order_no: str, *, reason: str, at: datetime, source: str
) -> OrderView:
    """created → cancelled (its coupon goes back); paid and not shipped → cancelled with what
    was paid refunded in full (refund number = the order number). Shipped orders are refunded,
    not cancelled."""
    order = lock_order(session, order_no)
    if order.status == OrderStatus.CANCELLED:
        return order_view(session, order).said(changed=False)
    if order.status not in (OrderStatus.CREATED, OrderStatus.PAID):
        raise _refuse(order, "取消")
    was_paid = order.status == OrderStatus.PAID
    refund = None
    if was_paid:
        refund = refund_in_full(
            session,
            order,
            refund_no=order_no,
            reason=reason,
            at=at,
            source=source,
            settled=False,
            final_status=OrderStatus.CANCELLED,
        )
        session.refresh(order)
    if order.status != OrderStatus.CANCELLED:
        _move(
            session,
            order,
            order.status,
            OrderStatus.CANCELLED,
            cancelled_at=at,
            cancel_reason=reason[:200],
        )
    else:
        session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(cancelled_at=at, cancel_reason=reason[:200])
            .execution_options(synchronize_session=False)
        )
        session.expire(order)
    if not was_paid:
        restore_for_refund(session, order_no, at, source)
    inventory.release(session, order_no, at=at)  # the units held for it are sellable again
    events.order_cancelled(
        session,
        at=at,
        source=source,
        order_no=order_no,
        customer_id=order.customer_id,
        reason=reason,
        was_paid=was_paid,
        refund_no=refund.refund_no if refund is not None else None,
        points=order.points_used,
    )
    return order_view(session, order).said(changed=True)


def unpaid_before(session: Session, cutoff: datetime, limit: int) -> list[str]:
    """Order numbers still waiting for payment since before ``cutoff``, oldest first."""
    return list(
        session.scalars(
            select(Order.order_no)
            .where(Order.status == OrderStatus.CREATED, Order.placed_at < cutoff)
            .order_by(Order.placed_at)
            .limit(limit)
        )
    )


def delivered_before(session: Session, cutoff: datetime, limit: int) -> list[str]:
    """Order numbers delivered before ``cutoff`` and not yet confirmed, oldest first."""
    return list(
        session.scalars(
            select(Order.order_no)
            .where(Order.status == OrderStatus.DELIVERED, Order.delivered_at < cutoff)
            .order_by(Order.delivered_at)
            .limit(limit)
        )
    )
