"""Subscription plans, subscriptions and their cycles; paid-membership plans, memberships and
their entitlement ledger. Money columns are ``Money`` (Decimal yuan, stored as fen); dates are
the brand's local calendar days.

Invariants, each held by a constraint so a replay or a second worker can never break it:
- a subscription has at most one row per cycle number (``uq_subscription_cycles``) and every
  cycle order number is unique (``order_no``, derived from the subscription id and the cycle
  number), so the due task run twice makes one order;
- a cycle leaves ``awaiting_payment`` only through a guarded UPDATE naming the attempt it
  recorded (``… WHERE status = 'awaiting_payment' AND attempts = k``);
- a membership ledger line is unique on its business fact (``source_key``: the order that
  bought or renewed it, the delivery's number, the refund), so no replay grants twice.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles import service as profiles
from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime, utcnow
from liveloop.subscriptions.contracts import CycleStatus, MembershipStatus, SubscriptionState


class SubscriptionPlan(Base):
    """What is delivered each cycle (``quantity`` of ``sku``), how often, for how many cycles
    (None: until cancelled) and at what price per cycle; ``remind_days`` before each cycle
    the customer is reminded (``Subscription Cycle Due``)."""

    __tablename__ = "subscription_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    cadence: Mapped[str] = mapped_column(String(12))
    cycles: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Money)
    remind_days: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """A customer's subscription to a plan. Cycle ``n`` falls on
    ``schedule.Schedule(anchor_on, anchor_cycle, cadence).date_of(n)``; ``next_cycle`` is the
    first cycle not yet due (its date is ``next_on``), moved on only by a guarded UPDATE
    (``… WHERE next_cycle = n``). ``delivered_cycles`` counts the cycles paid (skipped ones do
    not count), so a 12-cycle plan ends after its twelfth paid cycle."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_state_next_on", "state", "next_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The caller's key for this subscription (a mini-program's request id): subscribing again
    # with it returns the first one.
    subscribe_key: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("subscription_plans.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=SubscriptionState.ACTIVE)
    address: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    channel: Mapped[str] = mapped_column(String(24))
    anchor_on: Mapped[date] = mapped_column(Date)
    anchor_cycle: Mapped[int] = mapped_column(Integer, default=1)
    next_cycle: Mapped[int] = mapped_column(Integer, default=1)
    next_on: Mapped[date] = mapped_column(Date)
    delivered_cycles: Mapped[int] = mapped_column(Integer, default=0)
    reminded_cycle: Mapped[int] = mapped_column(Integer, default=0)
    paused_on: Mapped[date | None] = mapped_column(Date)
    pause_reason: Mapped[str | None] = mapped_column(String(16))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # Prepaid (a fixed-term plan paid for up front): one order for ``prepaid_cycles`` cycles,
    # paid at ``prepaid_at``; each of those cycles then has a ¥0 order, and a cancel refunds
    # the prepay pro rata to the prepaid cycles not delivered.
    prepaid_order_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    prepaid_cycles: Mapped[int] = mapped_column(Integer, default=0)
    prepaid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SubscriptionCycle(Base):
    """One cycle that came due (or was skipped before it did): its order, what it cost and
    how its charge went. ``next_attempt_at`` is set while the charge waits for its next try."""

    __tablename__ = "subscription_cycles"
    __table_args__ = (
        UniqueConstraint("subscription_id", "number", name="uq_subscription_cycles"),
        Index("ix_subscription_cycles_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=CycleStatus.AWAITING_PAYMENT)
    order_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MembershipPlan(Base):
    """A paid membership on sale: buying ``sku`` (its price, e.g. 199 元) gives ``deliveries``
    deliveries of ``delivery_sku`` within ``term_days``."""

    __tablename__ = "membership_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    price: Mapped[Decimal] = mapped_column(Money)
    deliveries: Mapped[int] = mapped_column(Integer)
    delivery_sku: Mapped[str] = mapped_column(String(32))
    delivery_quantity: Mapped[int] = mapped_column(Integer, default=1)
    term_days: Mapped[int] = mapped_column(Integer, default=365)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    """A customer's paid membership of a plan: one row per customer and plan, renewed in place.
    Its figures are sums of its ledger (``membership_entries``), kept beside it by the same
    transaction that posts each line."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("customer_id", "plan_id", name="uq_memberships_customer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("membership_plans.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=MembershipStatus.ACTIVE)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deliveries_granted: Mapped[int] = mapped_column(Integer, default=0)
    deliveries_used: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MembershipEntry(Base):
    """One line of a membership's entitlement ledger: bought or renewed (by the paid order
    ``order_no``: +deliveries, +amount), a delivery used (its ¥0 order ``order_no``:
    -1 delivery) or refunded (the money of the deliveries not used: -amount)."""

    __tablename__ = "membership_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(96), unique=True)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    order_no: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)


# How a OneID merge treats these tables (profiles.merge_policies): both stay with whom they
# were made for; readers follow the merge chain, and each cycle's or delivery's order is
# placed for the survivor (``ordering``).
profiles.declare_merge_policy(
    "subscriptions",
    profiles.Follows(
        "a subscription stays with whom subscribed; listings follow merged_into, and each "
        "cycle's order goes to the survivor"
    ),
)
profiles.declare_merge_policy(
    "memberships",
    profiles.Follows(
        "a membership stays with whom bought it (one per customer and plan: merging two "
        "would need their ledgers combined); readers follow the merge chain"
    ),
)
