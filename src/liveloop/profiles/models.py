"""The customer: one real person, the node every identifier, order and event points at."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, JSONDoc, UTCDateTime, utcnow


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
