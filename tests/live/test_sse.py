"""The host console's SSE over a real server: a snapshot first, then the room's frames; a
reconnect with ``Last-Event-ID`` resumes with nothing lost and nothing repeated; an unknown room
is a 404 with its reason; the console's session cookie is enough for its page's EventSource."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import orjson
import pytest

from liveloop import spec
from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key, create_user, start_console_session
from liveloop.live.jobs import register_feed
from liveloop.live.service import schedule_live
from liveloop.live.stream.bus import MemoryBus, use_bus
from liveloop.live.stream.feed import Tally
from liveloop.store.engine import transaction
from liveloop.web.deps import SESSION_COOKIE
from tests.helpers import running_server
from tests.live.conftest import live_event, log_events

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def served(runtime) -> Iterator[tuple[str, MemoryBus, dict[str, str]]]:
    """The real app on a local port with the feed running (fast ticks), and an operator's key."""
    bus = use_bus(runtime, MemoryBus())
    feed = register_feed(runtime, Tally, tick_seconds=0.05)
    with transaction(runtime.sessions) as session:
        _, key = create_api_key(session, "console", Role.OPERATOR, NOW)
    feed.start()
    try:
        with running_server(runtime) as url:
            yield url, bus, {"Authorization": f"Bearer {key}"}
    finally:
        feed.stop()


def events_of(response: httpx.Response) -> Iterator[tuple[str | None, str, dict]]:
    """(id, event, data) for each SSE event of a streaming response."""
    frame_id, kind, data = None, None, None
    for line in response.iter_lines():
        if line.startswith("id: "):
            frame_id = line[4:]
        elif line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data = orjson.loads(line[6:])
        elif line == "" and data is not None:
            yield frame_id, kind or "message", data
            frame_id, kind, data = None, None, None


_READERS: dict[int, Iterator[tuple[str | None, str, dict]]] = {}


def take(response: httpx.Response, until) -> list[tuple[str | None, str, dict]]:
    """Events of ``response`` until ``until(got)`` holds (later calls go on where it stopped)."""
    reader = _READERS.setdefault(id(response), events_of(response))
    got = []
    for event in reader:
        got.append(event)
        if until(got):
            return got
    raise AssertionError("the stream ended")


def likes(room: str, start: int, n: int) -> list:
    return [live_event(spec.LIVE_LIKED, room, NOW, f"like-{i}") for i in range(start, start + n)]


