"""Refunds: money of a paid order going back, by lines and/or amount, each a row numbered by
its ``refund_no`` (the provider's ``out_refund_no``), and settling it when the provider
answers.

Invariants: a refund never takes the order's ``refunded_amount`` above its ``total`` (a guarded
UPDATE, exact to the fen); a line's refunds never exceed its quantity nor its paid share
(``pricing.paid_shares``); the same ``refund_no`` again changes nothing. The order is
``refunded`` once nothing is left to refund (a cancelled order stays ``cancelled``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.commerce import events
from liveloop.commerce.contracts import COUNTED_STATUSES, OrderStatus, RefundStatus
from liveloop.commerce.coupons.redemption import restore_for_refund
from liveloop.commerce.models import Order, OrderItem, OrderRefund, Product
from liveloop.commerce.orders.errors import OrderConflict, OrderRefused, UnknownOrder
from liveloop.commerce.orders.pricing import line_refund, paid_shares, split
from liveloop.commerce.orders.views import RefundView, refund_view
from liveloop.store.base import to_money

# WeChat Pay's out_refund_no: up to 64 of these characters.
REFUND_NO = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RefundLineRequest:
    """Units of one line to refund, the line named by ``line_no`` or by ``sku`` (its first
    line with units left)."""

    quantity: int
    line_no: int | None = None
    sku: str | None = None


def lock_order(session: Session, order_no: str) -> Order:
    """The order, its row locked on PostgreSQL (``FOR UPDATE``) so moves of one order queue;
    the guarded UPDATEs below hold the invariants on any store."""
    order = session.scalars(
        select(Order).where(Order.order_no == order_no).with_for_update()
    ).one_or_none()
    if order is None:
        raise UnknownOrder(f"没有这个订单 (no order) {order_no}")
    return order


def refund_order_part(
    session: Session,
    order_no: str,
    *,
    refund_no: str,
    amount: Decimal | None = None,
    lines: Sequence[RefundLineRequest] | None = None,
    reason: str,
    at: datetime,
    source: str,
    settled: bool = False,
) -> RefundView:
    """Open refund ``refund_no`` of a paid order: by ``lines`` (their paid share, unit by
    unit), by ``amount``, or both (``amount`` for those lines, at most their share).
    ``settled`` records money already returned elsewhere (an offline refund, an import):
    the row is ``succeeded`` at once and payments sends nothing."""
    if not REFUND_NO.match(refund_no):
        raise OrderRefused(
            "退款单号只能是 1–64 位字母、数字或 _-|*@ (refund_no: 1-64 of A-Z a-z 0-9 _-|*@)"
        )
    if amount is None and not lines:
        raise OrderRefused(f"{order_no}: 请给出退款金额或退款商品行 (give an amount or lines)")
    order = lock_order(session, order_no)
    found = _known(session, refund_no, order)
    if found is not None:
        return found
    # A cancelled order whose full refund failed still has money to give back.
    reopened = order.status == OrderStatus.CANCELLED and order.paid_at is not None
    if order.status not in COUNTED_STATUSES and not (
        reopened and order.refunded_amount < order.total
    ):
        raise OrderConflict(f"{order_no}: {_why_not_refundable(order)}")
    return open_refund(
        session,
        order,
        refund_no=refund_no,
        amount=to_money(amount) if amount is not None else None,
        lines=lines or (),
        reason=reason,
        at=at,
        source=source,
        settled=settled,
        final_status=OrderStatus.CANCELLED if reopened else OrderStatus.REFUNDED,
    )


def _why_not_refundable(order: Order) -> str:
    if order.status == OrderStatus.CREATED:
        return "订单未付款,无款可退 (the order is not paid)"
    if order.status == OrderStatus.CANCELLED:
        return "订单已取消,付款已全额退回 (the order is cancelled and refunded in full)"
    if order.status == OrderStatus.REFUNDED:
        return "订单已全额退款 (the order is refunded in full)"
    return f"订单状态 {order.status} 不能退款 (cannot refund in this state)"


def _known(session: Session, refund_no: str, order: Order) -> RefundView | None:
    row = session.scalars(select(OrderRefund).where(OrderRefund.refund_no == refund_no)).first()
    if row is None:
        return None
    if row.order_id != order.id:
        raise OrderConflict(
            f"退款单号 {refund_no} 已用于另一个订单 (refund_no is used by another order)"
        )
    return refund_view(row, order.order_no)


def refund_in_full(
    session: Session,
    order: Order,
    *,
    refund_no: str,
    reason: str,
    at: datetime,
    source: str,
    settled: bool,
    final_status: OrderStatus = OrderStatus.REFUNDED,
) -> RefundView | None:
    """Refund what is left of a paid order (every line's units left, then any amount left);
    None when nothing is left. The order is then ``final_status``."""
    found = _known(session, refund_no, order)
    if found is not None:
        return found
    left = order.total - order.refunded_amount
    if left <= 0:
        return None
    units = [
        RefundLineRequest(quantity=item.quantity - item.refunded_quantity, line_no=item.line_no)
        for item in order.items
        if item.quantity > item.refunded_quantity
    ]
    return open_refund(
        session,
        order,
        refund_no=refund_no,
        amount=None if units else left,
        lines=units,
        reason=reason,
        at=at,
        source=source,
        settled=settled,
        final_status=final_status,
        whole=True,
    )


@dataclass(frozen=True)
class _Picked:
    item: OrderItem
    sku: str
    quantity: int
    owed: Decimal  # the units' paid share not yet refunded


def refund_rest(session: Session, order_no: str, *, at: datetime, reason: str, source: str) -> bool:
    """``commerce.service.refund_order``: refund what is left of a paid order whose money went
    back elsewhere (settled at once, numbered by the order number); False when the order is
    already refunded."""
    order = lock_order(session, order_no)
    if order.status == OrderStatus.REFUNDED:
        return False
    if order.status not in COUNTED_STATUSES:
        raise OrderConflict(f"{order_no} is {order.status}; only paid orders can be refunded")
    if at < order.placed_at:
        raise OrderRefused(f"{order_no}: a refund cannot precede the order")
    order.attributes = {**order.attributes, "refund_reason": reason}
    session.flush()
    refund = refund_in_full(
        session, order, refund_no=order_no, reason=reason, at=at, source=source, settled=True
    )
    return refund is not None and refund.created


def open_refund(
    session: Session,
    order: Order,
    *,
    refund_no: str,
    amount: Decimal | None,
    lines: Sequence[RefundLineRequest],
    reason: str,
    at: datetime,
    source: str,
    settled: bool,
    final_status: OrderStatus = OrderStatus.REFUNDED,
    whole: bool = False,
) -> RefundView:
    """The refund row, the order's and lines' refunded amounts raised by guarded UPDATEs, the
    order ``final_status`` once nothing is left, ``Order Refunded`` logged. ``whole``: refund
    everything left (the lines' shares and any rest)."""
    no = order.order_no
    left = order.total - order.refunded_amount
    picked = _pick(session, order, lines)
    if amount is not None and amount <= 0:
        raise OrderRefused(f"{no}: 退款金额必须大于 0 (the amount must be positive)")
    parts: list[Decimal] = []
    if picked:
        owed = sum((p.owed for p in picked), ZERO)
        if whole:
            amount = left
        elif amount is None:
            amount = min(owed, left)  # refunds by amount alone may have taken some already
        elif amount > owed:
            raise OrderConflict(
                f"{no}: 退款金额 ¥{amount} 超过所退商品的实付 ¥{owed} "
                "(more than the lines' paid share)"
            )
        # The amount spread over the lines by what each is owed, so line refunds sum to it.
        parts = split(amount, [p.owed for p in picked])
    if amount is None or amount <= 0:
        raise OrderConflict(f"{no}: 没有可退的金额 (nothing left to refund)")
    if amount > left:
        raise OrderConflict(
            f"{no}: 退款金额 ¥{amount} 超过可退金额 ¥{left} (more than is left to refund)"
        )
    previous = order.status
    row = OrderRefund(
        refund_no=refund_no,
        order_id=order.id,
        amount=amount,
        lines=[
            {"line_no": p.item.line_no, "sku": p.sku, "quantity": p.quantity, "amount": str(part)}
            for p, part in zip(picked, parts, strict=True)
        ],
        reason=reason[:200],
        status=RefundStatus.SUCCEEDED if settled else RefundStatus.REQUESTED,
        order_status=previous,
        source=source[:64],
        requested_at=at,
        settled_at=at if settled else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = _known(session, refund_no, order)
        if found is None:
            raise
        return found
    fully = order.refunded_amount + amount == order.total
    raised = session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.status == previous,
            Order.refunded_amount + amount <= Order.total,
        )
        .values(
            refunded_amount=Order.refunded_amount + amount,
            status=final_status if fully else previous,
        )
        .execution_options(synchronize_session=False)
    )
    if raised.rowcount != 1:  # type: ignore[attr-defined]
        raise OrderConflict(f"{no}: 订单刚被改动,请重试 (the order just changed; try again)")
    for p, part in zip(picked, parts, strict=True):
        moved = session.execute(
            update(OrderItem)
            .where(
                OrderItem.id == p.item.id,
                OrderItem.refunded_quantity + p.quantity <= OrderItem.quantity,
            )
            .values(
                refunded_quantity=OrderItem.refunded_quantity + p.quantity,
                refunded_amount=OrderItem.refunded_amount + part,
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise OrderConflict(f"{no}: 超过可退数量 (more units than are left on the line)")
    customer_id, transaction_id = order.customer_id, order.transaction_id
    session.expire(order)
    for p in picked:
        session.expire(p.item)
    events.order_refunded(
        session,
        at=at,
        source=source,
        order_no=no,
        customer_id=customer_id,
        total=amount,
        reason=reason,
        refund_no=refund_no,
        lines=[
            events.RefundedLine(p.item.line_no, p.sku, p.quantity, part)
            for p, part in zip(picked, parts, strict=True)
        ],
        fully_refunded=fully,
        refund_status=row.status,
        transaction_id=transaction_id,
    )
    if fully:
        restore_for_refund(session, no, at, source)
    return replace(refund_view(row, no), created=True, fully_refunded=fully)


def _pick(session: Session, order: Order, lines: Sequence[RefundLineRequest]) -> list[_Picked]:
    """The lines asked for, each with the units asked and what they are owed; several asks
    of one line are taken together."""
    if not lines:
        return []
    no = order.order_no
    items = list(order.items)
    skus: dict[int, str] = {
        pid: sku
        for pid, sku in session.execute(
            select(Product.id, Product.sku).where(Product.id.in_({i.product_id for i in items}))
        )
    }
    wanted: dict[int, int] = {}
    for ask in lines:
        if ask.quantity <= 0:
            raise OrderRefused(f"{no}: 退款数量必须大于 0 (a refund quantity must be positive)")
        item = None
        if ask.line_no is not None:
            item = next((i for i in items if i.line_no == ask.line_no), None)
        elif ask.sku is not None:
            item = next(
                (
                    i
                    for i in items
                    if skus[i.product_id] == ask.sku
                    and i.quantity - i.refunded_quantity - wanted.get(i.line_no, 0) > 0
                ),
                None,
            ) or next((i for i in items if skus[i.product_id] == ask.sku), None)
        if item is None:
            named = ask.line_no if ask.line_no is not None else ask.sku
            raise OrderRefused(f"{no}: 订单没有这一行 (no such line) {named}")
        wanted[item.line_no] = wanted.get(item.line_no, 0) + ask.quantity
    shares = dict(
        zip(
            (i.line_no for i in items),
            paid_shares([i.amount for i in items], order.total),
            strict=True,
        )
    )
    picked = []
    for item in items:
        units = wanted.get(item.line_no)
        if units is None:
            continue
        if item.refunded_quantity + units > item.quantity:
            raise OrderConflict(
                f"{no}: 第 {item.line_no} 行只剩 {item.quantity - item.refunded_quantity} 件可退 "
                f"(only that many units are left on line {item.line_no})"
            )
        owed = line_refund(
            shares[item.line_no], item.quantity, item.refunded_quantity, item.refunded_amount, units
        )
        picked.append(_Picked(item, skus[item.product_id], units, owed))
    return picked


def settle_refund(session: Session, refund_no: str, *, succeeded: bool, at: datetime) -> RefundView:
    """The provider answered refund ``refund_no``: it succeeded, or failed for good — then its
    amount and units are refundable again and a fully refunded order is back in the state it
    was. Settling it the same way again changes nothing; the other way is refused (409)."""
    found = session.execute(
        select(OrderRefund.id, Order.order_no)
        .join(Order, Order.id == OrderRefund.order_id)
        .where(OrderRefund.refund_no == refund_no)
    ).one_or_none()
    if found is None:
        raise UnknownOrder(f"没有这个退款单 (no refund) {refund_no}")
    refund_id, order_no = found
    order = lock_order(session, order_no)  # the order first, as every refund takes them
    row = session.get_one(OrderRefund, refund_id, populate_existing=True)
    target = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
    if row.status == target:
        return refund_view(row, order_no)
    if row.status != RefundStatus.REQUESTED:
        raise OrderConflict(
            f"退款 {refund_no} 已是 {row.status},不能改为 {target} (the refund is settled)"
        )
    moved = session.execute(
        update(OrderRefund)
        .where(OrderRefund.id == row.id, OrderRefund.status == RefundStatus.REQUESTED)
        .values(status=target, settled_at=at)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise OrderConflict(f"退款 {refund_no} 刚被结算 (the refund was just settled)")
    if not succeeded:
        # The money never left: give the amount and units back to what may be refunded.
        back = row.order_status if order.status == OrderStatus.REFUNDED else order.status
        session.execute(
            update(Order)
            .where(Order.id == order.id, Order.refunded_amount >= row.amount)
            .values(refunded_amount=Order.refunded_amount - row.amount, status=back)
            .execution_options(synchronize_session=False)
        )
        for line in row.lines or ():
            session.execute(
                update(OrderItem)
                .where(
                    OrderItem.order_id == order.id,
                    OrderItem.line_no == int(line["line_no"]),
                    OrderItem.refunded_quantity >= int(line["quantity"]),
                )
                .values(
                    refunded_quantity=OrderItem.refunded_quantity - int(line["quantity"]),
                    refunded_amount=OrderItem.refunded_amount - Decimal(line["amount"]),
                )
                .execution_options(synchronize_session=False)
            )
        session.expire(order)
    session.expire(row)
    return refund_view(row, order_no)
