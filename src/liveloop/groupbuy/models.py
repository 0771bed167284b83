"""Group-buy tables: campaigns and their price tiers, groups, members, each buyer's joins per
campaign and the refunds closing a group decides. Money columns are ``Money`` (Decimal yuan,
stored as fen).

Invariants, each held by the store itself so no race can break it:
- a group never has more members than ``max_size``: ``member_count`` rises only by a guarded
  UPDATE (``… WHERE status = 'open' AND member_count < max_size AND closes_at > :at``) and a
  member's ``slot`` is the count that UPDATE returned, unique per group — so of many joiners for
  the last slot exactly one wins, and no slot is ever filled but by a paid order ("no virtual
  members");
- a person holds at most the campaign's ``per_person_limit`` joins: ``groupbuy_buyers.joins``
  rises by the same kind of guarded UPDATE, in the joining transaction;
- a member has at most one refund (``groupbuy_refunds.member_id`` unique) and its refund number
  is derived from the group and the order, so every retry asks for the same refund.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.groupbuy.contracts import GroupStatus, RefundState
from liveloop.profiles import service as profiles
from liveloop.store.base import Base, Money, UTCDateTime


class GroupBuyCampaign(Base):
    """A 拼团 offer on one SKU: its tiers, how long a group may gather, how big it may grow."""

    __tablename__ = "groupbuy_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(32), index=True)
    window_hours: Mapped[int] = mapped_column(Integer)
    max_size: Mapped[int] = mapped_column(Integer)
    per_person_limit: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class GroupBuyTier(Base):
    """From ``size`` members on, everyone pays ``price`` (3 人 ¥59, 5 人 ¥49 …)."""

    __tablename__ = "groupbuy_tiers"
    __table_args__ = (UniqueConstraint("campaign_id", "size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("groupbuy_campaigns.id", ondelete="CASCADE"), index=True
    )
    size: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Money)


class GroupBuyGroup(Base):
    """One group a leader opened. ``member_count`` is the slots taken (see the module's
    invariants); ``size_reached`` and ``final_price`` are set when it closes."""

    __tablename__ = "groupbuy_groups"
    __table_args__ = (Index("ix_groupbuy_groups_status_closes_at", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_campaigns.id"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=GroupStatus.OPEN)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    max_size: Mapped[int] = mapped_column(Integer)
    top_price: Mapped[Decimal] = mapped_column(Money)  # what each member pays on joining
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    size_reached: Mapped[int | None] = mapped_column(Integer)
    final_price: Mapped[Decimal | None] = mapped_column(Money)
    # When every refund the close decided was settled by the provider.
    refunds_settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GroupBuyMember(Base):
    """A paid join: slot ``slot`` of its group, held by the order ``order_no``."""

    __tablename__ = "groupbuy_members"
    __table_args__ = (
        UniqueConstraint("group_id", "slot"),
        UniqueConstraint("group_id", "customer_id", name="uq_groupbuy_members_group_customer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_groups.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    paid: Mapped[Decimal] = mapped_column(Money)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GroupBuyBuyer(Base):
    """How many paid joins a person holds in a campaign (a failed group's are given back)."""

    __tablename__ = "groupbuy_buyers"
    __table_args__ = (UniqueConstraint("campaign_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_campaigns.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    joins: Mapped[int] = mapped_column(Integer, default=0)


class GroupBuyRefund(Base):
    """What a closed group owes one member back, and how far its refund has come. Handed to
    commerce (``refund_order_part`` under ``refund_no``) until commerce holds it, then watched
    until the provider settles it; ``attempts`` and ``last_error`` show an operator why one
    waits."""

    __tablename__ = "groupbuy_refunds"
    __table_args__ = (
        Index("ix_groupbuy_refunds_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_groups.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("groupbuy_members.id"), unique=True)
    order_no: Mapped[str] = mapped_column(String(64))
    refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
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
    "groupbuy_members",
    profiles.Follows("a slot stays with whom it was paid for; its order follows the buyer"),
)
profiles.declare_merge_policy(
    "groupbuy_buyers",
    profiles.Follows(
        "a join count stays with whom it counts; the limit is checked on the person joining"
    ),
)
