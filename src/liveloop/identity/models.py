"""Identifiers seen for a person.

Invariant: an identifier (type, value) belongs to exactly one customer at a time; the unique
constraint keeps it, and merges move rows rather than copy them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, UTCDateTime, utcnow


class IdentityType(StrEnum):
    """Identifier types, strongest first (the order OneID trusts them in)."""

    MEMBER_NO = "member_no"
    UNIONID = "unionid"
    PHONE = "phone"
    OPENID = "openid"
    DOUYIN_ID = "douyin_id"
    DEVICE_ID = "device_id"
    ANONYMOUS_ID = "anonymous_id"


class Identity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("type", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(24))
    value: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
