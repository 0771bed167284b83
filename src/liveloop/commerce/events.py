"""Events commerce emits (docs/events.md lists each with its properties).

Orders, refunds and applied coupons carry the tracking spec's names (Segment's e-commerce spec),
re-exported here; an order's other moves (placed, shipped, delivered, confirmed, cancelled) and
coupons' own life (issued, voided, restored, expired) are commerce's vocabulary.

``Order Completed`` is the fact that an order was **paid** (Segment's purchase event, which
RFM, journeys, the live figures and the profile counters count); ``Order Confirmed`` is the
buyer's 确认收货, the order's ``completed`` state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.store.eventlog import emit

ORDER_COMPLETED: Final = spec.ORDER_COMPLETED
ORDER_REFUNDED: Final = spec.ORDER_REFUNDED
COUPON_APPLIED: Final = spec.COUPON_APPLIED
ORDER_PLACED: Final = "Order Placed"
ORDER_SHIPPED: Final = "Order Shipped"
ORDER_DELIVERED: Final = "Order Delivered"
ORDER_CONFIRMED: Final = "Order Confirmed"
ORDER_CANCELLED: Final = spec.ORDER_CANCELLED
# Every event about one order, each naming it by ``order_id``.
ORDER_EVENTS: Final = (
    ORDER_PLACED,
    ORDER_COMPLETED,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_CONFIRMED,
    ORDER_CANCELLED,
    ORDER_REFUNDED,
)
COUPON_ISSUED: Final = "Coupon Issued"
COUPON_VOIDED: Final = "Coupon Voided"
COUPON_RESTORED: Final = "Coupon Restored"
COUPON_EXPIRED: Final = "Coupon Expired"


@dataclass(frozen=True)
class OrderedProduct:
    """One line of a completed order as the event tells it (``products[]``)."""

    sku: str
    quantity: int
    price: Decimal
    category: str


def order_completed(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    total: Decimal,
    discount: Decimal,
    channel: str,
    products: Sequence[OrderedProduct],
    coupon_code: str | None = None,
    buyer: Sequence[tuple[str, str]] = (),
) -> None:
    """An order was paid: ``order_id``, ``total``, ``discount``, ``currency``, ``channel``,
    ``products[{sku, quantity, price, category}]``, ``coupon`` (when one was redeemed); the
    buyer's identifiers ride in ``context.externalIds``, so OneID can send the order back to
    its person if a merge is split."""
    emit(
        session,
        ORDER_COMPLETED,
        at=at,
        source=source,
        message_id=f"order-completed:{order_no}",
        customer_id=customer_id,
        properties={
            "order_id": order_no,
            "total": total,
            "discount": discount,
            "currency": "CNY",
            "channel": channel,
            "products": [
                {"sku": p.sku, "quantity": p.quantity, "price": p.price, "category": p.category}
                for p in products
            ],
            **({"coupon": coupon_code} if coupon_code else {}),
        },
        context={"externalIds": [{"type": t, "id": v} for t, v in buyer]} if buyer else None,
    )


@dataclass(frozen=True)
class RefundedLine:
    """One line of a refund as the event tells it (``products[]``, ``lines[]``)."""

    line_no: int
    sku: str
    quantity: int
    amount: Decimal


def order_placed(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    subtotal: Decimal,
    discount: Decimal,
    points_used: int,
    points_value: Decimal,
    total: Decimal,
    channel: str,
    products: Sequence[OrderedProduct],
    coupon_code: str | None,
    live_session_id: int | None,
    leader: str | None,
) -> None:
    """An order was placed and priced, not yet paid: ``order_id``, ``subtotal``, ``discount``,
    ``points``, ``points_value``, ``total`` (what is to pay), ``currency``, ``channel``,
    ``products[{sku, quantity, price, category}]``, ``coupon``, ``live_session_id``,
    ``leader``."""
    emit(
        session,
        ORDER_PLACED,
        at=at,
        source=source,
        message_id=f"order-placed:{order_no}",
        customer_id=customer_id,
        properties={
            "order_id": order_no,
            "subtotal": subtotal,
            "discount": discount,
            "points": points_used,
            "points_value": points_value,
            "total": total,
            "currency": "CNY",
            "channel": channel,
            "products": [
                {"sku": p.sku, "quantity": p.quantity, "price": p.price, "category": p.category}
                for p in products
            ],
            "coupon": coupon_code,
            "live_session_id": live_session_id,
            "leader": leader,
        },
    )


def order_shipped(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    carrier: str | None,
    tracking_no: str | None,
) -> None:
    """A paid order left the warehouse: ``order_id``, ``carrier``, ``tracking_no``."""
    _moved(
        session,
        ORDER_SHIPPED,
        at,
        source,
        order_no,
        customer_id,
        {"carrier": carrier, "tracking_no": tracking_no},
    )


def order_delivered(
    session: Session, *, at: datetime, source: str, order_no: str, customer_id: int
) -> None:
    """A shipped order reached the buyer: ``order_id``."""
    _moved(session, ORDER_DELIVERED, at, source, order_no, customer_id, {})


def order_confirmed(
    session: Session, *, at: datetime, source: str, order_no: str, customer_id: int, by: str
) -> None:
    """The buyer confirmed receipt (确认收货), or the confirmation window closed: the order is
    completed. ``order_id``, ``by`` (``buyer`` or ``auto``)."""
    _moved(session, ORDER_CONFIRMED, at, source, order_no, customer_id, {"by": by})


def order_cancelled(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    reason: str,
    was_paid: bool,
    refund_no: str | None,
    points: int = 0,
) -> None:
    """An order was cancelled before it shipped: ``order_id``, ``reason``, ``was_paid``,
    ``refund_no`` (the full refund it opened, when it was paid), ``points`` (spent on it at
    checkout: an unpaid order's go back with this event, a paid one's with its refund)."""
    _moved(
        session,
        ORDER_CANCELLED,
        at,
        source,
        order_no,
        customer_id,
        {"reason": reason, "was_paid": was_paid, "refund_no": refund_no, "points": points},
    )


def _moved(
    session: Session,
    name: str,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    properties: dict[str, object],
) -> None:
    """Each move happens once per order, so the message id is the event's and the order's."""
    emit(
        session,
        name,
        at=at,
        source=source,
        message_id=f"{name.lower().replace(' ', '-')}:{order_no}",
        customer_id=customer_id,
        properties={"order_id": order_no, **properties},
    )


def order_refunded(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    total: Decimal,
    reason: str,
    refund_no: str | None = None,
    lines: Sequence[RefundedLine] = (),
    fully_refunded: bool = True,
    refund_status: str = "succeeded",
    transaction_id: str | None = None,
) -> None:
    """Money of a paid order goes back, once per refund: ``order_id``, ``total`` (this
    refund's amount, as Segment's spec has it), ``reason``, ``refund_no``, ``amount`` (the
    same), ``lines`` (``[{line_no, sku, quantity, amount}]``, empty for a refund
    by amount), ``fully_refunded`` (the order has nothing left to refund), ``refund_status``
    (``requested``: payments is to send it; ``succeeded``: the money already moved elsewhere),
    ``transaction_id`` (the payment it goes back to)."""
    number = refund_no or order_no
    rows = [
        {"line_no": line.line_no, "sku": line.sku, "quantity": line.quantity, "amount": line.amount}
        for line in lines
    ]
    emit(
        session,
        ORDER_REFUNDED,
        at=at,
        source=source,
        message_id=f"order-refunded:{number}",
        customer_id=customer_id,
        properties={
            "order_id": order_no,
            "total": total,
            "reason": reason,
            "refund_no": number,
            "amount": total,
            "currency": "CNY",
            "lines": rows,
            "fully_refunded": fully_refunded,
            "refund_status": refund_status,
            "transaction_id": transaction_id,
        },
    )


def coupon_applied(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    coupon_code: str,
    coupon_name: str,
    template: str,
    discount: Decimal,
    eligible_subtotal: Decimal,
) -> None:
    """A coupon paid for part of an order: ``order_id``, ``coupon_id``, ``coupon_name``,
    ``template``, ``discount``, ``eligible_subtotal``."""
    emit(
        session,
        COUPON_APPLIED,
        at=at,
        source=source,
        message_id=f"coupon-applied:{coupon_code}:{order_no}",
        customer_id=customer_id,
        properties={
            "order_id": order_no,
            "coupon_id": coupon_code,
            "coupon_name": coupon_name,
            "template": template,
            "discount": discount,
            "eligible_subtotal": eligible_subtotal,
        },
    )


def coupon_issued(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    coupon_code: str,
    coupon_name: str,
    template: str,
    value: str,
    kind: str,
    amount: Decimal | None,
    pay_percent: int | None,
    cap: Decimal | None,
    threshold: Decimal,
    skus: Sequence[str] | None,
    valid_from: datetime,
    valid_until: datetime,
) -> None:
    """A person got a coupon: ``coupon_id``, ``coupon_name``, ``template``, ``value`` (as a
    customer reads it: 满99减10, 8.5折), ``kind``, ``amount``, ``pay_percent``, ``cap``,
    ``threshold``, ``skus`` (per-issue narrowing, or null), ``valid_from``, ``valid_until``."""
    emit(
        session,
        COUPON_ISSUED,
        at=at,
        source=source,
        message_id=f"coupon-issued:{coupon_code}",
        customer_id=customer_id,
        properties={
            "coupon_id": coupon_code,
            "coupon_name": coupon_name,
            "template": template,
            "value": value,
            "kind": kind,
            "amount": amount,
            "pay_percent": pay_percent,
            "cap": cap,
            "threshold": threshold,
            "skus": list(skus) if skus is not None else None,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )


def coupon_voided(
    session: Session, *, at: datetime, source: str, customer_id: int, coupon_code: str, reason: str
) -> None:
    """An unused coupon was withdrawn: ``coupon_id``, ``reason``."""
    emit(
        session,
        COUPON_VOIDED,
        at=at,
        source=source,
        message_id=f"coupon-voided:{coupon_code}",
        customer_id=customer_id,
        properties={"coupon_id": coupon_code, "reason": reason},
    )


def coupon_restored(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    coupon_code: str,
    order_no: str,
    valid_until: datetime,
) -> None:
    """A refunded order's coupon, still within its window, went back to its holder:
    ``coupon_id``, ``order_id``, ``valid_until``, ``reason``."""
    emit(
        session,
        COUPON_RESTORED,
        at=at,
        source=source,
        message_id=f"coupon-restored:{coupon_code}:{order_no}",
        customer_id=customer_id,
        properties={
            "coupon_id": coupon_code,
            "order_id": order_no,
            "valid_until": valid_until,
            "reason": "order refunded",
        },
    )


def coupon_expired(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    coupon_code: str,
    valid_until: datetime,
    refunded_order_no: str | None = None,
) -> None:
    """A coupon's window closed unused: ``coupon_id``, ``valid_until``; when a refund handed
    back a coupon already past its window, also ``order_id`` and ``reason``."""
    if refunded_order_no is None:
        message_id = f"coupon-expired:{coupon_code}"
        properties: dict[str, object] = {"coupon_id": coupon_code, "valid_until": valid_until}
    else:
        message_id = f"coupon-expired:{coupon_code}:{refunded_order_no}"
        properties = {
            "coupon_id": coupon_code,
            "order_id": refunded_order_no,
            "valid_until": valid_until,
            "reason": "order refunded",
        }
    emit(
        session,
        COUPON_EXPIRED,
        at=at,
        source=source,
        message_id=message_id,
        customer_id=customer_id,
        properties=properties,
    )
