"""Group commit: one writer thread commits the events of all waiting requests together.

A request hands its rows to ``EventWriter.write`` and waits. The writer takes everything that is
waiting (up to ``max_group_rows``), appends it in one transaction, commits, and only then
releases each request. So a 200 always means "committed", while the cost of a commit (and, on
SQLite, of the fsync — ingest writes use ``synchronous=FULL``) is shared by every request that
arrived while the previous group was being written. No timer is involved: under light load a
group is one request, under heavy load it grows by itself.

Invariants:
- a request's rows are written all together or not at all: if a group fails, each of its
  requests is retried in a transaction of its own, so one bad request cannot fail the others;
- appends are idempotent on ``message_id`` (a replayed batch adds nothing);
- at most ``max_waiting_rows`` wait; beyond that ``write`` refuses with ``Busy`` (503) instead of
  queueing without bound.

On SQLite the rows go in as multi-row INSERT statements through the session's own connection,
with JSON and times already in the form SQLAlchemy stores them (the same bytes
``store.eventlog.append_rows`` writes, checked by a test): SQLAlchemy's per-value bind processing
cost 3.5× the throughput. WAL checkpoints run on a thread of their own. PostgreSQL uses
``append_rows`` itself (with its advisory lock, once per group). docs/decisions/0006 has the
measurements.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from liveloop.ingest.errors import Busy
from liveloop.store.engine import make_engine, make_session_factory, transaction
from liveloop.store.eventlog import append_rows, insert_sqlite_rows, sqlite_rows

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Waiting:
    rows: Sequence[Any]
    done: Future[None]


class EventWriter:
    """Appends events to the log in group commits (see the module docstring)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        max_group_rows: int = 5_000,
        max_waiting_rows: int = 200_000,
        own_engine: Engine | None = None,
    ) -> None:
        self.sessions = sessions
        self.max_group_rows = max_group_rows
        self.max_waiting_rows = max_waiting_rows
        self._own_engine = own_engine
        bind = sessions.kw["bind"]
        self.sqlite = bind.dialect.name == "sqlite"
        self._prepare: Callable[[Sequence[dict[str, Any]]], Sequence[Any]] = (
            sqlite_rows if self.sqlite else list
        )
        self._insert: Callable[[Session, Sequence[Any]], int] = (
            insert_sqlite_rows if self.sqlite else append_rows
        )
        self._cond = threading.Condition()
        self._waiting: deque[_Waiting] = deque()
        self._waiting_rows = 0
        self._thread: threading.Thread | None = None
        self._closing = False
        self._checkpointer: _Checkpointer | None = None
        self.groups = 0  # commits made, and events new to the log (tests, the benchmark)
        self.events = 0

    @classmethod
    def for_store(cls, url: str, sessions: sessionmaker[Session], **kwargs: Any) -> EventWriter:
        """A writer on the store at ``url``. On a SQLite file it has its own engine whose
        connections commit with ``synchronous=FULL`` (fsync on every commit: durable before the
        200, not only safe from a process crash); elsewhere it shares ``sessions``."""
        if not url.startswith("sqlite") or url.rstrip("/").endswith((":memory:", "sqlite:")):
            return cls(sessions, **kwargs)
        engine = make_engine(url)
        event.listen(engine, "connect", _ingest_pragmas)
        return cls(make_session_factory(engine), own_engine=engine, **kwargs)

    async def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append ``rows`` (event-log rows, as ``append_rows`` takes them); returns once they are
        committed. Rows whose message id is already in the log are skipped."""
        try:
            return await asyncio.wrap_future(self.submit(rows))
        except OperationalError as exc:
            # The store is locked past its timeout, or out of disk: nothing was written and the
            # client should come back, which SDKs do on a 503.
            log.warning("event log unavailable: %r", exc)
            raise Busy(
                "the event log cannot be written just now; retry shortly",
                headers={"Retry-After": "5"},
            ) from None

    def submit(self, rows: Sequence[dict[str, Any]]) -> Future[None]:
        done: Future[None] = Future()
        if not rows:
            done.set_result(None)
            return done
        prepared = self._prepare(rows)
        with self._cond:
            if self._waiting_rows + len(prepared) > self.max_waiting_rows:
                raise Busy(
                    "too many events are waiting to be written; retry in a second",
                    headers={"Retry-After": "1"},
                )
            self._waiting.append(_Waiting(prepared, done))
            self._waiting_rows += len(prepared)
            if self._thread is None:
                self._closing = False
                self._thread = threading.Thread(
                    target=self._run, name="liveloop-event-writer", daemon=True
                )
                self._thread.start()
                if self._own_engine is not None:
                    self._checkpointer = _Checkpointer(self._own_engine)
            self._cond.notify()
        return done

    def close(self) -> None:
        """Write what is waiting, then stop the thread (a later ``write`` starts it again)."""
        with self._cond:
            thread = self._thread
            self._closing = True
            self._cond.notify()
        if thread is not None:
            thread.join()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._own_engine is not None:
            self._own_engine.dispose()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closing:
                    self._cond.wait()
                if not self._waiting:
                    self._thread = None
                    return
                group = self._take()
            self._commit(group)

    def _take(self) -> list[_Waiting]:
        group: list[_Waiting] = []
        rows = 0
        while self._waiting and (
            not group or rows + len(self._waiting[0].rows) <= self.max_group_rows
        ):
            waiting = self._waiting.popleft()
            group.append(waiting)
            rows += len(waiting.rows)
        self._waiting_rows -= rows
        return group

    def _commit(self, group: list[_Waiting]) -> None:
        rows = group[0].rows if len(group) == 1 else [r for w in group for r in w.rows]
        try:
            with transaction(self.sessions) as session:
                new = self._insert(session, rows)
        except Exception as exc:
            if len(group) == 1:
                log.warning("writing %d events failed: %r", len(group[0].rows), exc)
                group[0].done.set_exception(exc)
                return
            # Somebody's rows broke the group: write each request on its own, so only the
            # request at fault hears about it.
            for waiting in group:
                self._commit([waiting])
            return
        self.groups += 1
        self.events += new
        if self._checkpointer is not None:
            self._checkpointer.wake()
        for waiting in group:
            waiting.done.set_result(None)


def _ingest_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=FULL")
    # Checkpoints run on the checkpointer's thread, not inside the writer's commits.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


class _Checkpointer:
    """Copies the WAL back into the database file (a PASSIVE checkpoint) on its own thread and
    connection, at most every ``interval`` seconds after new commits. Left to SQLite, the commit
    that crosses 1,000 WAL pages does it, and every request in that group waits for the copy
    and its fsyncs. PASSIVE never blocks the writer; the WAL only grows while it lags."""

    def __init__(self, engine: Engine, interval: float = 0.05) -> None:
        self.engine = engine
        self.interval = interval
        self._due = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name="liveloop-wal-checkpointer", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        self._due.set()

    def stop(self) -> None:
        self._stopping = True
        self._due.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            try:
                # A driver connection in autocommit mode: no BEGIN IMMEDIATE, so the
                # checkpoint never holds the write lock the writer needs.
                connection = self.engine.raw_connection()
                try:
                    driver: Any = connection.driver_connection
                    driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    connection.close()
            except Exception as exc:  # the next commit tries again
                log.warning("WAL checkpoint failed: %r", exc)
            if self._stopping:
                return
            time.sleep(self.interval)
