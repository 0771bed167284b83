"""The append-only event log: tracked events from SDKs and the domain events our modules emit.

Invariants:
- ``message_id`` is unique; appending an event whose id is already there is a no-op, so a
  replayed batch creates nothing new.
- ids grow in commit order. SQLite has one writer at a time, so this holds by itself; on
  PostgreSQL appends take a transaction-scoped advisory lock, so a consumer reading ``id > cursor``
  can never skip a row that commits later with a smaller id (see docs/decisions/0003).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from typing import Any

import orjson
from sqlalchemy import BigInteger, Integer, String, event, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from liveloop.store.base import Base, JSONDoc, UTCDateTime, json_default, utcnow
from liveloop.store.engine import dialect_insert

EVENT_APPEND_LOCK = 0x6C6C6576  # "llev": the advisory lock key serialising appends on PostgreSQL

BigId = BigInteger().with_variant(Integer, "sqlite")


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(128), unique=True)
    # Segment call type: track, identify, page, screen, group, alias — or "domain" for our own.
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(128), index=True)
    # The person (a profiles customer id), filled by the profiles consumer; deliberately no foreign
    # key: the kernel points at no domain table.
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    anonymous_id: Mapped[str | None] = mapped_column(String(128), index=True)
    user_id: Mapped[str | None] = mapped_column(String(128), index=True)
    properties: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    context: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append. ``message_id`` makes the append idempotent; give a deterministic one
    (``"order-completed:SO123"``) when the same fact may be emitted twice."""

    name: str | None
    timestamp: datetime
    source: str
    type: str = "domain"
    message_id: str | None = None
    customer_id: int | None = None
    anonymous_id: str | None = None
    user_id: str | None = None
    properties: Mapping[str, Any] | None = None
    context: Mapping[str, Any] | None = None

    def row(self, received_at: datetime) -> dict[str, Any]:
        return {
            "message_id": self.message_id or uuid.uuid4().hex,
            "type": self.type,
            "name": self.name,
            "customer_id": self.customer_id,
            "anonymous_id": self.anonymous_id,
            "user_id": self.user_id,
            "properties": dict(self.properties or {}),
            "context": dict(self.context or {}),
            "timestamp": self.timestamp,
            "received_at": received_at,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An event as a consumer sees it: read-only, detached from any session."""

    id: int
    message_id: str
    type: str
    name: str | None
    customer_id: int | None
    anonymous_id: str | None
    user_id: str | None
    properties: dict[str, Any]
    context: dict[str, Any]
    timestamp: datetime
    received_at: datetime
    source: str

    @classmethod
    def of(cls, row: Event) -> LoggedEvent:
        return cls(
            id=row.id,
            message_id=row.message_id,
            type=row.type,
            name=row.name,
            customer_id=row.customer_id,
            anonymous_id=row.anonymous_id,
            user_id=row.user_id,
            properties=dict(row.properties or {}),
            context=dict(row.context or {}),
            timestamp=row.timestamp,
            received_at=row.received_at,
            source=row.source,
        )


def append(session: Session, events: Iterable[NewEvent], received_at: datetime) -> int:
    """Append events in the caller's transaction; returns how many were new (duplicates skipped)."""
    rows = [event.row(received_at) for event in events]
    if not rows:
        return 0
    return append_rows(session, rows)


def emit(
    session: Session,
    name: str,
    *,
    at: datetime,
    source: str,
    message_id: str,
    customer_id: int | None = None,
    properties: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> None:
    """Log one domain event (a fact our own modules state) in the caller's transaction. The
    deterministic ``message_id`` makes stating the same fact twice a no-op."""
    event = NewEvent(
        name=name,
        timestamp=at,
        source=source,
        message_id=message_id,
        customer_id=customer_id,
        properties=properties,
        context=context,
    )
    append(session, [event], received_at=at)


def append_rows(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Append ready-made rows (the ingest hot path). Rows repeating a message id are skipped."""
    if session.get_bind().dialect.name == "sqlite":
        # The driver's own statements, as ingest's writer does: SQLAlchemy's per-value bind
        # processing and RETURNING cost more than the row (every domain event passes here).
        session.flush()
        return insert_sqlite_rows(session, sqlite_rows(rows))
    mark_appended(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_APPEND_LOCK})
    stmt = dialect_insert(session)(Event).on_conflict_do_nothing(index_elements=["message_id"])
    # Duplicates inside one call would be skipped by the database too, but dropping them first
    # keeps the returned count honest on every driver.
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        unique.setdefault(row["message_id"], row)
    result = session.execute(stmt.returning(Event.id), list(unique.values()))
    return len(result.all())


def last_event_id(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0


class Appended:
    """Says "events were committed to the log" to whoever tails it in this process (live's
    stream feed), so a tail wakes right after a commit instead of polling on a timer.

    A generation number, not a flag: a waiter passes the generation it last saw and returns as
    soon as it moved, so a commit between two waits is never missed; several waiters may wait at
    once. It only ever wakes a tail early: a tail still reads ``id > position`` from the store,
    so a commit in another process (which this signal never hears of) is found on its timer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until the generation differs from ``seen`` or ``timeout`` passes; returns the
        generation now."""
        with self._cond:
            self._cond.wait_for(lambda: self._generation != seen, timeout)
            return self._generation


# One per process: every session that appends marks itself (``mark_appended``) and the commit
# listener below rings it; the ingest writer, whose SQLite path bypasses ``append_rows``, marks
# its session too.
APPENDED = Appended()


def mark_appended(session: Session) -> None:
    session.info["events_appended"] = True


@event.listens_for(Session, "after_commit")
def _ring_after_commit(session: Session) -> None:
    if session.info.pop("events_appended", False):
        APPENDED.notify()


# ---- SQLite fast path (ingest's group commit and every domain event) ----------------------
# Rows per INSERT statement: 11 parameters each, within SQLite's limit of 32,766 (999 before
# SQLite 3.32).
_SQLITE_CHUNK = 500 if sqlite3.sqlite_version_info >= (3, 32) else 90
# SQLAlchemy's SQLite DATETIME storage format (naive UTC, always six fraction digits).
_SQLITE_TIME = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def sqlite_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as SQLite stores them through SQLAlchemy: JSON text, naive-UTC time strings."""
    received: dict[datetime, str] = {}
    out = []
    for r in rows:
        received_at = r["received_at"]
        received_text = received.get(received_at)
        if received_text is None:
            received_text = received[received_at] = _sqlite_time(received_at)
        out.append(
            (
                r["message_id"],
                r["type"],
                r["name"],
                r["customer_id"],
                r["anonymous_id"],
                r["user_id"],
                _json(r["properties"]),
                _json(r["context"]),
                _sqlite_time(r["timestamp"]),
                received_text,
                r["source"],
            )
        )
    return out


def _json(value: Any) -> str:
    # As the engine's json_serializer writes it: Decimals as strings, times ISO 8601.
    return orjson.dumps(value, default=json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        value = value.astimezone(UTC)
    return _SQLITE_TIME % (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


def insert_sqlite_rows(session: Session, rows: Sequence[Any]) -> int:
    """Append rows made by ``sqlite_rows`` through the session's SQLite connection, skipping
    message ids already in the log; returns how many went in."""
    mark_appended(session)  # the commit then wakes the log's tails (store.eventlog.APPENDED)
    connection = session.connection()
    driver: Any = connection.connection.driver_connection
    before = driver.total_changes
    # Multi-row statements, not executemany: the driver releases the GIL around every
    # statement it steps, and getting it back from a busy event loop can take a whole switch
    # interval (5 ms). One statement per few hundred rows makes that a per-group cost.
    for start in range(0, len(rows), _SQLITE_CHUNK):
        chunk = rows[start : start + _SQLITE_CHUNK]
        connection.exec_driver_sql(_sqlite_insert(len(chunk)), tuple(chain.from_iterable(chunk)))
    # Rows repeating a message id (earlier, or within this group) are skipped by the database;
    # total_changes counts the ones that went in.
    return int(driver.total_changes - before)


@cache
def _sqlite_insert(rows: int) -> str:
    values = ",".join(["(?,?,?,?,?,?,?,?,?,?,?)"] * rows)
    return (
        "INSERT INTO events (message_id, type, name, customer_id, anonymous_id, user_id,"  # noqa: S608 - placeholders only
        f" properties, context, timestamp, received_at, source) VALUES {values}"
        " ON CONFLICT (message_id) DO NOTHING"
    )
