"""Sources: where events come from (mini-program, H5 live page, WeCom, POS, a server …), each
with its own write key (stored as a SHA-256 hash) and rate limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, UTCDateTime, utcnow


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    write_key_prefix: Mapped[str] = mapped_column(String(16))
    write_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # For signed webhooks (live platform): the HMAC secret, stored because we must recompute
    # signatures; never shown again after creation.
    signing_secret: Mapped[str | None] = mapped_column(String(128))
    rate_limit_per_s: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
