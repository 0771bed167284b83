"""Tables of the guides domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, JSONDoc, UTCDateTime, utcnow


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class GuideTask(Base):
    """A to-do for a guide (导购) about one customer: "张女士已收货2天,建议发送食谱".

    ``assignee`` is a console username, or None for the team pool that every guide sees; a guide
    who completes a pool task becomes its assignee. ``idempotency_key`` is unique, so a journey
    step that runs twice creates the task once."""

    __tablename__ = "guide_tasks"
    __table_args__ = (Index("ix_guide_tasks_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=TaskStatus.OPEN)
    outcome: Mapped[str | None] = mapped_column(Text)
    # {"journey_id", "journey_version", "step"} when a journey created it.
    origin: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
