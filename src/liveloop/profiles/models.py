"""The customer: one real person, the node every identifier, order and event points at."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles.merge_policies import Handled, declare_merge_policy
from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The OneID shown to operators and APIs; stable across merges of other people into this one.
    oneid: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(8))
    birthday: Mapped[date | None] = mapped_column(Date)
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32))
    member_tier: Mapped[str | None] = mapped_column(String(16))
    traits: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # Set when this person was merged into another; the survivor keeps everything.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProfileCounters(Base):
    """Live counters of one person, kept current by the profiles consumer as events arrive and
    recomputed from orders and events when OneID merges or splits people."""

    __tablename__ = "profile_counters"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    coupon_orders: Mapped[int] = mapped_column(Integer, default=0)
    refunds: Mapped[int] = mapped_column(Integer, default=0)
    spend: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    first_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    categories: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    lives_attended: Mapped[int] = mapped_column(Integer, default=0)
    watch_seconds: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
    # Tracked events per local hour of day (Asia/Shanghai), for "active in the evening".
    hours: Mapped[list[int]] = mapped_column(JSONDoc, default=lambda: [0] * 24)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerTag(Base):
    __tablename__ = "customer_tags"
    __table_args__ = (UniqueConstraint("customer_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    tag: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(64))  # "rule:<id>", "manual", "model:<name>"
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TagRule(Base):
    """A real-time tagging rule, kept in the store so operators add rules without code."""

    __tablename__ = "tag_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # "event" | "profile"
    rule: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Consent(Base):
    """Consent per channel (sms, wecom, email, …), last statement wins."""

    __tablename__ = "customer_consents"
    __table_args__ = (UniqueConstraint("customer_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# How a OneID merge treats these tables (see profiles.merge_policies).
declare_merge_policy(
    "profile_counters",
    Handled(
        "added up into the survivor's on merge (counters.combine); both people recounted "
        "from the event log on split (counters.rebuild)"
    ),
)
declare_merge_policy(
    "customer_tags",
    Handled("moved to the survivor on merge (a tag both hold kept once); rule tags re-judged"),
)
declare_merge_policy(
    "customer_consents",
    Handled("moved to the survivor on merge; per channel the latest statement of either stands"),
)
# A person's model scores: the analytics run scores survivors only and drops merged people's.
declare_merge_policy("customer_scores", Handled("rescored for survivors by the next analytics run"))
declare_merge_policy(
    "repurchase_predictions", Handled("recomputed for survivors by the next analytics run")
)
