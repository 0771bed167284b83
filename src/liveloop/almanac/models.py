"""The calendar's one table: the brand's own dates (品牌日, 会员日 …).

Invariant: a name is unique and is never one of the calendar's built-in names (a brand date
called 冬至 would make ``next_day("冬至")`` mean two things); ``brand_dates.parse_rule`` is
the only way a row's rule columns are filled, so every row holds a rule that can be computed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, UTCDateTime


class BrandDate(Base):
    __tablename__ = "brand_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    # "yearly" (month, day), "monthly" (day) or "once" (on)
    every: Mapped[str] = mapped_column(String(8))
    month: Mapped[int | None] = mapped_column(Integer)
    day: Mapped[int | None] = mapped_column(Integer)
    on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
