"""Events commerce emits (docs/events.md lists each with its properties).

Orders, refunds and applied coupons carry the tracking spec's names (Segment's e-commerce spec),
re-exported here; coupons' own life (issued, voided, restored, expired) is commerce's vocabulary.
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


def order_refunded(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    total: Decimal,
    reason: str,
) -> None:
    """A paid order was refunded: ``order_id``, ``total``, ``reason``."""
    emit(
        session,
        ORDER_REFUNDED,
        at=at,
        source=source,
        message_id=f"order-refunded:{order_no}",
        customer_id=customer_id,
        properties={"order_id": order_no, "total": total, "reason": reason},
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
