"""Live sessions (one show in one room) and who attended which."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles import service as profiles
from liveloop.store.base import Base, JSONDoc, UTCDateTime


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
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)


class LiveReport(Base):
    """The latest post-live report of a show (``live.reports``): one JSON document."""

    __tablename__ = "live_reports"

    live_session_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


# How a OneID merge treats attendance (see profiles.merge_policies).
profiles.declare_merge_policy(
    "live_attendance",
    profiles.Handled("moved to the survivor on merge, one row per live; recounted on split"),
)
profiles.declare_merge_policy(
    "live_audience_members",
    profiles.Handled(
        "a show's audiences are written afresh when its report is made; segments over them "
        "count living people only, so a merged-away person drops out"
    ),
)
