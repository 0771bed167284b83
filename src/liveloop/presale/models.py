"""Presale tables: presales, buyers' presale orders and the refunds a cancellation decides.
Money columns are ``Money`` (Decimal yuan, stored as fen).

Invariants, held by the store:
- ``deposit`` ≤ 20 % of ``price`` (checked before the row is written);
- ``sold`` never exceeds ``quota``: it rises only by a guarded UPDATE (``… WHERE sold < quota
  AND status = 'open'``) in the transaction that takes the deposit, so concurrent buyers can
  never oversell the SKU's quota;
- a presale order moves only by guarded UPDATEs (``… WHERE status = 'deposit_paid'``): a
  balance paid and a forfeit at the window's end cannot both win;
- an order is refunded at most once (``presale_refunds.order_no`` unique), under a number
  derived from the presale and the order, so every retry asks for the same refund.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.presale.contracts import PresaleOrderStatus, PresaleStatus, RefundState
from liveloop.profiles import service as profiles
from liveloop.store.base import Base, Money, UTCDateTime


class Presale(Base):
    """One SKU sold ahead: a deposit now, the balance in ``[balance_starts_at,
    balance_ends_at)``; deposits are taken until the balance window opens."""

    __tablename__ = "presales"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(32), index=True)
    price: Mapped[Decimal] = mapped_column(Money)
    deposit: Mapped[Decimal] = mapped_column(Money)
    quota: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    balance_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    balance_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=PresaleStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))


class PresaleOrder(Base):
    """A buyer's presale: the deposit's order, then the balance's."""

    __tablename__ = "presale_orders"
    __table_args__ = (Index("ix_presale_orders_presale_id_status", "presale_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    presale_id: Mapped[int] = mapped_column(ForeignKey("presales.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    deposit_order_no: Mapped[str] = mapped_column(String(64), unique=True)
    balance_order_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PresaleOrderStatus.DEPOSIT_PAID)
    deposit: Mapped[Decimal] = mapped_column(Money)
    balance: Mapped[Decimal] = mapped_column(Money)
    deposit_paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    balance_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forfeited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When ``Presale Balance Due`` went out before the window opened / before it closes.
    reminded_opening_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_closing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PresaleRefund(Base):
    """What a cancellation owes back on one order (the deposit's or the balance's), handed to
    commerce under ``refund_no`` until commerce holds it, then watched until the provider pays."""

    __tablename__ = "presale_refunds"
    __table_args__ = (
        Index("ix_presale_refunds_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    presale_order_id: Mapped[int] = mapped_column(ForeignKey("presale_orders.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(12), default=RefundState.DUE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# How a OneID merge treats these tables (see profiles.merge_policies).
profiles.declare_merge_policy(
    "presale_orders",
    profiles.Follows("a presale order stays with its buyer; its commerce orders follow them"),
)
