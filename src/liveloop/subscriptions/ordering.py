"""The orders subscriptions makes, through commerce's facade — the one module that knows how.

A cycle's order is numbered from the subscription and the cycle (``SUB{id}-{n}``); when
commerce cancels it for going unpaid past ``LIVELOOP_ORDER_PAY_MINUTES`` while its charge is
still being retried, the next attempt places it again as ``SUB{id}-{n}-{attempt}``. A delivery
order is numbered from the membership and the delivery (``MBR{id}-{n}``). Commerce does nothing
on an order number it knows, so placing the same one twice makes one order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.profiles import service as profiles
from liveloop.subscriptions.contracts import CYCLE_ORDER_PREFIX, DELIVERY_ORDER_PREFIX

# Order states in which the goods have left the warehouse: a cycle in one is delivered.
GONE = {"shipped", "delivered", "completed"}
PAID = {"paid", *GONE}


def cycle_order_no(subscription_id: int, cycle: int, attempt: int = 1) -> str:
    base = f"{CYCLE_ORDER_PREFIX}{subscription_id}-{cycle}"
    return base if attempt <= 1 else f"{base}-{attempt}"


def prepay_order_no(subscription_id: int) -> str:
    return f"{CYCLE_ORDER_PREFIX}{subscription_id}-P"


def order_total(session: Session, order_no: str) -> Decimal | None:
    """What the order asks to be paid, or None when there is no such order."""
    view = commerce.get_order(session, order_no)
    return view.total if view is not None else None


def paid_total(session: Session, order_no: str) -> Decimal:
    """What the buyer paid for the order (after its coupon and points), less refunds."""
    view = commerce.get_order(session, order_no)
    if view is None or view.status not in PAID:
        return Decimal("0")
    return view.total - view.refunded_amount


def delivery_order_no(membership_id: int, delivery: int) -> str:
    return f"{DELIVERY_ORDER_PREFIX}{membership_id}-{delivery}"


def place(
    session: Session,
    *,
    order_no: str,
    customer_id: int,
    sku: str,
    quantity: int,
    unit_price: Decimal,
    address: Mapping[str, Any],
    channel: str,
    at: datetime,
    source: str,
    attributes: Mapping[str, Any],
) -> None:
    """The order of a cycle or a delivery, created (awaiting payment)."""
    commerce.place_order(
        session,
        commerce.OrderRequest(
            order_no=order_no,
            customer_id=profiles.survivor_of(session, customer_id),
            lines=(commerce.OrderLine(sku, quantity, unit_price),),
            channel=channel,
            address={k: str(v) for k, v in address.items()} or None,
            attributes=dict(attributes),
        ),
        at=at,
        source=source,
    )


def pay(
    session: Session,
    order_no: str,
    *,
    amount: Decimal,
    transaction_id: str,
    at: datetime,
    source: str,
) -> bool:
    """Record the order paid (a charge went through, or a ¥0 delivery); False when commerce
    found it cancelled meanwhile (it then refunds the payment in full by itself)."""
    view = commerce.pay_order(
        session,
        order_no,
        amount=amount,
        transaction_id=transaction_id[:64],
        paid_at=at,
        source=source,
    )
    return view.status in PAID


def state(session: Session, order_no: str) -> str | None:
    view = commerce.get_order(session, order_no)
    return view.status if view is not None else None


def cancel(session: Session, order_no: str, *, at: datetime, reason: str, source: str) -> bool:
    """Cancel an order not yet shipped — unpaid, or paid (commerce then refunds it in full
    under the order number); False when it has shipped or was already cancelled."""
    if state(session, order_no) not in ("created", "paid"):
        return False
    commerce.cancel_order(session, order_no, reason=reason, at=at, source=source)
    return True


def refund(
    session: Session,
    order_no: str,
    *,
    refund_no: str,
    amount: Decimal,
    reason: str,
    at: datetime,
    source: str,
) -> None:
    """Refund ``amount`` of a paid order under ``refund_no`` (one number per refund: payments
    retries it with that number, so it never pays twice)."""
    commerce.refund_order_part(
        session, order_no, refund_no=refund_no, amount=amount, reason=reason, at=at, source=source
    )


def has_left(session: Session, order_no: str) -> bool:
    """Whether the order's goods have left the warehouse (shipped or later)."""
    return state(session, order_no) in GONE
