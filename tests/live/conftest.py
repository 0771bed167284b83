"""Live tests' fixtures: the two buses (the Redis one against the local server, skipped with
the reason when none answers) and events appended to the log as the webhook would write them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from liveloop.live.stream.bus import Bus, MemoryBus
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis at {REDIS_URL} does not answer ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def redis_unavailable() -> str | None:
    return _redis_reason()


@pytest.fixture
def redis_prefix(redis_unavailable) -> Iterator[str]:
    """A key prefix of this test's own on the local Redis, its keys deleted afterwards."""
    if redis_unavailable:
        pytest.skip(redis_unavailable)
    import redis

    prefix = f"test-{uuid.uuid4().hex[:10]}:live"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def any_bus(request) -> Iterator[Bus]:
    """Each test once on the in-process bus and once on Redis Streams."""
    if request.param == "memory":
        bus: Bus = MemoryBus(history=50)
    else:
        from liveloop.live.stream.redis_bus import RedisBus

        bus = RedisBus(REDIS_URL, prefix=request.getfixturevalue("redis_prefix"), history=50)
    yield bus
    bus.close()


def live_event(name: str, room: str | None, at: datetime, key: str, **properties: Any) -> NewEvent:
    props = dict(properties)
    if room is not None:
        props["room"] = room
    return NewEvent(
        name=name,
        timestamp=at,
        source="test",
        type="track",
        message_id=f"live:test:{key}",
        anonymous_id=f"viewer-{key}",
        properties=props,
    )


def log_events(runtime, events: list[NewEvent], at: datetime) -> None:
    with transaction(runtime.sessions) as session:
        append(session, events, received_at=at)
