"""The campaigns table: one row per template scheduled for a year.

Invariant: ``(template, year)`` is unique, so scheduling a template for a year a second time
— a double click, a retried request, the demo started again — finds the campaign already
there and changes nothing. The show and the journey it made are written in the same
transaction as the row, so a campaign never exists without them (nor they without it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, UTCDateTime


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("template", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    day_name: Mapped[str] = mapped_column(String(32))  # the calendar day: 冬至, 中秋 …
    day: Mapped[date] = mapped_column(Date, index=True)  # its date that year
    show_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"))
    show_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    journey_key: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
