"""Commission's tables: the operator's rates, the entries of the ledger, orders that earned
nothing (and why), withdrawals and their movements.

Invariants:
- ``commission_entries`` is append-only but for ``state``/``settled_at`` (frozen → settled,
  once). UNIQUE (order_no, line_no, level, refund_no): one earning per order line and level
  (``refund_no`` ''), and one adjustment per refund, line and level — whether it reduced a
  frozen earning or clawed back a settled one — so a replayed payment or refund never posts
  twice, and a refund replayed after settlement cannot post a claw-back on top of the
  reduction it already made;
- a line's entries sum to round_half_up(paid share × (1 − refunded fraction) × rate): each
  refund posts the difference between that figure after it and before it (``posting``);
- ``commission_rates`` is append-only: a change is a new row with its ``effective_from``;
- a withdrawal's money moves only as ``commission_movements``, two legs summing to zero,
  UNIQUE (source_key, account); ``withdrawable`` = settled entries + the withdrawable legs.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, Money, UTCDateTime


class CommissionRate(Base):
    """A rate the operator set for a level on a SKU, a category or by default, in
    ten-thousandths (``rate_bp`` 1250 is 12.5 %), from ``effective_from`` on."""

    __tablename__ = "commission_rates"
    __table_args__ = (UniqueConstraint("level", "scope", "target", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    scope: Mapped[str] = mapped_column(String(12))
    target: Mapped[str] = mapped_column(String(32), default="")
    rate_bp: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")


class CommissionEntry(Base):
    """One line of the ledger: a leader's commission on an order line at a level, or a
    refund's reduction / claw-back of it (negative)."""

    __tablename__ = "commission_entries"
    __table_args__ = (
        UniqueConstraint("order_no", "line_no", "level", "refund_no"),
        Index("ix_commission_entries_leader_at", "leader", "at"),
        Index("ix_commission_entries_state_frozen_until", "state", "frozen_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(8))
    order_no: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int] = mapped_column(Integer)
    refund_no: Mapped[str] = mapped_column(String(64), default="")
    sku: Mapped[str] = mapped_column(String(32))
    base: Mapped[Decimal] = mapped_column(Money)
    rate_bp: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    frozen_until: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommissionSkip(Base):
    """An order (at a level) that earned nobody anything, with the reason: no leader, an
    unknown or disabled leader, no recruiter."""

    __tablename__ = "commission_skips"
    __table_args__ = (UniqueConstraint("order_no", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(SmallInteger)
    leader: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommissionWithdrawal(Base):
    """A leader's withdrawal: requested → approved → paid, or rejected with a reason.
    UNIQUE (leader, request_id): the client's request id makes a re-sent request the same."""

    __tablename__ = "commission_withdrawals"
    __table_args__ = (UniqueConstraint("leader", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    withdrawal_no: Mapped[str] = mapped_column(String(32), unique=True)
    leader: Mapped[str] = mapped_column(String(16), index=True)
    request_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CommissionMovement(Base):
    """One leg of a withdrawal's movement between a leader's accounts (withdrawable, held,
    paid out): the hold on request, the release on rejection, the pay-out."""

    __tablename__ = "commission_movements"
    __table_args__ = (UniqueConstraint("source_key", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader: Mapped[str] = mapped_column(String(16), index=True)
    source_key: Mapped[str] = mapped_column(String(96))
    account: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
