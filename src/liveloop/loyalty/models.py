"""Loyalty's tables: the points ledger (accounts, postings, entries, lots), members and their
growth, and the operator's rules.

Invariants:
- a posting has at least two entries and they sum to zero; ``source_key`` (the business fact:
  ``order:{no}:earn``, ``refund:{refund_no}:clawback``) is UNIQUE, so a replayed fact never
  posts twice;
- a customer account's ``balance`` is the sum of its entries; it moves only together with an
  entry, in the posting's transaction (``ledger.post``); only ``available`` may go below zero,
  and only through a refund's claw-back (the member then owes the difference); the brand's
  accounts keep no running balance (theirs is the sum of their entries: no hot row);
- a lot is the points of one earning (an order, a reward, a return): ``remaining`` is what is
  left of it; the remaining of a customer's available lots adds up to their available balance
  when it is positive (nothing when it is not), and they are spent and expire oldest end first.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles import service as profiles
from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime


class LotStatus(StrEnum):
    FROZEN = "frozen"  # earned on an order still inside its after-sales window
    AVAILABLE = "available"
    CLOSED = "closed"  # used up, expired or clawed back


class PointsAccount(Base):
    """One account of the ledger: a customer's ``available`` or ``frozen`` points
    (``key`` = ``c{id}:{kind}``), or one of the brand's (``brand:{kind}``)."""

    __tablename__ = "points_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointsPosting(Base):
    """One business fact on the ledger, unique on ``source_key``."""

    __tablename__ = "points_postings"
    __table_args__ = (Index("ix_points_postings_customer_kind_at", "customer_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    # Why: the rewarded event's name (a daily cap counts by it), an operator's reason …
    reason: Mapped[str] = mapped_column(String(64), default="")
    points: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    memo: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)


class PointsEntry(Base):
    """One leg of a posting: ``amount`` (signed) on one account, and the account's balance
    after it."""

    __tablename__ = "points_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("points_postings.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    # A customer account's balance after the entry (None on the brand's side, which keeps no
    # running balance: see ``ledger.post``).
    balance_after: Mapped[int | None] = mapped_column(BigInteger)


class PointsLot(Base):
    """The points of one earning, for freezing and expiry (FIFO by ``expires_at``)."""

    __tablename__ = "points_lots"
    __table_args__ = (
        Index("ix_points_lots_status_releases_at", "status", "releases_at"),
        Index("ix_points_lots_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("points_postings.id"), unique=True)
    order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    releases_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoyaltyMember(Base):
    """A member's tier and the grading window their growth counts in (``growth`` is the
    current window's, kept with ``growth_entries``)."""

    __tablename__ = "loyalty_members"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16))
    tier_since: Mapped[datetime] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    growth: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GrowthEntry(Base):
    """Growth value from one fact: a paid order (+ its total) or a refund (− its amount)."""

    __tablename__ = "growth_entries"
    __table_args__ = (Index("ix_growth_entries_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    order_no: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoyaltySetting(Base):
    """The operator's rules, one document per ``key`` (``points``, ``tiers``)."""

    __tablename__ = "loyalty_settings"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


_MOVED = (
    "the loyalty consumer moves a merged person's points (a transfer posting), lots and growth "
    "to the survivor on Identities Merged; a split leaves them with the survivor"
)
for _table in ("points_accounts", "points_postings", "points_lots", "growth_entries"):
    profiles.declare_merge_policy(_table, profiles.Handled(_MOVED))
profiles.declare_merge_policy(
    "loyalty_members",
    profiles.Handled("regraded on Identities Merged from the growth the survivor now holds"),
)
