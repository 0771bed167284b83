"""Events subscriptions emits (docs/events.md lists each with its properties). Each has a
deterministic ``message_id`` naming its business fact, so writing it twice is a no-op."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

SUBSCRIPTION_STARTED: Final = "Subscription Started"
SUBSCRIPTION_CYCLE_DUE: Final = "Subscription Cycle Due"
SUBSCRIPTION_RENEWED: Final = "Subscription Renewed"
SUBSCRIPTION_PAYMENT_FAILED: Final = "Subscription Payment Failed"
SUBSCRIPTION_CANCELLED: Final = "Subscription Cancelled"
MEMBERSHIP_BOUGHT: Final = "Membership Bought"
MEMBERSHIP_DELIVERY_USED: Final = "Membership Delivery Used"
MEMBERSHIP_RENEWED: Final = "Membership Renewed"
MEMBERSHIP_REFUNDED: Final = "Membership Refunded"


def subscription_started(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    subscription_id: int,
    plan: str,
    plan_name: str,
    first_on: date,
) -> None:
    """A customer subscribed: ``subscription_id``, ``plan``, ``plan_name``, ``first_on``."""
    emit(
        session,
        SUBSCRIPTION_STARTED,
        at=at,
        source=source,
        message_id=f"subscription-started:{subscription_id}",
        customer_id=customer_id,
        properties={
            "subscription_id": subscription_id,
            "plan": plan,
            "plan_name": plan_name,
            "first_on": first_on.isoformat(),
        },
    )


def cycle_due(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    subscription_id: int,
    cycle: int,
    due_on: date,
    plan: str,
    plan_name: str,
    product_name: str,
    amount: Decimal,
) -> None:
    """A cycle comes due in the plan's ``remind_days``: ``subscription_id``, ``cycle``,
    ``due_on``, ``plan``, ``plan_name``, ``product_name``, ``amount`` (what it will charge)."""
    emit(
        session,
        SUBSCRIPTION_CYCLE_DUE,
        at=at,
        source=source,
        message_id=f"subscription-cycle-due:{subscription_id}:{cycle}",
        customer_id=customer_id,
        properties={
            "subscription_id": subscription_id,
            "cycle": cycle,
            "due_on": due_on.isoformat(),
            "plan": plan,
            "plan_name": plan_name,
            "product_name": product_name,
            "amount": amount,
        },
    )


def renewed(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    subscription_id: int,
    cycle: int,
    order_no: str,
    amount: Decimal,
    plan: str,
) -> None:
    """A cycle was paid: ``subscription_id``, ``cycle``, ``order_id``, ``amount``, ``plan``."""
    emit(
        session,
        SUBSCRIPTION_RENEWED,
        at=at,
        source=source,
        message_id=f"subscription-renewed:{subscription_id}:{cycle}",
        customer_id=customer_id,
        properties={
            "subscription_id": subscription_id,
            "cycle": cycle,
            "order_id": order_no,
            "amount": amount,
            "plan": plan,
        },
    )


def payment_failed(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    subscription_id: int,
    cycle: int,
    order_no: str,
    amount: Decimal,
    attempt: int,
    reason: str,
    next_retry_at: datetime | None,
    plan_name: str,
) -> None:
    """A cycle's charge failed: ``subscription_id``, ``cycle``, ``order_id``, ``amount``,
    ``attempt`` (1 for the first), ``reason``, ``next_retry_at`` (null when it was the last:
    ``final`` is then true and the subscription is paused), ``plan_name``."""
    emit(
        session,
        SUBSCRIPTION_PAYMENT_FAILED,
        at=at,
        source=source,
        message_id=f"subscription-payment-failed:{subscription_id}:{cycle}:{attempt}",
        customer_id=customer_id,
        properties={
            "subscription_id": subscription_id,
            "cycle": cycle,
            "order_id": order_no,
            "amount": amount,
            "attempt": attempt,
            "reason": reason,
            "next_retry_at": next_retry_at,
            "final": next_retry_at is None,
            "plan_name": plan_name,
        },
    )


def subscription_cancelled(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    subscription_id: int,
    reason: str,
    refunded: Decimal,
    cycles_refunded: int,
) -> None:
    """A subscription was cancelled: ``subscription_id``, ``reason``, ``refunded`` (the money
    of the paid cycles not delivered), ``cycles_refunded``."""
    emit(
        session,
        SUBSCRIPTION_CANCELLED,
        at=at,
        source=source,
        message_id=f"subscription-cancelled:{subscription_id}",
        customer_id=customer_id,
        properties={
            "subscription_id": subscription_id,
            "reason": reason,
            "refunded": refunded,
            "cycles_refunded": cycles_refunded,
        },
    )


def membership_bought(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    membership_id: int,
    plan: str,
    order_no: str,
    amount: Decimal,
    deliveries: int,
    ends_at: datetime,
) -> None:
    """A paid membership was bought: ``membership_id``, ``plan``, ``order_id``, ``amount``,
    ``deliveries``, ``ends_at``."""
    emit(
        session,
        MEMBERSHIP_BOUGHT,
        at=at,
        source=source,
        message_id=f"membership-bought:{order_no}",
        customer_id=customer_id,
        properties={
            "membership_id": membership_id,
            "plan": plan,
            "order_id": order_no,
            "amount": amount,
            "deliveries": deliveries,
            "ends_at": ends_at,
        },
    )


def membership_renewed(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    membership_id: int,
    plan: str,
    order_no: str,
    amount: Decimal,
    deliveries: int,
    ends_at: datetime,
) -> None:
    """A paid membership was renewed by another paid order: ``membership_id``, ``plan``,
    ``order_id``, ``amount``, ``deliveries`` (added), ``ends_at`` (the new end)."""
    emit(
        session,
        MEMBERSHIP_RENEWED,
        at=at,
        source=source,
        message_id=f"membership-renewed:{order_no}",
        customer_id=customer_id,
        properties={
            "membership_id": membership_id,
            "plan": plan,
            "order_id": order_no,
            "amount": amount,
            "deliveries": deliveries,
            "ends_at": ends_at,
        },
    )


def membership_delivery_used(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    membership_id: int,
    delivery: int,
    order_no: str,
    left: int,
) -> None:
    """A delivery of a paid membership was used (its ¥0 order placed): ``membership_id``,
    ``delivery`` (its number), ``order_id``, ``left``."""
    emit(
        session,
        MEMBERSHIP_DELIVERY_USED,
        at=at,
        source=source,
        message_id=f"membership-delivery-used:{membership_id}:{delivery}",
        customer_id=customer_id,
        properties={
            "membership_id": membership_id,
            "delivery": delivery,
            "order_id": order_no,
            "left": left,
        },
    )


def membership_refunded(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    membership_id: int,
    refund_no: str,
    amount: Decimal,
    deliveries_unused: int,
    reason: str,
) -> None:
    """A paid membership was refunded pro rata: ``membership_id``, ``refund_no``, ``amount``
    (exact to the fen), ``deliveries_unused``, ``reason``."""
    emit(
        session,
        MEMBERSHIP_REFUNDED,
        at=at,
        source=source,
        message_id=f"membership-refunded:{refund_no}",
        customer_id=customer_id,
        properties={
            "membership_id": membership_id,
            "refund_no": refund_no,
            "amount": amount,
            "deliveries_unused": deliveries_unused,
            "reason": reason,
        },
    )
