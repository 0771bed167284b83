"""The bus across processes: one Redis stream per room (``live_bus = "redis"``).

The feed runs in one process (a ``liveloop worker``, or a server: a lease in Redis lets only one
publish at a time) and every API process serves SSE from the same streams:

- ``liveloop:live:{room}:frames`` — the room's frames, ``XADD … MAXLEN ~ history`` (approximate
  trimming: Redis drops whole nodes, so a topic keeps at least ``history`` frames); the SSE event
  id is the stream id;
- ``liveloop:live:{room}:snapshot`` — the room's latest snapshot, ``"<stream id> <json>"``,
  written in the same script as its ``XADD`` so the two never disagree;
- ``liveloop:live:feed`` — who holds the feed (a holder name with a time to live).

The braces make the room a Redis Cluster hash tag: a room's keys live on one node, so the
publish script may touch both. A console's resume is one ``XRANGE last_id +``: when the stream
still starts at ``last_id`` the frames after it are exactly what it missed (trimming only ever
drops the oldest), else it gets the snapshot and the frames after the snapshot's id.
Redis's own errors become ``BusUnavailable`` (503) at this edge.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, cast

import anyio
import orjson
import redis
import redis.asyncio as aioredis

from liveloop.errors import DomainError
from liveloop.live.stream.bus import HISTORY, Delivery, Frame, Resume, parse_id, resume_from

PREFIX = "liveloop:live"

_PUBLISH = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'f', ARGV[2])
if ARGV[3] == '1' then redis.call('SET', KEYS[2], id .. ' ' .. ARGV[2]) end
return id
"""

_HOLD = """
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


class BusUnavailable(DomainError):
    """Redis does not answer: the console cannot be served its room's stream just now."""

    status = 503


@contextmanager
def _answering() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        raise BusUnavailable(f"实时数据通道暂不可用，请稍后重试 ({type(exc).__name__})") from None


def _frame(fields: dict[bytes, bytes]) -> Frame:
    return cast(Frame, orjson.loads(fields[b"f"]))


def _deliveries(entries: list[Any]) -> list[Delivery]:
    return [(entry_id.decode(), _frame(fields)) for entry_id, fields in entries]


class RedisBus:
    """The bus on Redis Streams (see the module docstring)."""

    def __init__(self, url: str, *, prefix: str = PREFIX, history: int = HISTORY) -> None:
        self.url, self.prefix, self.history = url, prefix, history
        self.redis = redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)
        self._publish = self.redis.register_script(_PUBLISH)
        self._hold = self.redis.register_script(_HOLD)

    def frames_key(self, room: str) -> str:
        return f"{self.prefix}:{{{room}}}:frames"

    def snapshot_key(self, room: str) -> str:
        return f"{self.prefix}:{{{room}}}:snapshot"

    @property
    def feed_key(self) -> str:
        return f"{self.prefix}:feed"

    def publish(self, room: str, frame: Frame) -> str:
        snapshot = "1" if frame.get("type") == "snapshot" else "0"
        with _answering():
            frame_id = self._publish(
                keys=[self.frames_key(room), self.snapshot_key(room)],
                args=[self.history, orjson.dumps(frame), snapshot],
            )
        return cast(bytes, frame_id).decode()

    def read(self, room: str, after: str | None, timeout: float) -> list[Delivery]:
        """Frames after ``after`` (None: only those published from now on), blocking up to
        ``timeout`` seconds (``XREAD BLOCK``)."""
        position = after if after is not None else "$"
        with _answering():
            answer: Any = self.redis.xread(
                {self.frames_key(room): position}, block=max(1, int(timeout * 1000))
            )
        return _deliveries(answer[0][1]) if answer else []

    @asynccontextmanager
    async def watch(self, room: str) -> AsyncIterator[RedisWatch]:
        """A connection of this SSE stream's own, blocking in ``XREAD`` for it (never the
        loop), closed when the stream ends — also when its client went away (shielded: the
        stream's task is being cancelled then)."""
        client = aioredis.Redis.from_url(self.url, single_connection_client=True)
        try:
            yield RedisWatch(client, self.frames_key(room))
        finally:
            with anyio.CancelScope(shield=True):
                await client.aclose()

    async def wait(self, room: str, after: str | None, timeout: float) -> list[Delivery]:
        """``read`` for an asyncio handler (one wait; a stream keeps a ``watch`` open)."""
        async with self.watch(room) as watching:
            return await watching.wait(after, timeout)

    def resume(self, room: str, last_id: str | None) -> Resume:
        key = self.frames_key(room)
        with _answering():
            if last_id is not None:
                parse_id(last_id)
                entries: Any = self.redis.xrange(key, min=last_id, max="+")
                if entries and entries[0][0].decode() == last_id:
                    return Resume(_deliveries(entries[1:]), gap=False)
            stored = cast(bytes | None, self.redis.get(self.snapshot_key(room)))
            if stored is None:
                return Resume([], gap=last_id is not None)
            snapshot_id, _, body = stored.partition(b" ")
            snapshot = (snapshot_id.decode(), cast(Frame, orjson.loads(body)))
            rest: Any = self.redis.xrange(key, min=f"({snapshot[0]}", max="+")
            after = _deliveries(rest)
        return resume_from(after, snapshot, last_id)

    def has_room(self, room: str) -> bool:
        with _answering():
            return bool(self.redis.exists(self.frames_key(room)))

    def hold_feed(self, holder: str, seconds: float) -> bool:
        """Take or keep the feed's lease for ``seconds``; False while another holder has it."""
        with _answering():
            held = self._hold(keys=[self.feed_key], args=[holder, max(1, int(seconds * 1000))])
        return bool(held)

    def release_feed(self, holder: str) -> None:
        with _answering():
            if self.redis.get(self.feed_key) == holder.encode():
                self.redis.delete(self.feed_key)

    def close(self) -> None:
        self.redis.close()


class RedisWatch:
    """One SSE stream's reads of its room (``RedisBus.watch``)."""

    def __init__(self, client: aioredis.Redis, key: str) -> None:
        self.client, self.key = client, key

    async def wait(self, after: str | None, timeout: float) -> list[Delivery]:
        position = after if after is not None else "$"
        try:
            answer: Any = await self.client.xread(
                {self.key: position}, block=max(1, int(timeout * 1000))
            )
        except redis.RedisError as exc:
            raise BusUnavailable(
                f"实时数据通道暂不可用，请稍后重试 ({type(exc).__name__})"
            ) from None
        return _deliveries(answer[0][1]) if answer else []
