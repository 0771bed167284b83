"""Events presale emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

PRESALE_DEPOSIT_PAID: Final = "Presale Deposit Paid"
PRESALE_BALANCE_DUE: Final = "Presale Balance Due"
PRESALE_BALANCE_PAID: Final = "Presale Balance Paid"
PRESALE_DEPOSIT_FORFEITED: Final = "Presale Deposit Forfeited"
PRESALE_CANCELLED: Final = "Presale Cancelled"
PRESALE_REFUND_SETTLED: Final = "Presale Refund Settled"


def deposit_paid(
    session: Session,
    *,
    at: datetime,
    source: str,
    presale: str,
    name: str,
    sku: str,
    customer_id: int,
    order_no: str,
    deposit: Decimal,
    balance: Decimal,
    balance_starts_at: datetime,
    balance_ends_at: datetime,
) -> None:
    """A buyer paid a presale's deposit: ``presale``, ``name``, ``sku``, ``order_id``,
    ``deposit``, ``balance`` (still to pay), ``balance_starts_at``, ``balance_ends_at``."""
    emit(
        session,
        PRESALE_DEPOSIT_PAID,
        at=at,
        source=source,
        message_id=f"presale-deposit-paid:{order_no}",
        customer_id=customer_id,
        properties={
            "presale": presale,
            "name": name,
            "sku": sku,
            "order_id": order_no,
            "deposit": deposit,
            "balance": balance,
            "balance_starts_at": balance_starts_at,
            "balance_ends_at": balance_ends_at,
        },
    )


def balance_due(
    session: Session,
    *,
    at: datetime,
    source: str,
    presale: str,
    name: str,
    customer_id: int,
    order_no: str,
    balance: Decimal,
    stage: str,
    balance_starts_at: datetime,
    balance_ends_at: datetime,
) -> None:
    """A reminder to pay the balance: ``presale``, ``name``, ``order_id`` (the deposit's),
    ``balance``, ``stage`` (``opening``: the window opens soon; ``closing``: it closes soon),
    ``balance_starts_at``, ``balance_ends_at``. Once per order and stage."""
    emit(
        session,
        PRESALE_BALANCE_DUE,
        at=at,
        source=source,
        message_id=f"presale-balance-due:{order_no}:{stage}",
        customer_id=customer_id,
        properties={
            "presale": presale,
            "name": name,
            "order_id": order_no,
            "balance": balance,
            "stage": stage,
            "balance_starts_at": balance_starts_at,
            "balance_ends_at": balance_ends_at,
        },
    )


def balance_paid(
    session: Session,
    *,
    at: datetime,
    source: str,
    presale: str,
    customer_id: int,
    deposit_order_no: str,
    order_no: str,
    balance: Decimal,
) -> None:
    """A buyer paid the balance: ``presale``, ``deposit_order_id``, ``order_id`` (the
    balance's), ``balance``."""
    emit(
        session,
        PRESALE_BALANCE_PAID,
        at=at,
        source=source,
        message_id=f"presale-balance-paid:{deposit_order_no}",
        customer_id=customer_id,
        properties={
            "presale": presale,
            "deposit_order_id": deposit_order_no,
            "order_id": order_no,
            "balance": balance,
        },
    )


def deposit_forfeited(
    session: Session,
    *,
    at: datetime,
    source: str,
    presale: str,
    customer_id: int,
    order_no: str,
    deposit: Decimal,
) -> None:
    """The balance window ended unpaid; the deposit is kept: ``presale``, ``order_id``,
    ``deposit``."""
    emit(
        session,
        PRESALE_DEPOSIT_FORFEITED,
        at=at,
        source=source,
        message_id=f"presale-deposit-forfeited:{order_no}",
        customer_id=customer_id,
        properties={"presale": presale, "order_id": order_no, "deposit": deposit},
    )


def presale_cancelled(
    session: Session,
    *,
    at: datetime,
    source: str,
    presale: str,
    reason: str,
    orders: int,
    refund_total: Decimal,
) -> None:
    """The brand cancelled a presale: ``presale``, ``reason``, ``orders`` (buyers refunded),
    ``refund_total``."""
    emit(
        session,
        PRESALE_CANCELLED,
        at=at,
        source=source,
        message_id=f"presale-cancelled:{presale}",
        properties={
            "presale": presale,
            "reason": reason,
            "orders": orders,
            "refund_total": refund_total,
        },
    )


def refund_settled(
    session: Session,
    *,
    at: datetime,
    source: str,
    presale: str,
    customer_id: int,
    order_no: str,
    refund_no: str,
    amount: Decimal,
) -> None:
    """The provider refunded a cancelled presale's payment: ``presale``, ``order_id``,
    ``refund_id``, ``amount``."""
    emit(
        session,
        PRESALE_REFUND_SETTLED,
        at=at,
        source=source,
        message_id=f"presale-refund-settled:{refund_no}",
        customer_id=customer_id,
        properties={
            "presale": presale,
            "order_id": order_no,
            "refund_id": refund_no,
            "amount": amount,
        },
    )
