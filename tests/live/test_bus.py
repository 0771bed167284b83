"""The bus carries each room's frames in order under growing ids, and a console that comes back
gets exactly what it missed — or, when that is gone from the history, the latest snapshot
first, marked, then everything after it. Each test runs on the in-process bus and on Redis."""

from __future__ import annotations

import asyncio
import threading

from liveloop.live.stream.bus import MemoryBus, parse_id
from liveloop.live.stream.redis_bus import RedisBus
from tests.live.conftest import REDIS_URL


def tick(n: int, room: str = "main") -> dict:
    return {"type": "tick", "room": room, "n": n}


def snapshot(n: int, room: str = "main") -> dict:
    return {"type": "snapshot", "room": room, "n": n}


def test_a_rooms_frames_come_back_in_order_under_growing_ids(any_bus):
    ids = [any_bus.publish("main", tick(n)) for n in range(10)]
    any_bus.publish("other", tick(99, "other"))
    assert [parse_id(i) for i in ids] == sorted(parse_id(i) for i in ids)
    assert len(set(ids)) == 10
    frames = any_bus.read("main", ids[3], timeout=0.1)
    assert [f["n"] for _, f in frames] == [4, 5, 6, 7, 8, 9]
    assert [i for i, _ in frames] == ids[4:]


def test_a_console_resuming_from_an_id_in_the_history_gets_exactly_what_it_missed(any_bus):
    any_bus.publish("main", snapshot(0))
    ids = [any_bus.publish("main", tick(n)) for n in range(1, 8)]
    resumed = any_bus.resume("main", ids[2])
    assert not resumed.gap
    assert [f["n"] for _, f in resumed.frames] == [4, 5, 6, 7]
    assert any_bus.resume("main", ids[-1]).frames == []


def test_a_new_console_starts_from_the_latest_snapshot_and_what_followed_it(any_bus):
    any_bus.publish("main", snapshot(0))
    any_bus.publish("main", tick(1))
    any_bus.publish("main", snapshot(2))
    any_bus.publish("main", tick(3))
    resumed = any_bus.resume("main", None)
    assert not resumed.gap
    assert [(f["type"], f["n"]) for _, f in resumed.frames] == [("snapshot", 2), ("tick", 3)]
    assert resumed.frames[0][1]["reason"] == "connect"


def test_a_console_older_than_the_history_gets_a_snapshot_marked_gap_then_no_frame_lost(any_bus):
    first = any_bus.publish("main", tick(0))
    for n in range(1, 400):
        any_bus.publish("main", snapshot(n) if n % 20 == 0 else tick(n))
    resumed = any_bus.resume("main", first)  # long trimmed: the history holds ~50 frames
    assert resumed.gap
    kinds = [(f["type"], f["n"]) for _, f in resumed.frames]
    assert kinds[0] == ("snapshot", 380) and resumed.frames[0][1]["reason"] == "gap"
    assert [n for _, n in kinds] == list(range(380, 400))


def test_an_id_from_another_bus_is_a_gap_not_a_guess(any_bus):
    any_bus.publish("main", snapshot(0))
    any_bus.publish("main", tick(1))
    resumed = any_bus.resume("main", "1-0")
    assert resumed.gap and resumed.frames[0][1]["reason"] == "gap"


def test_a_reader_waiting_for_the_next_frame_wakes_when_it_is_published(any_bus):
    last = any_bus.publish("main", tick(0))
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(any_bus.read("main", last, timeout=30)))
    reader.start()
    any_bus.publish("main", tick(1))
    reader.join(30)
    assert [f["n"] for _, f in got] == [1]


def test_an_sse_handler_awaits_the_next_frame_without_blocking_its_loop(any_bus):
    last = any_bus.publish("main", tick(0))

    async def scenario() -> list:
        waiting = asyncio.ensure_future(any_bus.wait("main", last, timeout=30))
        await asyncio.sleep(0.05)
        # The loop is free while the handler waits: this publish runs in another thread.
        await asyncio.to_thread(any_bus.publish, "main", tick(1))
        return await waiting

    frames = asyncio.run(scenario())
    assert [f["n"] for _, f in frames] == [1]


def test_a_wait_with_nothing_new_returns_nothing_at_its_timeout(any_bus):
    last = any_bus.publish("main", tick(0))
    assert asyncio.run(any_bus.wait("main", last, timeout=0.05)) == []
    assert any_bus.read("main", last, timeout=0.05) == []


def test_frames_published_in_one_millisecond_still_get_growing_ids():
    bus = MemoryBus(now_ms=lambda: 1_733_540_000_000)
    ids = [bus.publish("main", tick(n)) for n in range(3)]
    assert ids == ["1733540000000-0", "1733540000000-1", "1733540000000-2"]


def test_only_one_process_holds_the_feed_until_its_lease_runs_out(redis_prefix):
    bus = RedisBus(REDIS_URL, prefix=redis_prefix)
    try:
        assert bus.hold_feed("worker-a", 30)
        assert not bus.hold_feed("worker-b", 30)
        assert bus.hold_feed("worker-a", 30)  # renewed by its holder
        bus.release_feed("worker-a")
        assert bus.hold_feed("worker-b", 30)
    finally:
        bus.close()


def test_the_redis_stream_id_is_the_frame_id(redis_prefix):
    bus = RedisBus(REDIS_URL, prefix=redis_prefix)
    try:
        frame_id = bus.publish("main", tick(1))
        entries = bus.redis.xrange(bus.frames_key("main"))
        assert [e[0].decode() for e in entries] == [frame_id]
        assert bus.frames_key("main") == f"{redis_prefix}:{{main}}:frames"
    finally:
        bus.close()
