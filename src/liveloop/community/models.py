"""Community tables: leaders, their pickup points, customers' bindings to a leader with their
append-only history, the orders sent to a pickup point (each with its pickup code) and the
T+1 delivery batches per point, and the operator's settings.

Invariants, each held by the store itself:
- a pickup code names one order: ``pickup_orders.code`` is UNIQUE, so a colliding random code
  is refused by the database and drawn again (``community.pickup``);
- an order goes to one pickup point and into at most one batch: ``pickup_orders.order_no`` is
  UNIQUE and the batch is a column of that row, so rebuilding a batch can add an order but
  never list it twice;
- a point has one batch per delivery date: UNIQUE (point_id, delivery_date);
- a customer has at most one current leader: ``leader_bindings.customer_id`` is UNIQUE; every
  touch that was judged is a row of ``leader_binding_history``, never updated or deleted, and
  its ``source_key`` (the order, the invite) is UNIQUE, so a replayed touch is judged once.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.community.contracts import BatchStatus, BindingRule, LeaderStatus
from liveloop.profiles import service as profiles
from liveloop.store.base import Base, UTCDateTime


class CommunitySettings(Base):
    """The operator's choices, one row (``id = 1``): the binding rule and its lock, the
    batches' cut-off (local time), the days after arrival an uncollected order is confirmed,
    and the hours after arrival the first pickup reminder is due."""

    __tablename__ = "community_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    binding_rule: Mapped[str] = mapped_column(String(16), default=BindingRule.FIRST_TOUCH)
    locked_days: Mapped[int] = mapped_column(Integer, default=30)
    cutoff: Mapped[str] = mapped_column(String(5), default="22:00")
    confirm_days: Mapped[int] = mapped_column(Integer, default=2)
    remind_after_hours: Mapped[int] = mapped_column(Integer, default=4)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class Leader(Base):
    """A community leader (团长). ``username`` is the console user (and the name of the API
    key) that acts as this leader: a principal in the leader role sees only the leader whose
    ``username`` is its name. ``recruited_by`` is another leader's code (老带新)."""

    __tablename__ = "community_leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    wecom_userid: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=LeaderStatus.APPLIED, index=True)
    recruited_by: Mapped[str | None] = mapped_column(String(16), index=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PickupPoint(Base):
    """Where a leader's customers collect (自提点): address, coordinates (degrees), opening
    hours (``09:00-21:00``) and how many orders one day's batch may hold."""

    __tablename__ = "pickup_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("community_leaders.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(128))
    lat: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    lon: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    opening_hours: Mapped[str] = mapped_column(String(11))
    capacity: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeaderBinding(Base):
    """A customer's current leader, since ``bound_at`` (what a ``locked_days`` lock counts
    from), and what made it."""

    __tablename__ = "leader_bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("community_leaders.id"), index=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(12))
    source_key: Mapped[str | None] = mapped_column(String(96))


class LeaderBindingChange(Base):
    """One touch judged under the rule in force: the leader before and after, the outcome
    (bound / moved / kept), what caused it (an order, an invite link, an operator), who, and
    why. Append-only."""

    __tablename__ = "leader_binding_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    from_leader_id: Mapped[int | None] = mapped_column(ForeignKey("community_leaders.id"))
    to_leader_id: Mapped[int] = mapped_column(ForeignKey("community_leaders.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(String(12))
    source_key: Mapped[str | None] = mapped_column(String(96), unique=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class PickupBatch(Base):
    """The orders one pickup point receives on one delivery date (T+1: paid before the cut-off
    of the day before). Rebuilt while ``planned``; ``arrived`` once scanned in at the point."""

    __tablename__ = "pickup_batches"
    __table_args__ = (UniqueConstraint("point_id", "delivery_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("pickup_points.id"), index=True)
    delivery_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default=BatchStatus.PLANNED)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_by: Mapped[str | None] = mapped_column(String(64))


class PickupOrder(Base):
    """An order delivered to a pickup point: its pickup code, the batch it travels in (None
    until a build takes it; ``carried_reason`` when it went into a later day's batch than
    its cut-off said), and its pickup."""

    __tablename__ = "pickup_orders"
    __table_args__ = (
        Index("ix_pickup_orders_point_id_batch_id", "point_id", "batch_id"),
        Index("ix_pickup_orders_batch_id_picked_up_at", "batch_id", "picked_up_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("pickup_points.id"))
    code: Mapped[str] = mapped_column(String(8), unique=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("pickup_batches.id"))
    carried_reason: Mapped[str | None] = mapped_column(String(200))
    picked_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    picked_up_by: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_on: Mapped[date | None] = mapped_column(Date)


# How a OneID merge treats these tables (see profiles.merge_policies).
profiles.declare_merge_policy(
    "leader_bindings",
    profiles.Follows(
        "a binding stays with whom it was made; the survivor's leader is read across "
        "merged_into, the newest binding first"
    ),
)
profiles.declare_merge_policy(
    "leader_binding_history",
    profiles.Follows("the audit stays as it was written"),
)
profiles.declare_merge_policy(
    "pickup_orders",
    profiles.Follows("a pickup belongs to its order; the order follows its buyer in commerce"),
)
