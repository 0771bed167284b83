"""The tables of one-click actions and of the platforms' shows (imported by ``live.models``).

``live_actions`` is append-only: an action's facts (room, show, kind, target, detail, who,
when, key) never change once written; only its delivery columns move (pending → delivered /
manual / failed). The database holds this, not only the code: triggers of migration 0014
refuse an UPDATE of a fact column and a DELETE of a row younger than the retention horizon
(``live_retention.purge_before``, which only the retention purge sets; see ``live.retention``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, JSONDoc, UTCDateTime


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued on the outbox
    DELIVERED = "delivered"  # the room's connector took it (the H5 feed shows it)
    MANUAL = "manual"  # the platform has no way in: the host does it in the platform's app
    FAILED = "failed"  # the connector refused it for good (the reason is kept)


class LiveAction(Base):
    __tablename__ = "live_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    room: Mapped[str] = mapped_column(String(64), index=True)
    live_session_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    taken_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The caller's idempotency key: a replayed click returns the first action.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    delivery_status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_note: Mapped[str | None] = mapped_column(Text)


class LiveRetention(Base):
    """One row (id 1): the horizon before which the retention purge may delete live records.
    The delete trigger on ``live_actions`` reads it; nothing younger can be deleted."""

    __tablename__ = "live_retention"

    id: Mapped[int] = mapped_column(primary_key=True)
    purge_before: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PullState(StrEnum):
    WAITING = "waiting"  # the platform's show has not ended, or a retry is due
    PULLED = "pulled"
    FAILED = "failed"  # refused for good (a wrong secret …); ``last_error`` says why, in Chinese


class LivePlatformShow(Base):
    """A show of ours held on a platform (a WeCom living id …), and the connector's pull of its
    viewers after it ended."""

    __tablename__ = "live_platform_shows"
    __table_args__ = (UniqueConstraint("platform", "platform_show_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(Integer, unique=True)
    platform: Mapped[str] = mapped_column(String(24))
    platform_show_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(12), default=PullState.WAITING, index=True)
    next_pull_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    viewers: Mapped[int] = mapped_column(Integer, default=0)
    # What the platform said of the show (start, duration, viewer count …), as it said it.
    info: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
