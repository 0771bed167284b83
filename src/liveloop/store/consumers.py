"""Event log consumers: each keeps a cursor in the store and handles events at-least-once.

    consumers = Consumers()
    consumers.subscribe("profile-counters", update_counters, names={"Order Completed"})
    consumers.run_once(session_factory, clock)

How a batch runs, in ONE transaction per consumer:
1. lock the consumer's cursor row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers
   never run the same consumer at once; SQLite has one writer anyway);
2. retry the consumer's failed events that are due;
3. hand the events after the cursor to the handler, each inside a SAVEPOINT;
4. move the cursor past the batch and commit.

A handler that raises ``Exception`` has its savepoint rolled back; the event is parked in
``consumer_failures`` and retried with exponential backoff, and the batch goes on, so one bad
event blocks nothing. After ``max_attempts`` it is marked dead for an operator to look at.
Anything that interrupts the batch itself (a crash, ``KeyboardInterrupt``, the process dying)
rolls back the handlers' writes and the cursor together: on restart the batch runs again, and
because handler writes and cursor move commit atomically, every event takes effect exactly once.
Effects outside the store go through the outbox, whose idempotency keys make repeats harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from liveloop.clock import Clock
from liveloop.store.base import Base, UTCDateTime
from liveloop.store.engine import dialect_insert, for_update, transaction
from liveloop.store.eventlog import BigId, Event, LoggedEvent

log = logging.getLogger(__name__)

Handler = Callable[[Session, LoggedEvent], None]


class ConsumerCursor(Base):
    __tablename__ = "consumer_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsumerFailure(Base):
    __tablename__ = "consumer_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consumer: Mapped[str] = mapped_column(String(64), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # retrying -> (resolved, row deleted) | dead
    status: Mapped[str] = mapped_column(String(12), default="retrying")
    last_error: Mapped[str] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


def backoff(attempts: int, base_seconds: float = 2.0, cap_seconds: float = 3600.0) -> timedelta:
    """2 s, 4 s, 8 s … capped at an hour."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** (attempts - 1)))


@dataclass(frozen=True)
class Consumer:
    name: str
    handler: Handler
    names: frozenset[str] | None = None
    batch_size: int = 500
    max_attempts: int = 8
    # Never read past this consumer's cursor: for consumers that need what it did to each event
    # first (the person OneID resolved it to, say).
    follows: str | None = None


@dataclass(frozen=True)
class BatchReport:
    consumer: str
    handled: int = 0
    failed: int = 0
    retried_ok: int = 0
    skipped_locked: bool = False


class Consumers:
    """The registry of consumers and the loop that feeds them."""

    def __init__(self) -> None:
        self._consumers: dict[str, Consumer] = {}
        self._cursor_exists: set[str] = set()

    def subscribe(
        self,
        name: str,
        handler: Handler,
        *,
        names: Collection[str] | None = None,
        batch_size: int = 500,
        max_attempts: int = 8,
        follows: str | None = None,
    ) -> Consumer:
        """Register ``handler`` under a stable ``name`` (the cursor's key; renaming restarts it)."""
        if name in self._consumers:
            raise ValueError(f"consumer {name!r} is already subscribed")
        consumer = Consumer(
            name, handler, frozenset(names) if names else None, batch_size, max_attempts, follows
        )
        self._consumers[name] = consumer
        return consumer

    def __contains__(self, name: object) -> bool:
        return name in self._consumers

    def run_once(self, factory: sessionmaker[Session], clock: Clock) -> list[BatchReport]:
        """Give every consumer one batch. A consumer whose batch fails outright (the store is
        down, say) is logged and the others still run."""
        reports = []
        for consumer in self._consumers.values():
            try:
                known = consumer.name in self._cursor_exists
                reports.append(run_batch(consumer, factory, clock, cursor_known=known))
                self._cursor_exists.add(consumer.name)
            except Exception:
                log.exception("consumer %s: batch failed; it will run again", consumer.name)
        return reports

    def run_until_idle(self, factory: sessionmaker[Session], clock: Clock) -> int:
        """Run batches until no consumer has new events; returns events handled."""
        total = 0
        while True:
            handled = sum(r.handled + r.failed for r in self.run_once(factory, clock))
            total += handled
            if handled == 0:
                return total


