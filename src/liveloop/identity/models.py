"""Identifiers seen for a person.

Invariant: an identifier (type, value) belongs to exactly one customer at a time; the unique
constraint keeps it, and merges move rows rather than copy them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles import service as profiles
from liveloop.store.base import Base, JSONDoc, UTCDateTime, utcnow


class Identity(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("type", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(24))
    value: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Times this (weak) identifier was seen with another person's strong identifier; past
    # rules.SHARED_THRESHOLD it is a shared device and gets blocked.
    conflicts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IdentifierBlock(Base):
    """Values that never identify anyone: placeholders added by operators, shared devices."""

    __tablename__ = "identifier_blocks"
    __table_args__ = (UniqueConstraint("type", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(24))
    value: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(32))  # "placeholder" | "shared"
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdentityMerge(Base):
    """Audit of one merge: who survived, who was merged, on what evidence, what moved.
    ``split_at`` is set when an operator undid it."""

    __tablename__ = "identity_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    moved_identities: Mapped[list[list[str]]] = mapped_column(JSONDoc)
    # Keys of the rows of Carried tables the merge moved, by table (profiles.merge_policies),
    # so a split returns exactly those; empty on merges made before it was recorded.
    carried_rows: Mapped[dict[str, list[Any]] | None] = mapped_column(JSONDoc)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    split_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# How a OneID merge treats these tables (see profiles.merge_policies).
profiles.declare_merge_policy(
    "identities",
    profiles.Handled(
        "moved to the survivor on merge (listed in the audit's moved_identities), "
        "those moved back on split (identity.resolve)"
    ),
)
# The event log is the kernel's; OneID decides whose an event is, so it declares it here.
profiles.declare_merge_policy(
    "events",
    profiles.Handled(
        "moved to the survivor on merge; on split an event goes back when its "
        "identifiers name only the restored person, or when it names a carried "
        "row that went back (identity.resolve)"
    ),
)
