"""Tables of the journeys domain.

Invariants:
- A journey's definition is never edited in place: editing stores a new ``JourneyVersion`` and
  moves ``Journey.version``; people already inside keep the version they entered on
  (``JourneyState.version``) until they finish.
- ``(journey_id, customer_id, entry_key)`` is unique, so replaying the event or the scheduled
  slot that let a person in never lets them in twice.
- A state is advanced only inside the transaction that locked it, together with every effect
  of the steps it ran (messages, coupons, tags, tasks go to the store or the outbox in that same
  transaction), so a crash either loses the whole advance or none of it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.journeys.contracts import JourneyStatus
from liveloop.store.base import Base, JSONDoc, Money, UTCDateTime
from liveloop.store.eventlog import BigId


class Journey(Base):
    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default=JourneyStatus.DRAFT, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The trigger's event name (event triggers; "Segment Entered" for segment triggers), so the
    # event consumer finds the journeys an event can start with one indexed lookup.
    trigger_event: Mapped[str | None] = mapped_column(String(128), index=True)
    # Events from before this moment never let anyone in (no replay of history on activation).
    entry_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Date and schedule triggers: the last local slot already scanned.
    scanned_through: Mapped[str | None] = mapped_column(String(32))
    template: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JourneyVersion(Base):
    __tablename__ = "journey_versions"
    __table_args__ = (UniqueConstraint("journey_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JourneyState(Base):
    """One person's pass through one journey."""

    __tablename__ = "journey_states"
    __table_args__ = (
        UniqueConstraint("journey_id", "customer_id", "entry_key"),
        Index("ix_journey_states_due", "status", "due_at"),
        Index("ix_journey_states_person", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    entry_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(12))  # a StateStatus
    step: Mapped[str | None] = mapped_column(String(48))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_for: Mapped[str | None] = mapped_column(String(128))
    variant: Mapped[str | None] = mapped_column(String(32))
    # What the steps know: the trigger's properties, the product looked at most, a coupon code …
    context: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_reason: Mapped[str | None] = mapped_column(String(64))
    goal_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JourneyStepRun(Base):
    """A step a person went through, with its outcome: the journey's metrics and audit trail."""

    __tablename__ = "journey_step_runs"
    __table_args__ = (Index("ix_journey_step_runs_journey", "journey_id", "version", "step"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("journey_states.id"), index=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id"))
    version: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(48))
    kind: Mapped[str] = mapped_column(String(16))
    # a StepOutcome, or the variant taken (variant:<name>)
    outcome: Mapped[str] = mapped_column(String(48))
    detail: Mapped[str | None] = mapped_column(String(255))
    message_id: Mapped[int | None] = mapped_column(BigId)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
