"""The catalog's own table: regional pools (a named set of provinces a SKU may be sold in)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, JSONDoc, UTCDateTime, utcnow


class RegionalPool(Base):
    """A named pool of provinces (``south`` 南方籼米区 …). A SKU in a pool is sold only to
    addresses in these provinces; ``provinces`` holds full names (广东省, 上海市 …), as
    ``commerce.catalog.regions.province`` normalises them."""

    __tablename__ = "regional_pools"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    provinces: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