def run_batch(
    consumer: Consumer,
    factory: sessionmaker[Session],
    clock: Clock,
    *,
    cursor_known: bool = False,
) -> BatchReport:
    """One batch for one consumer (see the module docstring). ``cursor_known`` skips creating
    the cursor row when this process has already seen it."""
    if not cursor_known:
        ensure_cursor(factory, consumer.name)
    with transaction(factory) as session:
        cursor = _lock_cursor(session, consumer.name)
        if cursor is None:
            return BatchReport(consumer.name, skipped_locked=True)
        now = clock.now()
        retried_ok = _retry_due_failures(session, consumer, now)

        query = select(Event).where(Event.id > cursor.position)
        if consumer.follows is not None:
            query = query.where(Event.id <= _followable(session, consumer.follows))
        if consumer.names is not None:
            query = query.where(Event.name.in_(consumer.names))
        rows = session.scalars(query.order_by(Event.id).limit(consumer.batch_size)).all()
        handled = failed = 0
        for row in rows:
            error = _handle(session, consumer, LoggedEvent.of(row))
            if error is None:
                handled += 1
            else:
                failed += 1
                session.add(
                    ConsumerFailure(
                        consumer=consumer.name,
                        event_id=row.id,
                        attempts=1,
                        last_error=error,
                        next_attempt_at=now + backoff(1),
                        failed_at=now,
                        status="dead" if consumer.max_attempts <= 1 else "retrying",
                    )
                )
        if rows:
            cursor.position = rows[-1].id
            cursor.updated_at = now
        return BatchReport(consumer.name, handled, failed, retried_ok)


def _handle(session: Session, consumer: Consumer, event: LoggedEvent) -> str | None:
    """Run the handler in a savepoint; returns the error, or None when it succeeded."""
    try:
        with session.begin_nested():
            consumer.handler(session, event)
        return None
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("consumer %s: event %s failed: %s", consumer.name, event.id, error)
        return error


def _retry_due_failures(session: Session, consumer: Consumer, now: datetime) -> int:
    due = session.scalars(
        select(ConsumerFailure)
        .where(
            ConsumerFailure.consumer == consumer.name,
            ConsumerFailure.status == "retrying",
            ConsumerFailure.next_attempt_at <= now,
        )
        .order_by(ConsumerFailure.event_id)
        .limit(consumer.batch_size)
    ).all()
    ok = 0
    for failure in due:
        row = session.get(Event, failure.event_id)
        error = (
            "event no longer exists"
            if row is None
            else _handle(session, consumer, LoggedEvent.of(row))
        )
        if error is None:
            session.delete(failure)
            ok += 1
            continue
        failure.attempts += 1
        failure.last_error = error
        failure.next_attempt_at = now + backoff(failure.attempts)
        if failure.attempts >= consumer.max_attempts or row is None:
            failure.status = "dead"
    return ok


def ensure_cursor(factory: sessionmaker[Session], name: str) -> None:
    """Create the consumer's cursor row in a short transaction of its own. Creating it inside a
    batch would make a second worker's insert wait for that whole batch instead of skipping it."""
    with transaction(factory) as session:
        insert = dialect_insert(session)
        session.execute(
            insert(ConsumerCursor).values(name=name, position=0).on_conflict_do_nothing()
        )


def _followable(session: Session, name: str) -> int:
    """How far a follower of ``name`` may read: up to its cursor, but not past an event it is
    still retrying (the follower would see that event before its leader had done its part).
    Events the leader gave up on (dead) hold nobody back."""
    stuck = session.scalar(
        select(func.min(ConsumerFailure.event_id)).where(
            ConsumerFailure.consumer == name, ConsumerFailure.status == "retrying"
        )
    )
    position = position_of(session, name)
    return position if stuck is None else min(position, stuck - 1)


def position_of(session: Session, name: str) -> int:
    """How far a consumer has read (0 before its first batch)."""
    return session.scalar(select(ConsumerCursor.position).where(ConsumerCursor.name == name)) or 0


def _lock_cursor(session: Session, name: str) -> ConsumerCursor | None:
    """The cursor, locked for this batch; None while another worker holds it (or before
    ``ensure_cursor`` made it)."""
    query = select(ConsumerCursor).where(ConsumerCursor.name == name)
    return session.scalars(for_update(session, query, skip_locked=True)).one_or_none()


def failures(session: Session, consumer: str | None = None) -> list[ConsumerFailure]:
    query = select(ConsumerFailure).order_by(ConsumerFailure.id)
    if consumer:
        query = query.where(ConsumerFailure.consumer == consumer)
    return list(session.scalars(query))
