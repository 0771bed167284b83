"""The bus: each room's frames in order, with an id each, from the feed to the consoles' SSE.

A room's topic holds its frames (``{"type": "tick" | "snapshot", "room": …}`` dicts) under ids
that only grow. Ids are Redis stream ids (``<milliseconds>-<sequence>``) on both buses, so the
SSE event id is the bus id and a console's ``Last-Event-ID`` means the same thing whichever bus
served it. Invariants:

- ``publish`` gives each frame an id greater than every earlier id of the room;
- a topic keeps its last ``history`` frames, and separately its latest snapshot, which the feed
  publishes every few seconds (far more often than the history turns over), so frames after
  the latest snapshot are always all there;
- ``resume(room, last_id)`` is gap-free: when ``last_id`` is still in the history it returns
  exactly the frames after it; otherwise (older than the history, from another process's bus,
  or none) it returns the latest snapshot first, marked (``"reason": "gap"`` / ``"connect"``),
  then every frame after that snapshot. A console that applies what it gets in order is then
  up to date, whatever it missed.

``MemoryBus`` is the embedded default: thread-safe (the feed publishes from its thread) and
asyncio-friendly (an SSE handler awaits the next frame without polling: publishing sets an
``asyncio.Event`` per waiting handler through its loop's ``call_soon_threadsafe``).
``liveloop.live.stream.redis_bus.RedisBus`` is the same contract across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from liveloop.config import Settings
    from liveloop.runtime import Runtime

Frame = dict[str, Any]
Delivery = tuple[str, Frame]  # (bus id, frame)

# Frames a topic keeps: ~12 minutes at the feed's 4 ticks a second.
HISTORY = 3_000
BUS_ID = re.compile(r"[0-9]{1,15}-[0-9]{1,10}")


def parse_id(value: str) -> tuple[int, int]:
    """``"1733540000000-3"`` → (1733540000000, 3); ``ValueError`` for anything else."""
    if not BUS_ID.fullmatch(value):
        raise ValueError(f"not a stream id: {value[:40]!r}")
    ms, _, seq = value.partition("-")
    return int(ms), int(seq)


def marked(frame: Frame, reason: str) -> Frame:
    """A snapshot handed to a console for ``reason`` (a copy: the bus's frame is shared)."""
    return {**frame, "reason": reason}


@dataclass(frozen=True, slots=True)
class Resume:
    """What a console gets on (re)connect: ``frames`` in order; ``gap`` when its last id was
    no longer in the history (its first frame is then a snapshot replacing what it had)."""

    frames: list[Delivery]
    gap: bool


class Watch(Protocol):
    """One SSE stream's reads of its room, between its frames."""

    async def wait(self, after: str | None, timeout: float) -> list[Delivery]: ...


class Bus(Protocol):
    """Both buses (``MemoryBus``, ``RedisBus``). ``watch(room)`` is what an SSE stream holds
    while it lasts (on Redis, a connection of its own); ``wait`` is one such read."""

    def publish(self, room: str, frame: Frame) -> str: ...

    def read(self, room: str, after: str | None, timeout: float) -> list[Delivery]: ...

    async def wait(self, room: str, after: str | None, timeout: float) -> list[Delivery]: ...

    def watch(self, room: str) -> AbstractAsyncContextManager[Watch]: ...

    def resume(self, room: str, last_id: str | None) -> Resume: ...

    def has_room(self, room: str) -> bool: ...

    def hold_feed(self, holder: str, seconds: float) -> bool: ...

    def close(self) -> None: ...


def resume_from(frames: list[Delivery], snapshot: Delivery | None, last_id: str | None) -> Resume:
    """The resume rule over a topic's history (oldest first) and latest snapshot."""
    if last_id is not None:
        for index, (frame_id, _) in enumerate(frames):
            if frame_id == last_id:
                return Resume(frames[index + 1 :], gap=False)
    if snapshot is None:
        return Resume([], gap=last_id is not None)
    snapshot_id, frame = snapshot
    key = parse_id(snapshot_id)
    after = [(i, f) for i, f in frames if parse_id(i) > key]
    reason = "connect" if last_id is None else "gap"
    return Resume([(snapshot_id, marked(frame, reason)), *after], gap=last_id is not None)


@dataclass
class _Topic:
    frames: deque[tuple[tuple[int, int], str, Frame]]  # (parsed id, id, frame), oldest first
    last: tuple[int, int] = (0, 0)
    snapshot: Delivery | None = None
    # SSE handlers waiting for the next frame: (their loop, their event).
    waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=set)