def test_a_console_gets_a_snapshot_first_then_the_rooms_ticks(runtime, served):
    url, _, auth = served
    log_events(runtime, likes("main", 0, 5), NOW)
    with (
        httpx.Client(timeout=30) as http,
        http.stream("GET", f"{url}/v1/live/rooms/main/stream", headers=auth) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        first = take(response, lambda got: any(d["counts"] for _, _, d in got))
        log_events(runtime, likes("main", 5, 3), NOW)
        rest = take(response, lambda got: got[-1][2]["counts"].get(spec.LIVE_LIKED) == 8)
    (frame_id, kind, data), *_ = first
    assert kind == "snapshot" and data["reason"] == "connect" and data["room"] == "main"
    assert frame_id is not None
    assert {kind for _, kind, _ in rest} <= {"tick", "snapshot"} and rest[-1][1] == "tick"


def test_a_reconnect_with_last_event_id_loses_nothing_and_repeats_nothing(runtime, served):
    url, bus, auth = served
    log_events(runtime, likes("main", 0, 3), NOW)
    stream_url = f"{url}/v1/live/rooms/main/stream"
    with httpx.Client(timeout=30) as http:
        with http.stream("GET", stream_url, headers=auth) as response:
            before = take(response, lambda got: len(got) >= 5)
        last_id = before[-1][0]
        log_events(runtime, likes("main", 3, 10), NOW)  # while the console is away
        while len(bus.resume("main", last_id).frames) < 10:
            bus.read("main", None, timeout=5)
        headers = {**auth, "Last-Event-ID": last_id}
        with http.stream("GET", stream_url, headers=headers) as response:
            after = take(response, lambda got: len(got) >= 15)
    seen = [frame_id for frame_id, _, _ in before + after]
    assert len(seen) == len(set(seen))  # nothing repeated
    published = [before[0][0]] + [i for i, _ in bus.resume("main", before[0][0]).frames]
    assert seen == published[: len(seen)]  # nothing lost: exactly the bus's frames, in order
    assert after[0][1] == "tick"  # resumed: no snapshot needed
    assert after[-1][2]["counts"][spec.LIVE_LIKED] == 13


def test_a_console_whose_id_the_history_no_longer_holds_gets_a_snapshot_marked_gap(runtime, served):
    url, _, auth = served
    log_events(runtime, likes("main", 0, 2), NOW)
    with (
        httpx.Client(timeout=30) as http,
        http.stream(
            "GET", f"{url}/v1/live/rooms/main/stream?last_event_id=1-0", headers=auth
        ) as response,
    ):
        (_, kind, data), *_ = take(response, lambda got: len(got) >= 2)
    assert kind == "snapshot" and data["reason"] == "gap"


def test_an_unknown_room_is_a_404_with_its_reason(served):
    url, _, auth = served
    answer = httpx.get(f"{url}/v1/live/rooms/nowhere/stream", headers=auth, timeout=10)
    assert answer.status_code == 404
    assert "nowhere" in answer.json()["reason"]


def test_a_malformed_last_event_id_is_refused_with_a_reason(runtime, served):
    url, _, auth = served
    log_events(runtime, likes("main", 0, 1), NOW)
    answer = httpx.get(
        f"{url}/v1/live/rooms/main/stream",
        headers={**auth, "Last-Event-ID": "<script>"},
        timeout=10,
    )
    assert answer.status_code == 422
    assert "last-event-id" in answer.text.lower()


def test_the_console_pages_session_cookie_is_enough_to_watch(runtime, served):
    url, _, _ = served
    log_events(runtime, likes("main", 0, 1), NOW)
    with transaction(runtime.sessions) as session:
        host, _ = create_user(session, "host-1", Role.HOST, NOW, password="s3cret-密码-ok")
        token, _ = start_console_session(session, host, NOW, hours=1)
        schedule_live(session, room="main", title="主食健康课", host="host-1", scheduled_at=NOW)
    with (
        httpx.Client(timeout=30, cookies={SESSION_COOKIE: token}) as http,
        http.stream("GET", f"{url}/v1/live/rooms/main/stream") as response,
    ):
        assert response.status_code == 200
        (_, kind, _), *_ = take(response, lambda got: len(got) >= 1)
    assert kind == "snapshot"
    with httpx.Client(timeout=10, cookies={SESSION_COOKIE: "expired"}) as http:
        assert http.get(f"{url}/v1/live/rooms/main/stream").status_code == 401


def test_a_host_opening_another_hosts_room_is_refused_with_a_reason(runtime, served):
    url, _, _ = served
    log_events(runtime, likes("side", 0, 1), NOW)
    with transaction(runtime.sessions) as session:
        schedule_live(session, room="side", title="烹饪演示", host="host-2", scheduled_at=NOW)
        _, key = create_api_key(session, "host-1", Role.HOST, NOW)
    answer = httpx.get(
        f"{url}/v1/live/rooms/side/stream", headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert answer.status_code == 403
    assert "side" in answer.json()["reason"]


@pytest.mark.redis
def test_across_processes_the_sse_id_is_the_redis_stream_id_and_resume_holds(runtime, redis_prefix):
    from liveloop.live.stream.redis_bus import RedisBus
    from tests.live.conftest import REDIS_URL

    bus = use_bus(runtime, RedisBus(REDIS_URL, prefix=redis_prefix))
    feed = register_feed(runtime, Tally, tick_seconds=0.05, lease_seconds=2)
    with transaction(runtime.sessions) as session:
        _, key = create_api_key(session, "console", Role.OPERATOR, NOW)
    auth = {"Authorization": f"Bearer {key}"}
    log_events(runtime, likes("main", 0, 4), NOW)
    feed.start()
    try:
        with running_server(runtime) as url, httpx.Client(timeout=30) as http:
            stream_url = f"{url}/v1/live/rooms/main/stream"
            with http.stream("GET", stream_url, headers=auth) as response:
                before = take(response, lambda got: len(got) >= 4)
            headers = {**auth, "Last-Event-ID": before[-1][0]}
            with http.stream("GET", stream_url, headers=headers) as response:
                after = take(response, lambda got: len(got) >= 4)
    finally:
        feed.stop()
        bus.close()
    assert before[0][1] == "snapshot" and before[0][2]["counts"][spec.LIVE_LIKED] == 4
    reader = RedisBus(REDIS_URL, prefix=redis_prefix)
    entries = reader.redis.xrange(reader.frames_key("main"), min=before[0][0])
    reader.close()
    stream_ids = [entry_id.decode() for entry_id, _ in entries]
    seen = [frame_id for frame_id, _, _ in before + after]
    assert seen == stream_ids[: len(seen)]
