"""Payments' tables. Each row is unique on its business fact, so a replay never posts twice:
a payment on our order number (``out_trade_no``) and on WeChat's ``transaction_id``, a
processed notification on WeChat's notification ``id``, a refund send on ``out_refund_no``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.payments.contracts import PaymentState, RefundState
from liveloop.store.base import Base, Money, UTCDateTime


class Payment(Base):
    """One WeChat Pay order for one of our orders.

    Invariants: ``transaction_id`` and ``paid_at`` are set exactly when ``state`` is paid; a
    payment moves to paid only through a guarded UPDATE (``… WHERE state <> 'paid'``), so two
    notifications racing each other pay the order once."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(64), unique=True)  # our order_no
    amount: Mapped[Decimal] = mapped_column(Money)
    openid: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(String(127))
    state: Mapped[str] = mapped_column(String(12), default=PaymentState.PREPAID, index=True)
    prepay_id: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the payment was learnt: "notify" or "query" (reconciliation).
    paid_by: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_queried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaymentNotification(Base):
    """A notification WeChat sent and we verified and processed, once: its ``id`` is unique,
    so a replay finds its row and changes nothing."""

    __tablename__ = "payment_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    out_trade_no: Mapped[str | None] = mapped_column(String(64), index=True)
    out_refund_no: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RefundSend(Base):
    """One refund, sent to WeChat with one ``out_refund_no`` however often it is retried.

    Invariant: ``state`` reaches succeeded once, by a guarded UPDATE, and only then is the
    order's refund settled in commerce."""

    __tablename__ = "refund_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    out_trade_no: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(12), default=RefundState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    refund_id: Mapped[str | None] = mapped_column(String(32))  # WeChat's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
