"""Tables of the segments domain: saved segments, their materialised memberships, and the
indexes segment queries need on other domains' tables (declared here, created by migration
0006, so the owning modules stay untouched)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, JSONDoc, UTCDateTime


class Segment(Base):
    """A named rule. ``version`` grows with every edit of the rule or name; memberships are
    recomputed from the rule as it stands at each refresh."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Refreshes that changed memberships: numbers the Entered/Exited events' message ids.
    refreshes: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    members: Mapped[int] = mapped_column(Integer, default=0)
    # What made the segment when the system did (a show's follow-up audience: live_session_id,
    # follow_up, room); its Segment Entered / Exited events carry it, so journeys can pick
    # "看了未买 of any show" by property. None for segments people make.
    origin: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)


class SegmentMember(Base):
    """A person in a segment as of its last refresh."""

    __tablename__ = "segment_members"

    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)


Index("ix_segment_members_customer_id", SegmentMember.customer_id)


def _segment_indexes() -> None:
    """Indexes on other domains' tables that segment queries read by (see migration 0006)."""
    from liveloop.commerce.models import OrderItem
    from liveloop.profiles.models import CustomerTag
    from liveloop.store.eventlog import Event

    # Event windows and live watch time: events of one name in a time range.
    Index("ix_events_name_timestamp", Event.name, Event.timestamp)
    # "has tag X" reads the people of a tag without touching the table rows.
    Index("ix_customer_tags_tag_customer_id", CustomerTag.tag, CustomerTag.customer_id)
    # "bought SKU A / category C": a product's order lines, with their orders, index only.
    Index("ix_order_items_product_id_order_id", OrderItem.product_id, OrderItem.order_id)


_segment_indexes()
