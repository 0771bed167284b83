"""Events loyalty emits (docs/events.md lists each with its properties), one function each, in
the posting's transaction; the message id is the posting's source key, so a fact is stated
once. ``REVIEW_POSTED`` and ``RECIPE_SHARED`` are UGC events an SDK sends that interaction
rules may reward; loyalty names them, it never emits them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from liveloop.loyalty.contracts import Benefits
from liveloop.store.eventlog import emit

POINTS_EARNED: Final = "Points Earned"
POINTS_RELEASED: Final = "Points Released"
POINTS_SPENT: Final = "Points Spent"
POINTS_RETURNED: Final = "Points Returned"
POINTS_CLAWED_BACK: Final = "Points Clawed Back"
POINTS_EXPIRED: Final = "Points Expired"
TIER_CHANGED: Final = "Tier Changed"
# UGC from the integrator's tracking calls (rewardable by the points rules).
REVIEW_POSTED: Final = "Review Posted"
RECIPE_SHARED: Final = "Recipe Shared"

SOURCE = "loyalty"


def _posted(
    session: Session,
    name: str,
    *,
    at: datetime,
    customer_id: int,
    source_key: str,
    points: int,
    available: int,
    frozen: int,
    properties: dict[str, Any],
) -> None:
    emit(
        session,
        name,
        at=at,
        source=SOURCE,
        message_id=f"points:{source_key}",
        customer_id=customer_id,
        properties={
            "points": points,
            "source_key": source_key,
            "available": available,
            "frozen": frozen,
            **properties,
        },
    )


def points_earned(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    source_key: str,
    points: int,
    available: int,
    frozen: int,
    reason: str,
    order_no: str | None,
    frozen_until: datetime | None,
    expires_at: datetime,
) -> None:
    """Points credited: ``points``, ``reason`` (``order``, an event name, ``adjust``),
    ``order_id``, ``frozen_until`` (null: available at once), ``expires_at``, the balances after
    (``available``, ``frozen``) and ``source_key``."""
    _posted(
        session,
        POINTS_EARNED,
        at=at,
        customer_id=customer_id,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        properties={
            "reason": reason,
            "order_id": order_no,
            "frozen_until": frozen_until,
            "expires_at": expires_at,
        },
    )


def points_released(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    source_key: str,
    points: int,
    available: int,
    frozen: int,
    order_no: str | None,
) -> None:
    """An order's after-sales window closed: its frozen points became available."""
    _posted(
        session,
        POINTS_RELEASED,
        at=at,
        customer_id=customer_id,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        properties={"order_id": order_no},
    )


def points_spent(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    source_key: str,
    points: int,
    available: int,
    frozen: int,
    order_no: str | None,
    value: str,
) -> None:
    """Points spent at checkout: ``points``, ``value`` (yuan), ``order_id``."""
    _posted(
        session,
        POINTS_SPENT,
        at=at,
        customer_id=customer_id,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        properties={"order_id": order_no, "value": value},
    )


def points_returned(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    source_key: str,
    points: int,
    available: int,
    frozen: int,
    order_no: str,
    refund_no: str | None,
) -> None:
    """Points spent on a refunded order handed back, pro rata, or all of them when an unpaid
    order is cancelled: ``order_id``, ``refund_no`` (None for a cancel)."""
    _posted(
        session,
        POINTS_RETURNED,
        at=at,
        customer_id=customer_id,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        properties={"order_id": order_no, "refund_no": refund_no},
    )


def points_clawed_back(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    source_key: str,
    points: int,
    available: int,
    frozen: int,
    order_no: str,
    refund_no: str,
    owed: int,
) -> None:
    """A refunded order's earned points taken back, pro rata, even from a short balance:
    ``order_id``, ``refund_no``, ``owed`` (what the member owes after it: −available, or 0)."""
    _posted(
        session,
        POINTS_CLAWED_BACK,
        at=at,
        customer_id=customer_id,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        properties={"order_id": order_no, "refund_no": refund_no, "owed": owed},
    )


def points_expired(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    source_key: str,
    points: int,
    available: int,
    frozen: int,
    expires_at: datetime,
) -> None:
    """A lot of points reached its end unused: ``points``, ``expires_at``."""
    _posted(
        session,
        POINTS_EXPIRED,
        at=at,
        customer_id=customer_id,
        source_key=source_key,
        points=points,
        available=available,
        frozen=frozen,
        properties={"expires_at": expires_at},
    )


def tier_changed(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    key: str,
    from_tier: str | None,
    to_tier: str,
    reason: str,
    growth: str,
    benefits: Benefits,
) -> None:
    """A member's tier changed: ``from`` (null for a new member), ``to``, ``reason``
    (``joined``, ``upgrade``, ``regrade`` at the window's end, ``merge``), ``growth`` (yuan),
    and the new tier's benefits (``birthday_coupon``, ``early_entry_minutes``,
    ``nutrition_advisor``) for journeys to act on."""
    emit(
        session,
        TIER_CHANGED,
        at=at,
        source=SOURCE,
        message_id=f"tier-changed:{key}",
        customer_id=customer_id,
        properties={
            "from": from_tier,
            "to": to_tier,
            "reason": reason,
            "growth": growth,
            "birthday_coupon": benefits.birthday_coupon,
            "early_entry_minutes": benefits.early_entry_minutes,
            "nutrition_advisor": benefits.nutrition_advisor,
        },
    )
