"""Portal tables: the share links leaders hand out.

Invariant, held by the store: a leader has one link per target — UNIQUE (leader, kind,
target) — so asking again answers the same token, and a token names one link (UNIQUE).
The opens are events on the log (``Invite Link Opened``), not rows here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, UTCDateTime


class ShareLink(Base):
    """A tracked link of one leader (by code) to one target: a show (``live``, its id) or a
    product (``product``, its SKU)."""

    __tablename__ = "portal_share_links"
    __table_args__ = (UniqueConstraint("leader", "kind", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    leader: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    target: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
