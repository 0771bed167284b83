"""A worker running the feed on Redis is killed with SIGKILL mid-show and started again: the
figures its frames carry afterwards are what a fresh rebuild from the log gives — every order
counted once, however the kill fell."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from liveloop import spec
from liveloop.clock import SystemClock
from liveloop.live.stream.bus import MemoryBus
from liveloop.live.stream.feed import Feed, Tally
from liveloop.live.stream.redis_bus import RedisBus
from liveloop.store.eventlog import last_event_id
from tests.live.conftest import REDIS_URL, live_event, log_events

ROOT = Path(__file__).resolve().parents[2]


def start_worker(store_url: str, prefix: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.live.feed_worker", store_url, REDIS_URL, prefix],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )
    assert worker.stdout is not None and worker.stdout.readline().strip() == b"feeding"
    return worker


def latest_frame(bus: RedisBus, room: str) -> dict | None:
    entries = bus.redis.xrevrange(bus.frames_key(room), count=1)
    if not entries:
        return None
    (_, fields), *_ = entries
    import orjson

    return orjson.loads(fields[b"f"])


def wait_for_frame(bus: RedisBus, room: str, ok, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        frame = latest_frame(bus, room)
        if frame is not None and ok(frame):
            return frame
        time.sleep(0.05)
    raise AssertionError(f"no frame as wanted within {seconds} s: {latest_frame(bus, room)}")


def test_after_a_sigkill_and_a_restart_the_figures_equal_a_fresh_rebuild(
    runtime, sqlite_url, redis_prefix
):
    bus = RedisBus(REDIS_URL, prefix=redis_prefix)
    worker = start_worker(sqlite_url, redis_prefix)
    stop_sending = threading.Event()
    sent: list[int] = []

    def send() -> None:
        """A show's traffic: viewers, likes and orders, each order sent twice."""
        n = 0
        while not stop_sending.is_set() and n < 20_000:
            now = datetime.now(UTC)
            order = {"order_id": f"DY{n // 2}", "total": "12.50", "channel": "live"}
            batch = [
                live_event(spec.LIVE_JOINED, "main", now, f"j-{n}"),
                live_event(spec.LIVE_LIKED, "main", now, f"l-{n}"),
                live_event(spec.ORDER_COMPLETED, "main", now, f"o-{n}", **order),
            ]
            log_events(runtime, batch, now)
            n += 1
            sent.append(n)
            time.sleep(0.005)

    sender = threading.Thread(target=send)
    try:
        sender.start()
        wait_for_frame(bus, "main", lambda f: f["orders"] >= 20)
        worker.send_signal(signal.SIGKILL)  # mid-stream: no goodbye, the lease left to expire
        worker.wait(10)
        worker.stdout.close()
        worker = start_worker(sqlite_url, redis_prefix)
        # The new worker takes the lease, rebuilds, and tails the show as it goes on.
        with runtime.read_sessions() as session:
            at_restart = last_event_id(session)
        wait_for_frame(bus, "main", lambda f: f["through"] > at_restart)
        stop_sending.set()
        sender.join(60)
        with runtime.read_sessions() as session:
            end = last_event_id(session)
        after = wait_for_frame(bus, "main", lambda f: f["through"] == end)
    finally:
        stop_sending.set()
        sender.join(10)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        worker.stdout.close()
        bus.close()

    fresh = Feed(runtime.read_sessions, SystemClock(), MemoryBus(), Tally)
    fresh.rebuild()
    rebuilt = fresh.rooms["main"].source.snapshot(datetime.now(UTC))
    assert (after["counts"], after["orders"], after["gmv"]) == (
        rebuilt["counts"],
        rebuilt["orders"],
        rebuilt["gmv"],
    )
    orders = (len(sent) + 1) // 2  # each order id went out twice
    assert after["orders"] == orders and after["gmv"] == f"{orders * 12.5:.2f}"
    assert after["counts"][spec.ORDER_COMPLETED] == len(sent)
