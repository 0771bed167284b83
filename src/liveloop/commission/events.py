"""Events commission emits (docs/events.md lists each with its properties): a withdrawal's
moves. Entries themselves are the ledger's rows, not events — one per order line and level
would double the log's writes on the payment path for nothing a consumer needs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

WITHDRAWAL_REQUESTED: Final = "Commission Withdrawal Requested"
WITHDRAWAL_APPROVED: Final = "Commission Withdrawal Approved"
WITHDRAWAL_PAID: Final = "Commission Withdrawal Paid"
WITHDRAWAL_REJECTED: Final = "Commission Withdrawal Rejected"
SOURCE: Final = "commission"


def _withdrawal(
    session: Session,
    name: str,
    *,
    at: datetime,
    withdrawal_no: str,
    leader: str,
    amount: Decimal,
    by: str,
    reason: str | None = None,
) -> None:
    emit(
        session,
        name,
        at=at,
        source=SOURCE,
        message_id=f"{name.lower().replace(' ', '-')}:{withdrawal_no}",
        properties={
            "withdrawal_id": withdrawal_no,
            "leader": leader,
            "amount": amount,
            "currency": "CNY",
            "by": by,
            "reason": reason,
        },
    )


def withdrawal_requested(
    session: Session, *, at: datetime, withdrawal_no: str, leader: str, amount: Decimal, by: str
) -> None:
    """A leader asked to withdraw: ``withdrawal_id``, ``leader``, ``amount``, ``by``."""
    _withdrawal(
        session,
        WITHDRAWAL_REQUESTED,
        at=at,
        withdrawal_no=withdrawal_no,
        leader=leader,
        amount=amount,
        by=by,
    )


def withdrawal_approved(
    session: Session, *, at: datetime, withdrawal_no: str, leader: str, amount: Decimal, by: str
) -> None:
    """An operator approved a withdrawal: ``withdrawal_id``, ``leader``, ``amount``, ``by``."""
    _withdrawal(
        session,
        WITHDRAWAL_APPROVED,
        at=at,
        withdrawal_no=withdrawal_no,
        leader=leader,
        amount=amount,
        by=by,
    )


def withdrawal_paid(
    session: Session, *, at: datetime, withdrawal_no: str, leader: str, amount: Decimal, by: str
) -> None:
    """A withdrawal's money went out: ``withdrawal_id``, ``leader``, ``amount``, ``by``."""
    _withdrawal(
        session,
        WITHDRAWAL_PAID,
        at=at,
        withdrawal_no=withdrawal_no,
        leader=leader,
        amount=amount,
        by=by,
    )


def withdrawal_rejected(
    session: Session,
    *,
    at: datetime,
    withdrawal_no: str,
    leader: str,
    amount: Decimal,
    by: str,
    reason: str,
) -> None:
    """An operator rejected a withdrawal, its hold released: ``withdrawal_id``, ``leader``,
    ``amount``, ``by``, ``reason``."""
    _withdrawal(
        session,
        WITHDRAWAL_REJECTED,
        at=at,
        withdrawal_no=withdrawal_no,
        leader=leader,
        amount=amount,
        by=by,
        reason=reason,
    )
