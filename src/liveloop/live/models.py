"""Live rooms, live sessions (one show in one room: its schedule, host and 场控, audience rule),
each show's shelf and prepared offers, and who attended which (decision 0020)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy import (
    text as sql,
)
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles import service as profiles
from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime


class LiveStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class LiveSession(Base):
    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    room: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(128))
    host: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(24), default="wechat_channels")
    status: Mapped[str] = mapped_column(String(16), default=LiveStatus.SCHEDULED)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    peak_viewers: Mapped[int] = mapped_column(Integer, default=0)
    # What the session cost, by item (主播费, 投流, 样品 …), in yuan: the ROI report's inputs.
    costs: Mapped[dict[str, str]] = mapped_column(JSONDoc, default=dict)
    # The show (live.shows): its series (主食健康课), planned length, 场控 usernames and the
    # audience rule (members only; tier ≥ early_entry_tier enters early_minutes before).
    series: Mapped[str | None] = mapped_column(String(64))
    planned_minutes: Mapped[int | None] = mapped_column(Integer)
    controllers: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    members_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    early_entry_tier: Mapped[str | None] = mapped_column(String(8))
    early_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LiveRoom(Base):
    """A room shows air in; ``code`` is the room string of the webhook path and of every
    session's ``room``. ``connector`` holds the platform's non-secret settings only (a WeCom
    living anchor's userid …); a secret is named by ``secret_ref``, never stored."""

    __tablename__ = "live_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(24))
    connector: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    secret_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The operator's overrides of the room's alert thresholds (``live.alert_rules``); the
    # defaults of ``AlertRules`` fill the rest.
    alert_rules: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class ShelfItem(Base):
    """A product on a show's shelf (购物车): its live price and the stock allocated to the
    show; one row per show and SKU."""

    __tablename__ = "live_shelf_items"
    __table_args__ = (UniqueConstraint("live_session_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    live_price: Mapped[Decimal] = mapped_column(Money)
    stock: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    on_shelf: Mapped[bool] = mapped_column(Boolean, default=True)


class PreparedOffer(Base):
    """A coupon or 福袋 prepared for a show: what it gives (a coupon template, or for a 福袋 a
    prize product), how many, and who may claim it; one row per show and title."""

    __tablename__ = "live_offers"
    __table_args__ = (UniqueConstraint("live_session_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(64))
    coupon_template: Mapped[str | None] = mapped_column(String(32))
    prize_sku: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    position: Mapped[int] = mapped_column(Integer)


class LiveAttendance(Base):
    """Which lives a person attended (a row per person and live), written as the profiles
    consumer counts their ``Live Joined`` events (``live.attendance``)."""

    __tablename__ = "live_attendance"
    __table_args__ = (UniqueConstraint("customer_id", "live_session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    live_session_id: Mapped[int] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LiveAudienceMember(Base):
    """A person in one of a show's follow-up audiences (``contracts.FollowUp``), as its
    post-live report found them; segments read these through ``live_audience`` rules."""

    __tablename__ = "live_audience_members"

    live_session_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audience: Mapped[str] = mapped_column(String(24), primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id"), primary_key=True, index=True
    )
    # What the report knows of this person in this audience: for 提问未获回复, the questions
    # they asked that stayed open (``{"asked": [{aspect, sku, text, product}]}``); else null.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)


class LiveReport(Base):
    """The latest post-live report of a show (``live.reports``): one JSON document."""

    __tablename__ = "live_reports"

    live_session_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class LiveScript(Base):
    """An operator's 话术 (``live.scripts``): the suggested answer to a question of one aspect,
    for one product (``sku``) or any (``sku`` NULL); the product's wins."""

    __tablename__ = "live_scripts"
    # NULLs are distinct in a unique constraint: the partial index keeps one answer per aspect
    # for any product.
    __table_args__ = (
        UniqueConstraint("aspect", "sku"),
        Index(
            "uq_live_scripts_aspect_any",
            "aspect",
            unique=True,
            sqlite_where=sql("sku IS NULL"),
            postgresql_where=sql("sku IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    aspect: Mapped[str] = mapped_column(String(16))
    sku: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


# How a OneID merge treats attendance (see profiles.merge_policies).
profiles.declare_merge_policy(
    "live_attendance",
    profiles.Handled("moved to the survivor on merge, one row per live; recounted on split"),
)

# The action log and the platforms' shows (piece C of issue 12) live in a module of their own.
from liveloop.live import action_tables as _action_tables  # noqa: E402, F401

profiles.declare_merge_policy(
    "live_audience_members",
    profiles.Handled(
        "a show's audiences are written afresh when its report is made; segments over them "
        "count living people only, so a merged-away person drops out"
    ),
)
