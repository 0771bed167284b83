"""The feed: new rows of the event log, routed to one frame source per room, their frames on the
bus.

It is a projection of the log, never a writer: it tails the log by event id (read-only, no
consumer cursor), hands each live event to its room's ``FrameSource`` (the stream processor),
asks every active room for a frame about every 250 ms and publishes it. On start — after a
crash or a SIGKILL too — it rebuilds: each room's source is fed the room's events again, in id
order, from the room's current show on (its last ``Live Started``; a room with no show within
the horizon from the horizon on), so the figures and the question queue come back and, because
each event is applied once per source, nothing is counted twice.

Invariants:
- a room's source sees the room's events in id order, each once, from the room's epoch (its
  last ``Live Started``) on; a ``Live Started`` gives the room a fresh source, while tailing and
  while rebuilding alike, so a rebuild reaches the state the tail had;
- every frame carries ``through``: the log id up to which its source has applied the log;
- a source's first frame on the bus is a snapshot (``reason``: ``"rebuilt"`` after a start,
  ``"new"`` for a room first seen or a show just started), and an active room gets a snapshot
  every ``snapshot_seconds`` (``"periodic"``), so a console joining late has one to start from.

Ids grow in commit order on both stores (SQLite has one writer; PostgreSQL appends under an
advisory lock), so ``id > position`` never skips a row that commits late. ``customer_id`` is
as the log has it when read: OneID fills it in a consumer, so a tailed row usually has none yet
and a rebuilt one may have it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from liveloop import spec
from liveloop.clock import Clock
from liveloop.live import events as live_events
from liveloop.live.stream.bus import Bus, Frame
from liveloop.store.eventlog import APPENDED, Appended, Event, LoggedEvent, last_event_id

log = logging.getLogger(__name__)

# The events of the live spec a room's figures are made of (each carries ``properties.room``).
STREAM_EVENTS = frozenset(
    {
        spec.LIVE_JOINED,
        spec.LIVE_LEFT,
        spec.LIVE_COMMENT_POSTED,
        spec.LIVE_LIKED,
        spec.LIVE_SHARED,
        spec.LIVE_PRODUCT_CLICKED,
        spec.LIVE_LUCKY_BAG_CLAIMED,
        spec.LIVE_REMINDER_SET,
        spec.PRODUCT_ADDED,
        spec.ORDER_COMPLETED,
        live_events.LIVE_STARTED,
        live_events.LIVE_ENDED,
        live_events.LIVE_ACTION_TAKEN,
    }
)
_COLUMNS = (
    Event.id,
    Event.message_id,
    Event.type,
    Event.name,
    Event.customer_id,
    Event.anonymous_id,
    Event.user_id,
    Event.properties,
    Event.context,
    Event.timestamp,
    Event.received_at,
    Event.source,
)


class FrameSource(Protocol):
    """A room's state, fed the room's events and asked for frames: the stream processor
    (``RoomProcessor`` behind ``Converting``, ``live.jobs.processor_sources``) or ``Tally``."""

    def apply(self, events: Sequence[LoggedEvent]) -> None: ...

    def tick(self, now: datetime) -> Frame: ...

    def snapshot(self, now: datetime) -> Frame: ...


SourceFactory = Callable[[str], FrameSource]


class _Processor(Protocol):
    def apply(self, events: Sequence[Any]) -> None: ...

    def tick(self, now: datetime) -> Frame: ...

    def snapshot(self, now: datetime) -> Frame: ...


class Converting:
    """A processor that takes its own kind of event (``StreamEvent.from_row``) as a
    ``FrameSource``: each log row converted once, on its way in."""

    def __init__(self, processor: _Processor, convert: Callable[[LoggedEvent], Any]) -> None:
        self.processor, self.convert = processor, convert

    def apply(self, events: Sequence[LoggedEvent]) -> None:
        self.processor.apply([self.convert(event) for event in events])

    def tick(self, now: datetime) -> Frame:
        return self.processor.tick(now)

    def snapshot(self, now: datetime) -> Frame:
        return self.processor.snapshot(now)


class Tally:
    """The simplest real frame source: events counted by name, orders and GMV (each order once,
    by ``order_id``). The transport's tests' source, whose figures a test can state exactly.
    Idempotent by event id."""

    def __init__(self, room: str) -> None:
        self.room = room
        self.counts: dict[str, int] = {}
        self.orders: dict[str, Decimal] = {}
        self._seen: set[int] = set()
        self._since_tick: dict[str, int] = {}

    def apply(self, events: Sequence[LoggedEvent]) -> None:
        for event in events:
            if event.id in self._seen or event.name is None:
                continue
            self._seen.add(event.id)
            self.counts[event.name] = self.counts.get(event.name, 0) + 1
            self._since_tick[event.name] = self._since_tick.get(event.name, 0) + 1
            order_id = event.properties.get("order_id")
            if event.name == spec.ORDER_COMPLETED and isinstance(order_id, str):
                self.orders.setdefault(order_id, Decimal(str(event.properties.get("total", 0))))

    def _figures(self) -> dict[str, Any]:
        gmv = sum(self.orders.values(), Decimal("0.00"))
        return {"counts": dict(self.counts), "orders": len(self.orders), "gmv": f"{gmv:.2f}"}

    def tick(self, now: datetime) -> Frame:
        added, self._since_tick = self._since_tick, {}
        frame = {"type": "tick", "room": self.room, "at": now.isoformat(), "added": added}
        return frame | self._figures()

    def snapshot(self, now: datetime) -> Frame:
        return {"type": "snapshot", "room": self.room, "at": now.isoformat(), **self._figures()}


def room_of(event: LoggedEvent) -> str | None:
    """The room a stream event belongs to, or None when it is no room's (a shop's own order)."""
    if event.name not in STREAM_EVENTS:
        return None
    room = event.properties.get("room")
    return room if isinstance(room, str) and 0 < len(room) <= 64 else None


@dataclass
class _Room:
    source: FrameSource
    fresh: str | None  # the reason for its first snapshot, until it is published
    on_air: bool = False
    last_event_at: datetime | None = None
    last_snapshot: float = field(default_factory=time.monotonic)


class Feed:
    """The feed's state and steps (``rebuild``, ``poll``, ``publish_due``); ``FeedThread`` runs
    them in a loop, tests call them one by one."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        bus: Bus,
        sources: SourceFactory,
        *,
        horizon: timedelta = timedelta(hours=6),
        idle_after: timedelta = timedelta(minutes=5),
        snapshot_seconds: float = 5.0,
        batch: int = 5_000,
    ) -> None:
        self.sessions, self.clock, self.bus, self.sources = sessions, clock, bus, sources
        self.horizon, self.idle_after = horizon, idle_after
        self.snapshot_seconds, self.batch = snapshot_seconds, batch
        self.rooms: dict[str, _Room] = {}
        self.position = 0  # the last log id read

    # -- reading the log ------------------------------------------------------------------

    def rebuild(self) -> int:
        """Feed every room its events again from its epoch (see the module docstring); returns
        how many events were applied. The tail goes on from the log's end as it was here."""
        self.rooms.clear()
        applied = 0
        with self.sessions() as session:
            upto = last_event_id(session)
            since = self.clock.now() - self.horizon
            start = session.scalar(select(func.min(Event.id)).where(Event.timestamp >= since))
            start = upto + 1 if start is None else start
            epochs = self._epochs(session, start, upto)
            for rows in self._scan(session, start, upto):
                kept = [
                    e
                    for e in rows
                    if (room := room_of(e)) is not None and e.id >= epochs.get(room, start)
                ]
                applied += len(kept)
                self._route(kept, fresh="rebuilt")
        self.position = upto
        for state in self.rooms.values():
            state.fresh = "rebuilt"
        return applied

    def _epochs(self, session: Session, start: int, upto: int) -> dict[str, int]:
        """Each room's last ``Live Started`` id in ``[start, upto]``."""
        query = (
            select(*_COLUMNS)
            .where(Event.name == live_events.LIVE_STARTED, Event.id >= start, Event.id <= upto)
            .order_by(Event.id)
        )
        epochs: dict[str, int] = {}
        for row in session.execute(query):
            event = LoggedEvent(**row._mapping)
            room = room_of(event)
            if room is not None:
                epochs[room] = event.id
        return epochs

    def _scan(self, session: Session, start: int, upto: int) -> Iterable[list[LoggedEvent]]:
        after = start - 1
        while after < upto:
            query = (
                select(*_COLUMNS)
                .where(Event.id > after, Event.id <= upto, Event.name.in_(STREAM_EVENTS))
                .order_by(Event.id)
                .limit(self.batch)
            )
            rows = [LoggedEvent(**row._mapping) for row in session.execute(query)]
            if not rows:
                return
            yield rows
            after = rows[-1].id

    def poll(self) -> int:
        """Read the rows after ``position`` (one batch) and route the live ones; returns how
        many rows were read (a full batch means: call again)."""
        with self.sessions() as session:
            query = (
                select(*_COLUMNS)
                .where(Event.id > self.position)
                .order_by(Event.id)
                .limit(self.batch)
            )
            rows = [LoggedEvent(**row._mapping) for row in session.execute(query)]
        if rows:
            self._route([e for e in rows if room_of(e) is not None], fresh="new")
            self.position = rows[-1].id
        return len(rows)

    def _route(self, events: Sequence[LoggedEvent], fresh: str) -> None:
        """Hand events to their rooms' sources in order, a batch per room; a ``Live Started``
        first gives its room a fresh source."""
        pending: dict[str, list[LoggedEvent]] = {}
        for event in events:
            room = room_of(event)
            if room is None:
                continue
            if event.name == live_events.LIVE_STARTED or room not in self.rooms:
                self._flush(pending, room)
                self.rooms[room] = _Room(self.sources(room), fresh)
            state = self.rooms[room]
            if event.name == live_events.LIVE_STARTED:
                state.on_air = True
            elif event.name == live_events.LIVE_ENDED:
                state.on_air = False
            state.last_event_at = event.received_at
            pending.setdefault(room, []).append(event)
        for room in list(pending):
            self._flush(pending, room)

    def _flush(self, pending: dict[str, list[LoggedEvent]], room: str) -> None:
        events = pending.pop(room, None)
        if events:
            self.rooms[room].source.apply(events)

    # -- frames ---------------------------------------------------------------------------

    def active(self, room: str) -> bool:
        state = self.rooms[room]
        if state.on_air or state.fresh:
            return True
        last = state.last_event_at
        return last is not None and self.clock.now() - last < self.idle_after

    def publish_due(self) -> int:
        """A frame from every active room: its tick, or its first snapshot, and a snapshot
        when one is due; returns how many frames went on the bus."""
        now, moment = self.clock.now(), time.monotonic()
        published = 0
        for name, state in self.rooms.items():
            if not self.active(name):
                continue
            frame = state.source.tick(now)
            reason = state.fresh
            if reason is None and moment - state.last_snapshot >= self.snapshot_seconds:
                reason = "periodic"
            if state.fresh is None:
                # A fresh source's first tick holds everything since it began, which the
                # snapshot below holds too: only the snapshot goes out.
                self.bus.publish(name, {**frame, "through": self.position})
                published += 1
            if reason is not None:
                snapshot = state.source.snapshot(now)
                self.bus.publish(name, {**snapshot, "reason": reason, "through": self.position})
                state.fresh, state.last_snapshot = None, moment
                published += 1
        return published


