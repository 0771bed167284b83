"""UGC tables: customers' recipes and reviews with their moderation, likes, polls with their
options and votes, honours, and the KOC scores the analytics run refreshes.

Invariants, each held by the store itself so no replay or race can break it:
- a review is one per order line: ``ugc_items`` UNIQUE (order_no, sku) (recipes leave both
  NULL, which never clash); a submission the mini-program retries with the same
  ``client_ref`` is the same item (UNIQUE client_ref);
- a person likes a recipe once (UNIQUE (item_id, customer_id)); ``likes`` on the item is
  raised only in the transaction whose insert won;
- a person votes once per poll (UNIQUE (poll_id, customer_id)): a replayed vote changes nothing;
- an honour is awarded once per person per month (UNIQUE (honour, month, customer_id)), and
  its points are credited by loyalty under a key derived from the same three, so a replay
  never credits twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles import service as profiles
from liveloop.store.base import Base, JSONDoc, UTCDateTime
from liveloop.ugc.contracts import UgcStatus


class UgcItem(Base):
    """A recipe (title, body, the SKUs it uses) or a review (order_no + sku, rating 1–5, body)
    by one customer, with its photos (attachment references) and its moderation."""

    __tablename__ = "ugc_items"
    __table_args__ = (
        UniqueConstraint("order_no", "sku", name="uq_ugc_items_order_line"),
        Index("ix_ugc_items_status_submitted_at", "status", "submitted_at"),
        Index("ix_ugc_items_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    client_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    skus: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    photos: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    order_no: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(32))
    rating: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=UgcStatus.SUBMITTED)
    flags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    hits: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200))


class UgcLike(Base):
    """A person liked an approved recipe (once)."""

    __tablename__ = "ugc_likes"
    __table_args__ = (UniqueConstraint("item_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ugc_items.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    liked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UgcPoll(Base):
    """A vote on a new flavour or pack, open for votes in [opens_at, closes_at)."""

    __tablename__ = "ugc_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(64))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class UgcPollOption(Base):
    """One choice of a poll (``key`` is what a vote names, ``label`` what people read)."""

    __tablename__ = "ugc_poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("ugc_polls.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class UgcVote(Base):
    """A person's one vote in a poll."""

    __tablename__ = "ugc_votes"
    __table_args__ = (UniqueConstraint("poll_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("ugc_polls.id"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("ugc_poll_options.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UgcHonour(Base):
    """An honour (月度之星, 最佳食谱) for one month, with the points loyalty credited for it
    (``posting_id``: loyalty's posting under the key ``ugc-honour:{honour}:{month}:{person}``)."""

    __tablename__ = "ugc_honours"
    __table_args__ = (UniqueConstraint("honour", "month", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    honour: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7), index=True)  # 2026-05, the brand's calendar
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("ugc_items.id"))
    points: Mapped[int] = mapped_column(Integer)
    posting_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    awarded_by: Mapped[str] = mapped_column(String(64))


class KocScore(Base):
    """A person's KOC score as the latest analytics run computed it (``ugc.koc``)."""

    __tablename__ = "koc_scores"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, index=True)
    influence: Mapped[int] = mapped_column(Integer)
    expertise: Mapped[int] = mapped_column(Integer)
    activity: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    recognised: Mapped[bool] = mapped_column(Boolean, default=False)
    recognised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)


# How a OneID merge treats these tables (see profiles.merge_policies).
profiles.declare_merge_policy(
    "ugc_items", profiles.Follows("a recipe or review stays with whom wrote it")
)
profiles.declare_merge_policy(
    "ugc_likes", profiles.Follows("a like stays with whom gave it; the item's count is as given")
)
profiles.declare_merge_policy(
    "ugc_votes", profiles.Follows("a vote stays with whom cast it; results count votes as cast")
)
profiles.declare_merge_policy(
    "ugc_honours", profiles.Follows("an honour stays with whom it was awarded to, as its points")
)
profiles.declare_merge_policy(
    "koc_scores",
    profiles.Handled("recomputed for the survivor by the next analytics run; merged rows dropped"),
)