class MemoryBus:
    """The in-process bus (see the module docstring)."""

    def __init__(self, history: int = HISTORY, now_ms: Callable[[], int] | None = None) -> None:
        self.history = history
        self._now_ms = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._cond = threading.Condition()
        self._topics: dict[str, _Topic] = {}

    def _topic(self, room: str) -> _Topic:
        topic = self._topics.get(room)
        if topic is None:
            topic = self._topics[room] = _Topic(deque(maxlen=self.history))
        return topic

    def publish(self, room: str, frame: Frame) -> str:
        with self._cond:
            topic = self._topic(room)
            ms, seq = topic.last
            now = self._now_ms()
            # Redis's rule: the clock's millisecond, or the last one with the next sequence
            # when the clock has not moved on (or went back).
            topic.last = (now, 0) if now > ms else (ms, seq + 1)
            frame_id = f"{topic.last[0]}-{topic.last[1]}"
            topic.frames.append((topic.last, frame_id, frame))
            if frame.get("type") == "snapshot":
                topic.snapshot = (frame_id, frame)
            waiters, topic.waiters = topic.waiters, set()
            self._cond.notify_all()
        for loop, ready in waiters:
            # A closed loop's handler is gone: nobody is waiting there.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(ready.set)
        return frame_id

    def _after(self, topic: _Topic, after: str | None) -> list[Delivery]:
        if after is None:
            return []
        key = parse_id(after)
        if key >= topic.last:
            return []
        # From the newest back: a console reading along wants the last few frames only.
        newer: list[Delivery] = []
        for frame_key, frame_id, frame in reversed(topic.frames):
            if frame_key <= key:
                break
            newer.append((frame_id, frame))
        newer.reverse()
        return newer

    def _position(self, room: str, after: str | None) -> str:
        """``after``, or the room's last id when reading only what comes next."""
        if after is not None:
            return after
        last = self._topic(room).last
        return f"{last[0]}-{last[1]}"

    def read(self, room: str, after: str | None, timeout: float) -> list[Delivery]:
        """Frames after ``after`` (None: only frames published from now on), waiting up to
        ``timeout`` seconds for one when there are none yet."""
        deadline = time.monotonic() + timeout
        with self._cond:
            position = self._position(room, after)
            while True:
                frames = self._after(self._topic(room), position)
                remaining = deadline - time.monotonic()
                if frames or remaining <= 0:
                    return frames
                self._cond.wait(remaining)

    async def wait(self, room: str, after: str | None, timeout: float) -> list[Delivery]:
        """``read`` for an asyncio handler: it awaits the next publish, never polls."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self._cond:
            position = self._position(room, after)
        while True:
            ready = asyncio.Event()
            with self._cond:
                topic = self._topic(room)
                frames = self._after(topic, position)
                if not frames:
                    topic.waiters.add((loop, ready))
            if frames:
                return frames
            remaining = deadline - loop.time()
            if remaining <= 0:
                with self._cond:
                    topic.waiters.discard((loop, ready))
                return []
            try:
                await asyncio.wait_for(ready.wait(), remaining)
            except TimeoutError:
                with self._cond:
                    topic.waiters.discard((loop, ready))
                return []

    @asynccontextmanager
    async def watch(self, room: str) -> AsyncIterator[Watch]:
        yield _MemoryWatch(self, room)

    def resume(self, room: str, last_id: str | None) -> Resume:
        with self._cond:
            topic = self._topic(room)
            frames = [(frame_id, frame) for _, frame_id, frame in topic.frames]
            return resume_from(frames, topic.snapshot, last_id)

    def has_room(self, room: str) -> bool:
        with self._cond:
            topic = self._topics.get(room)
            return topic is not None and bool(topic.frames)

    def hold_feed(self, holder: str, seconds: float) -> bool:
        """One process, one feed: always granted."""
        return True

    def close(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class _MemoryWatch:
    bus: MemoryBus
    room: str

    async def wait(self, after: str | None, timeout: float) -> list[Delivery]:
        return await self.bus.wait(self.room, after, timeout)


def open_bus(settings: Settings) -> Bus:
    """The bus the settings name (``live_bus``)."""
    if settings.live_bus == "redis":
        try:
            from liveloop.live.stream.redis_bus import RedisBus
        except ImportError as exc:
            raise RuntimeError(
                "LIVELOOP_LIVE_BUS=redis needs the Redis client: pip install 'liveloop[scale]'"
            ) from exc
        return RedisBus(settings.redis_url)
    return MemoryBus()


# The process's bus, per runtime: the feed's thread publishes on it and the SSE router, which
# only has the request's runtime, reads from it. Keyed by id (a Runtime is not hashable), the
# entry dropped when the runtime is collected.
_BUSES: dict[int, Bus] = {}
_BUSES_LOCK = threading.Lock()


def bus_for(runtime: Runtime) -> Bus:
    """The bus this runtime's feed and SSE share, opened from its settings on first use."""
    key = id(runtime)
    with _BUSES_LOCK:
        bus = _BUSES.get(key)
        if bus is None:
            bus = _BUSES[key] = open_bus(runtime.settings)
            weakref.finalize(runtime, _BUSES.pop, key, None)
        return bus


def use_bus(runtime: Runtime, bus: Bus) -> Bus:
    """Give ``runtime`` this bus (tests and benchmarks that build one themselves)."""
    with _BUSES_LOCK:
        if id(runtime) not in _BUSES:
            weakref.finalize(runtime, _BUSES.pop, id(runtime), None)
        _BUSES[id(runtime)] = bus
    return bus
