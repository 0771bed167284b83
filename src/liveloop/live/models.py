"""Live sessions (one show in one room)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

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
