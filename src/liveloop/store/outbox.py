"""The outbox: side effects that leave the system (messages, webhooks, refunds).

Domain code calls ``enqueue`` inside its own transaction, so a message exists exactly when the
change that caused it committed. After commit, the drainer sends it:

    pending --claim (lease)--> sending --sender ok--> sent
                                  |--sender raises--> pending (backoff) ... --> dead
                                  |--sender defers--> pending (until a time; no attempt used)

A sender defers (``Deferred``) when the message may not go *yet* — quiet hours, a rate limit —
which is not a failure: the claim's attempt is given back. ``RetryAfter`` is a failure with a
delay the receiver named (a rate-limit error code, ``Retry-After``): it uses an attempt.

Sending happens outside any transaction, under a lease: a worker that dies mid-send leaves the
row ``sending`` until the lease runs out, then another worker sends it again. So delivery is
at-least-once, and every send carries the message's ``idempotency_key`` for the receiver to
de-duplicate on; a second ``enqueue`` with the same key is a no-op.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Integer, String, Table, Text, event, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from liveloop.clock import Clock
from liveloop.store.base import Base, JSONDoc, UTCDateTime
from liveloop.store.consumers import backoff
from liveloop.store.engine import for_update, transaction
from liveloop.store.eventlog import BigId

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Envelope:
    """What a sender gets: never a live ORM row."""

    id: int
    kind: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int  # including this one
    lease_until: datetime


Sender = Callable[[Envelope], None]


class PermanentFailure(Exception):
    """A sender's verdict that retrying cannot help (a rejected recipient, say)."""


class Deferred(Exception):
    """Not now: send again at ``until`` without counting an attempt (quiet hours, rate limit)."""

    def __init__(self, until: datetime, reason: str) -> None:
        super().__init__(reason)
        self.until = until


class RetryAfter(Exception):
    """A retryable failure whose receiver said how long to wait (rate-limit codes)."""

    def __init__(self, delay: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay


_ENQUEUE: dict[str, Any] = {}


def _enqueue_statement(dialect: str) -> Any:
    """One compiled-once INSERT … ON CONFLICT DO NOTHING per dialect, values bound per call
    (a statement with literal values costs SQLAlchemy a fresh cache key on every call)."""
    if dialect not in _ENQUEUE:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        _ENQUEUE[dialect] = insert(cast(Table, OutboxMessage.__table__)).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
    return _ENQUEUE[dialect]


def enqueue(
    session: Session, kind: str, idempotency_key: str, payload: dict[str, Any], now: datetime
) -> None:
    """Queue a side effect in the caller's transaction; repeating a key changes nothing."""
    session.execute(
        _enqueue_statement(session.get_bind().dialect.name),
        {
            "kind": kind,
            "idempotency_key": idempotency_key,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    session.info["outbox_pending"] = True


@dataclass(frozen=True)
class DrainReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    deferred: int = 0


class Outbox:
    """Senders by kind, and the drain loop that hands them due messages."""

    def __init__(self, max_attempts: int = 10) -> None:
        self.senders: dict[str, Sender] = {}
        self.max_attempts = max_attempts
        # Set after any commit that enqueued something, so the worker drains at once.
        self.wake = threading.Event()

    def register(self, kind: str, sender: Sender) -> None:
        self.senders[kind] = sender

    def watch(self, factory: sessionmaker[Session]) -> None:
        """Wake the drainer after every commit (through ``factory``) that enqueued a message."""

        def after_commit(session: Session) -> None:
            if session.info.pop("outbox_pending", False):
                self.wake.set()

        event.listen(factory, "after_commit", after_commit)

    def drain(self, factory: sessionmaker[Session], clock: Clock, limit: int = 10) -> DrainReport:
        """Claim up to ``limit`` due messages and send them one by one. Keep ``limit`` small
        enough that the last send starts well inside its lease (LEASE) even with slow senders."""
        outcomes: Counter[str] = Counter()
        for envelope in self._claim(factory, clock.now(), limit):
            error, permanent, when = self._send(envelope)
            outcomes[self._settle(factory, envelope, error, permanent, clock.now(), when)] += 1
        return DrainReport(
            outcomes["sent"], outcomes["retrying"], outcomes["dead"], outcomes["deferred"]
        )

    def _send(self, envelope: Envelope) -> tuple[str | None, bool, datetime | timedelta | None]:
        """Hand the message to its sender; returns (error, permanent, when): ``when`` is a
        deferral's time (a datetime) or a receiver-named retry delay (a timedelta)."""
        sender = self.senders.get(envelope.kind)
        if sender is None:
            return f"no sender registered for kind {envelope.kind!r}", True, None
        try:
            sender(envelope)
        except PermanentFailure as exc:
            return f"permanent: {exc}"[:2000], True, None
        except Deferred as exc:
            return f"deferred: {exc}"[:2000], False, exc.until
        except RetryAfter as exc:
            return f"{type(exc).__name__}: {exc}"[:2000], False, exc.delay
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:2000], False, None
        return None, False, None

    def _settle(
        self,
        factory: sessionmaker[Session],
        envelope: Envelope,
        error: str | None,
        permanent: bool,
        now: datetime,
        when: datetime | timedelta | None = None,
    ) -> str:
        """Record a send's outcome: "sent", "retrying", "deferred", "dead" — or "superseded"
        when the lease ran out and another worker re-claimed the message (its outcome is the
        one that counts)."""
        with transaction(factory) as session:
            row = session.get(OutboxMessage, envelope.id)
            if (
                row is None
                or row.status != "sending"
                or row.next_attempt_at != envelope.lease_until
            ):
                return "superseded"
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", now, None
                return "sent"
            row.last_error = error
            if isinstance(when, datetime):
                # Give the claim's attempt back; never due sooner than now (no busy loop).
                row.status, row.attempts = "pending", max(0, row.attempts - 1)
                row.next_attempt_at = max(when, now + timedelta(seconds=1))
                return "deferred"
            if permanent or row.attempts >= self.max_attempts:
                row.status = "dead"
                log.warning("outbox %s %s is dead: %s", row.kind, row.id, error)
                return "dead"
            delay = when if isinstance(when, timedelta) else backoff(row.attempts)
            row.status, row.next_attempt_at = "pending", now + delay
            return "retrying"

    def drain_until_idle(self, factory: sessionmaker[Session], clock: Clock) -> int:
        """Drain until nothing is due; returns messages sent."""
        total = 0
        while True:
            report = self.drain(factory, clock)
            if report.sent + report.retrying + report.dead + report.deferred == 0:
                return total
            total += report.sent

    def _claim(self, factory: sessionmaker[Session], now: datetime, limit: int) -> list[Envelope]:
        """Lease due messages to this worker. Attempts are counted here, so a message whose
        send kills its worker every time still goes dead after ``max_attempts``."""
        with transaction(factory) as session:
            due = or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                # a lease that ran out: its worker died mid-send
                (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= now),
            )
            query = select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
            claimed = []
            for row in session.scalars(for_update(session, query, skip_locked=True)).all():
                if row.attempts >= self.max_attempts:
                    row.status = "dead"
                    row.last_error = row.last_error or "worker stopped while sending"
                    continue
                row.attempts += 1
                row.status = "sending"
                row.next_attempt_at = now + LEASE
                claimed.append(
                    Envelope(
                        row.id,
                        row.kind,
                        row.idempotency_key,
                        dict(row.payload),
                        row.attempts,
                        row.next_attempt_at,
                    )
                )
            return claimed
