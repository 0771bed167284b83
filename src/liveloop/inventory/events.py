"""Events inventory emits (docs/events.md lists each with its properties). Reservations, picks
and releases state no events of their own: the order's events (``Order Placed``,
``Order Shipped``, ``Order Cancelled``) are those facts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

STOCK_RECEIVED: Final = "Stock Received"
STOCK_ADJUSTED: Final = "Stock Adjusted"
STOCK_RETURNED: Final = "Stock Returned"


def stock_received(
    session: Session,
    *,
    at: datetime,
    source: str,
    key: str,
    warehouse: str,
    sku: str,
    lot_no: str,
    quantity: int,
    expires_on: date,
) -> None:
    """Goods in: ``warehouse``, ``sku``, ``lot_no``, ``quantity``, ``expires_on``."""
    emit(
        session,
        STOCK_RECEIVED,
        at=at,
        source=source,
        message_id=f"stock-received:{key}",
        properties={
            "warehouse": warehouse,
            "sku": sku,
            "lot_no": lot_no,
            "quantity": quantity,
            "expires_on": expires_on.isoformat(),
        },
    )


def stock_adjusted(
    session: Session,
    *,
    at: datetime,
    source: str,
    key: str,
    warehouse: str,
    sku: str,
    lot_no: str,
    delta: int,
    counted: int,
    reason: str,
) -> None:
    """A count (盘点) set a lot's on hand: ``warehouse``, ``sku``, ``lot_no``, ``delta``,
    ``counted``, ``reason``."""
    emit(
        session,
        STOCK_ADJUSTED,
        at=at,
        source=source,
        message_id=f"stock-adjusted:{key}",
        properties={
            "warehouse": warehouse,
            "sku": sku,
            "lot_no": lot_no,
            "delta": delta,
            "counted": counted,
            "reason": reason,
        },
    )


def stock_returned(
    session: Session,
    *,
    at: datetime,
    source: str,
    key: str,
    order_no: str,
    sku: str,
    quantity: int,
) -> None:
    """Goods of a shipped order back on hand: ``order_id``, ``sku``, ``quantity``."""
    emit(
        session,
        STOCK_RETURNED,
        at=at,
        source=source,
        message_id=f"stock-returned:{key}",
        properties={"order_id": order_no, "sku": sku, "quantity": quantity},
    )