class FeedThread:
    """The feed as a background thread (``runtime.add_thread``; the ``live`` kind of work).

    It holds the bus's feed lease while it runs (always granted on the memory bus; on Redis at
    most one process's feed publishes, and another takes over within ``lease_seconds`` of one
    dying), rebuilds whenever it (re)gains the lease, then loops: read the new rows and publish
    every ``tick_seconds`` — sooner once the store says events were committed
    (``store.eventlog.APPENDED``, in this process), but never twice within ``eager_seconds``: a
    busy room's frames come every ~100 ms instead of waiting out the tick."""

    name = "live-feed"
    kind = "live"

    def __init__(
        self,
        make_feed: Callable[[], Feed],
        bus: Bus,
        *,
        tick_seconds: float = 0.25,
        eager_seconds: float | None = 0.1,
        lease_seconds: float = 5.0,
        appended: Appended = APPENDED,
    ) -> None:
        self.make_feed, self.bus = make_feed, bus
        self.tick_seconds, self.lease_seconds = tick_seconds, lease_seconds
        self.eager_seconds = eager_seconds
        self._published_at = 0.0
        self._seen = appended.generation  # the log's commit count as of the last read
        self.appended = appended
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.feed: Feed | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="liveloop-live-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.appended.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        release = getattr(self.bus, "release_feed", None)
        if release is not None:
            try:
                release(self.holder)
            except Exception:  # the lease runs out by itself
                log.warning("live feed: could not hand back the lease", exc_info=True)

    def _loop(self) -> None:
        held_until = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= held_until - self.lease_seconds * 2 / 3:
                    if not self.bus.hold_feed(self.holder, self.lease_seconds):
                        self.feed = None  # another process feeds; rebuild if we take over
                        self._stop.wait(self.lease_seconds / 3)
                        continue
                    held_until = time.monotonic() + self.lease_seconds
                if self.feed is None:
                    feed = self.make_feed()
                    applied = feed.rebuild()
                    log.info("live feed rebuilt %d rooms from %d events", len(feed.rooms), applied)
                    self.feed = feed
                self._run_tick(self.feed)
            except Exception:
                log.exception("live feed failed; rebuilding from the log")
                self.feed = None
                self._stop.wait(1.0)

    def _run_tick(self, feed: Feed) -> None:
        """Wait until the next frame is due — at the tick, or ``eager_seconds`` after the last
        one once a commit has appended events — then read the log and publish. The log is read
        only right before publishing: reading on every commit would cost the ingest path the
        GIL many times a frame for nothing a console sees sooner."""
        due = self._published_at + self.tick_seconds
        eager = None if self.eager_seconds is None else self._published_at + self.eager_seconds
        seen = self._seen
        while not self._stop.is_set():
            if eager is not None and self.appended.generation != self._seen:
                due = min(due, eager)
            remaining = due - time.monotonic()
            if remaining <= 0:
                break
            seen = self.appended.wait(seen, remaining)
        self._seen = self.appended.generation
        while feed.poll() >= feed.batch:
            pass
        feed.publish_due()
        self._published_at = time.monotonic()
