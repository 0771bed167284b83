"""Events community emits (docs/events.md lists each with its properties). A leader's events
name no person (``customer_id`` is None: a leader is a partner, not a customer record);
bindings, pickups and reminders name the customer, so journeys can follow them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

LEADER_APPLIED: Final = "Leader Applied"
LEADER_APPROVED: Final = "Leader Approved"
LEADER_REJECTED: Final = "Leader Rejected"
PICKUP_POINT_OPENED: Final = "Pickup Point Opened"
LEADER_BOUND: Final = "Leader Bound"
BATCH_ARRIVED: Final = "Batch Arrived"
ORDER_PICKED_UP: Final = "Order Picked Up"
PICKUP_REMINDER_DUE: Final = "Pickup Reminder Due"


def leader_applied(
    session: Session, *, at: datetime, source: str, leader: str, recruited_by: str | None
) -> None:
    """Someone applied to be a leader: ``leader`` (code), ``recruited_by`` (a leader's code)."""
    emit(
        session,
        LEADER_APPLIED,
        at=at,
        source=source,
        message_id=f"leader-applied:{leader}",
        properties={"leader": leader, "recruited_by": recruited_by},
    )


def leader_approved(session: Session, *, at: datetime, source: str, leader: str, by: str) -> None:
    """An operator approved a leader: ``leader``, ``by``."""
    emit(
        session,
        LEADER_APPROVED,
        at=at,
        source=source,
        message_id=f"leader-approved:{leader}",
        properties={"leader": leader, "by": by},
    )


def leader_rejected(
    session: Session, *, at: datetime, source: str, leader: str, by: str, reason: str
) -> None:
    """An operator turned an application down: ``leader``, ``by``, ``reason``."""
    emit(
        session,
        LEADER_REJECTED,
        at=at,
        source=source,
        message_id=f"leader-rejected:{leader}",
        properties={"leader": leader, "by": by, "reason": reason},
    )


def pickup_point_opened(
    session: Session, *, at: datetime, source: str, point: str, leader: str, city: str
) -> None:
    """A leader's pickup point opened: ``point`` (code), ``leader``, ``city``."""
    emit(
        session,
        PICKUP_POINT_OPENED,
        at=at,
        source=source,
        message_id=f"pickup-point-opened:{point}",
        properties={"point": point, "leader": leader, "city": city},
    )


def leader_bound(
    session: Session,
    *,
    at: datetime,
    source: str,
    change_id: int,
    customer_id: int,
    leader: str,
    previous: str | None,
    cause: str,
    rule: str,
) -> None:
    """A customer's leader was set or changed: ``leader``, ``previous`` (None when they had
    none), ``cause`` (order / invite / operator), ``rule`` in force."""
    emit(
        session,
        LEADER_BOUND,
        at=at,
        source=source,
        message_id=f"leader-bound:{change_id}",
        customer_id=customer_id,
        properties={"leader": leader, "previous": previous, "cause": cause, "rule": rule},
    )


def batch_arrived(
    session: Session,
    *,
    at: datetime,
    source: str,
    batch_id: int,
    point: str,
    leader: str,
    delivery_date: date,
    orders: int,
) -> None:
    """A batch was scanned in at its pickup point: ``batch_id``, ``point``, ``leader``,
    ``delivery_date``, ``orders``."""
    emit(
        session,
        BATCH_ARRIVED,
        at=at,
        source=source,
        message_id=f"batch-arrived:{batch_id}",
        properties={
            "batch_id": batch_id,
            "point": point,
            "leader": leader,
            "delivery_date": delivery_date.isoformat(),
            "orders": orders,
        },
    )


def order_picked_up(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    point: str,
    leader: str,
) -> None:
    """The customer collected an order at its pickup point: ``order_id``, ``point``,
    ``leader``."""
    emit(
        session,
        ORDER_PICKED_UP,
        at=at,
        source=source,
        message_id=f"order-picked-up:{order_no}",
        customer_id=customer_id,
        properties={"order_id": order_no, "point": point, "leader": leader},
    )


def pickup_reminder_due(
    session: Session,
    *,
    at: datetime,
    source: str,
    order_no: str,
    customer_id: int,
    point: str,
    point_name: str,
    code: str,
    day: date,
) -> None:
    """An order waits at its pickup point uncollected (once per order per local day):
    ``order_id``, ``point``, ``point_name``, ``pickup_code`` (``K7M-4Q9``), ``day``."""
    emit(
        session,
        PICKUP_REMINDER_DUE,
        at=at,
        source=source,
        message_id=f"pickup-reminder:{order_no}:{day.isoformat()}",
        customer_id=customer_id,
        properties={
            "order_id": order_no,
            "point": point,
            "point_name": point_name,
            "pickup_code": code,
            "day": day.isoformat(),
        },
    )
