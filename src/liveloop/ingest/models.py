"""Sources: where events come from (mini-program, H5 live page, WeCom, POS, a server …), each
with its own write key (stored as a SHA-256 hash) and rate limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, UTCDateTime, utcnow
from liveloop.store.eventlog import BigId


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
    # An order ledger: its Segment e-commerce Order Completed / Order Refunded events become
    # orders (``ingest.ledger``), not only timeline entries.
    order_ledger: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LedgerRefusal(Base):
    """An order-ledger event that did not become an order (or refund), and why. The event stays
    in the log; one row per event (unique on it), so a replay records nothing twice."""

    __tablename__ = "ledger_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(BigId, unique=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    event_name: Mapped[str] = mapped_column(String(128))
    order_no: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
