"""What the orders facade answers: an order with its lines and refunds, a refund; reading one
order and listing them (keyset paging, newest first)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from liveloop.commerce.contracts import OrderStatus
from liveloop.commerce.models import Order, OrderItem, OrderRefund, Product
from liveloop.commerce.orders.pricing import paid_shares


@dataclass(frozen=True)
class LineView:
    line_no: int
    sku: str
    name: str
    category: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    # The line's share of what the buyer paid (the discount and points split pro rata).
    paid_amount: Decimal
    refunded_quantity: int
    refunded_amount: Decimal


@dataclass(frozen=True)
class RefundLine:
    line_no: int
    sku: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class RefundView:
    refund_no: str
    order_no: str
    amount: Decimal
    lines: tuple[RefundLine, ...]
    reason: str
    status: str
    requested_at: datetime
    settled_at: datetime | None
    source: str
    # Whether this call opened the refund (False: it existed, nothing changed).
    created: bool = False
    # Whether the order had nothing left to refund after this refund was opened.
    fully_refunded: bool = False


@dataclass(frozen=True)
class OrderView:
    order_no: str
    customer_id: int
    status: str
    channel: str
    subtotal: Decimal
    discount: Decimal
    coupon_code: str | None
    coupon_discount: Decimal
    points_used: int
    points_value: Decimal
    total: Decimal
    refunded_amount: Decimal
    live_session_id: int | None
    leader: str | None
    address: dict[str, Any] | None
    attributes: dict[str, Any]
    placed_at: datetime
    paid_at: datetime | None
    transaction_id: str | None
    paid_via: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    lines: tuple[LineView, ...]
    refunds: tuple[RefundView, ...]
    # Whether the call that answered this view created the order / changed it.
    created: bool = False
    changed: bool = False

    @property
    def refundable(self) -> Decimal:
        """What may still be refunded: paid and not yet (being) refunded."""
        if self.paid_at is None:
            return Decimal("0.00")
        return self.total - self.refunded_amount

    @property
    def partly_refunded(self) -> bool:
        return Decimal("0") < self.refunded_amount < self.total

    def said(self, *, created: bool = False, changed: bool) -> OrderView:
        return replace(self, created=created, changed=changed)


def refund_view(row: OrderRefund, order_no: str) -> RefundView:
    return RefundView(
        refund_no=row.refund_no,
        order_no=order_no,
        amount=row.amount,
        lines=tuple(
            RefundLine(int(x["line_no"]), str(x["sku"]), int(x["quantity"]), Decimal(x["amount"]))
            for x in row.lines or ()
        ),
        reason=row.reason,
        status=row.status,
        requested_at=row.requested_at,
        settled_at=row.settled_at,
        source=row.source,
    )


def order_view(session: Session, order: Order) -> OrderView:
    products = {
        p.id: p
        for p in session.scalars(
            select(Product).where(Product.id.in_({item.product_id for item in order.items}))
        )
    }
    return _view(order, products, _refunds(session, [order.id]).get(order.id, []))


def _view(order: Order, products: dict[int, Product], refunds: list[OrderRefund]) -> OrderView:
    items: list[OrderItem] = list(order.items)
    shares = paid_shares([item.amount for item in items], order.total)
    return OrderView(
        order_no=order.order_no,
        customer_id=order.customer_id,
        status=order.status,
        channel=order.channel,
        subtotal=order.subtotal,
        discount=order.discount,
        coupon_code=(order.attributes or {}).get("coupon_code"),
        coupon_discount=order.coupon_discount,
        points_used=order.points_used,
        points_value=order.points_value,
        total=order.total,
        refunded_amount=order.refunded_amount,
        live_session_id=order.live_session_id,
        leader=order.leader,
        address=order.address,
        attributes=dict(order.attributes or {}),
        placed_at=order.placed_at,
        paid_at=order.paid_at,
        transaction_id=order.transaction_id,
        paid_via=order.paid_via,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        completed_at=order.completed_at,
        cancelled_at=order.cancelled_at,
        cancel_reason=order.cancel_reason,
        lines=tuple(
            LineView(
                line_no=item.line_no,
                sku=products[item.product_id].sku,
                name=products[item.product_id].name,
                category=products[item.product_id].category,
                quantity=item.quantity,
                unit_price=item.unit_price,
                amount=item.amount,
                paid_amount=share,
                refunded_quantity=item.refunded_quantity,
                refunded_amount=item.refunded_amount,
            )
            for item, share in zip(items, shares, strict=True)
        ),
        refunds=tuple(refund_view(r, order.order_no) for r in refunds),
    )


def _refunds(session: Session, order_ids: list[int]) -> dict[int, list[OrderRefund]]:
    found: dict[int, list[OrderRefund]] = {}
    if not order_ids:
        return found
    for row in session.scalars(
        select(OrderRefund)
        .where(OrderRefund.order_id.in_(order_ids))
        .order_by(OrderRefund.requested_at, OrderRefund.id)
    ):
        found.setdefault(row.order_id, []).append(row)
    return found


def refund_of(session: Session, refund_no: str) -> RefundView | None:
    """A refund by its number (unique across orders), or None."""
    found = session.execute(
        select(OrderRefund, Order.order_no)
        .join(Order, Order.id == OrderRefund.order_id)
        .where(OrderRefund.refund_no == refund_no)
    ).one_or_none()
    return refund_view(*found) if found is not None else None


def get_order(session: Session, order_no: str) -> OrderView | None:
    """One order with its lines and refunds, or None."""
    order = session.scalars(
        select(Order).where(Order.order_no == order_no).options(selectinload(Order.items))
    ).one_or_none()
    return order_view(session, order) if order is not None else None


def orders_of(session: Session, order_nos: Collection[str]) -> dict[str, OrderView]:
    """The orders of ``order_nos`` that exist, by number (500 a query, products and refunds
    read once per chunk)."""
    numbers = sorted(set(order_nos))
    found: dict[str, OrderView] = {}
    for start in range(0, len(numbers), 500):
        orders = list(
            session.scalars(
                select(Order)
                .where(Order.order_no.in_(numbers[start : start + 500]))
                .options(selectinload(Order.items))
            )
        )
        product_ids = {item.product_id for order in orders for item in order.items}
        products = {
            p.id: p for p in session.scalars(select(Product).where(Product.id.in_(product_ids)))
        }
        refunds = _refunds(session, [o.id for o in orders])
        found.update({o.order_no: _view(o, products, refunds.get(o.id, [])) for o in orders})
    return found


@dataclass(frozen=True)
class OrderPage:
    rows: tuple[OrderView, ...]
    # Pass as ``after`` for the next page; None on the last page.
    next_after: int | None


def list_orders(
    session: Session,
    *,
    status: OrderStatus | str | None = None,
    customer_id: int | None = None,
    customer_ids: set[int] | None = None,
    since: datetime | None = None,
    limit: int = 50,
    after: int | None = None,
) -> OrderPage:
    """Orders newest first (by id), ``limit`` at a time; ``after`` is the previous page's
    ``next_after``. ``status`` ``partly_refunded`` lists orders with some but not all of their
    money back, whatever their state; ``customer_ids`` (a person and everyone merged into
    them) widens ``customer_id``."""
    query = select(Order).options(selectinload(Order.items)).order_by(Order.id.desc())
    if status == "partly_refunded":
        query = query.where(Order.refunded_amount > 0, Order.refunded_amount < Order.total)
    elif status is not None:
        query = query.where(Order.status == str(status))
    if customer_ids is not None:
        query = query.where(Order.customer_id.in_(sorted(customer_ids)))
    elif customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if since is not None:
        query = query.where(Order.placed_at >= since)
    if after is not None:
        query = query.where(Order.id < after)
    orders = list(session.scalars(query.limit(limit + 1)))
    more = len(orders) > limit
    orders = orders[:limit]
    product_ids = {item.product_id for order in orders for item in order.items}
    products = {
        p.id: p for p in session.scalars(select(Product).where(Product.id.in_(product_ids)))
    }
    refunds = _refunds(session, [o.id for o in orders])
    return OrderPage(
        rows=tuple(_view(o, products, refunds.get(o.id, [])) for o in orders),
        next_after=orders[-1].id if more and orders else None,
    )
