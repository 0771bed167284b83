"""Event → the host console's SSE frame: latency at 2,000 events/s into one room, 20 consoles.

liveloop: the real server (uvicorn, its own process, embedded SQLite store, in-process workers
off but live's feed on, memory bus) takes a signed webhook delivery of 50 live events 40 times
a second from 8 sender threads here; 20 SSE clients here (httpx, asyncio) watch the room's
stream. The feed wakes on the ingest writer's commit, applies the events to the room's frame
source and publishes a frame every 250 ms. An event's latency is from just before its delivery
was sent to the arrival, at a console, of the first frame whose ``through`` (the log id its
source has applied up to) reaches the event's log id — over every event and every console.

Baseline, same run, same load: the same server with the feed polling the log once a second and
publishing once a second (what a console refreshed by a 1 s poll of the store would show).

The room's frame source is the stream processor (``live.jobs.processor_sources``), as served.

``python -m bench.live_sse [--seconds 15] [--rate 2000] [--consoles 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from liveloop import bootstrap
from liveloop.access.contracts import Role
from liveloop.access.service import create_api_key
from liveloop.clock import SystemClock
from liveloop.config import Settings
from liveloop.ingest.service import create_source
from liveloop.live.webhook import signature
from liveloop.store.engine import transaction

ROOM = "main"
PER_DELIVERY = 50
SENDERS = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, port: int, mode: str) -> None:
    """The server process: the app with live's feed, pushing (``push``) or polling (``poll``)."""
    import uvicorn

    from liveloop.app import create_app
    from liveloop.live.jobs import processor_sources
    from liveloop.live.stream.bus import bus_for
    from liveloop.live.stream.feed import Feed, FeedThread
    from liveloop.store.eventlog import Appended

    settings = Settings(database_url=url, run_workers=False, _env_file=None)  # type: ignore[call-arg]
    runtime = bootstrap.open_runtime(settings, SystemClock())
    sources = processor_sources(runtime)
    bus = bus_for(runtime)

    def make_feed() -> Feed:
        return Feed(runtime.read_sessions, runtime.clock, bus, sources)

    if mode == "push":
        feed = FeedThread(make_feed, bus, tick_seconds=0.25)
    else:  # a private signal nobody rings: the log is read only at each 1 s tick
        feed = FeedThread(make_feed, bus, tick_seconds=1.0, eager_seconds=None, appended=Appended())
    runtime.add_thread(feed)
    app = create_app(runtime=runtime)
    feed.start()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _deliveries(total: int, run: str) -> list[list[dict[str, Any]]]:
    kinds = ["comment", "like", "viewer_joined", "product_click", "add_to_cart", "order"]
    events = []
    for n in range(total):
        kind = kinds[n % len(kinds)] if n % 10 else "comment"
        viewer = {"anonymous_id": f"v{n % 3000}"}
        event: dict[str, Any] = {"id": f"{run}-{n}", "type": kind, "viewer": viewer}
        if kind == "comment":
            event["data"] = {"text": "这个米适合煮粥吗？多少钱一袋"}
        elif kind in ("product_click", "add_to_cart"):
            event["data"] = {"sku": "RICE-5KG", "price": "59.90"}
        elif kind == "order":
            event["data"] = {"order_id": f"{run}-O{n}", "total": "59.90"}
        events.append(event)
    return [events[i : i + PER_DELIVERY] for i in range(0, total, PER_DELIVERY)]


def _send(
    port: int, key: str, secret: str, deliveries: list[list[dict[str, Any]]], rate: int
) -> dict[str, float]:
    """Post the deliveries paced to ``rate`` events/s over SENDERS threads; returns each
    platform event id's send time (wall clock, just before its request went out)."""
    interval = PER_DELIVERY / rate
    start = time.time() + 0.2
    sent: dict[str, float] = {}
    lock = threading.Lock()
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()

    def sender(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: dict[str, float] = {}
        for number in range(index, len(deliveries), SENDERS):
            due = start + number * interval
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            body = orjson.dumps({"events": deliveries[number]})
            stamp = str(int(time.time()))
            headers = {
                "Authorization": auth,
                "Content-Type": "application/json",
                "X-Liveloop-Timestamp": stamp,
                "X-Liveloop-Signature": signature(secret, stamp, body),
            }
            at = time.time()
            conn.request("POST", f"/v1/live/{ROOM}/events", body, headers)
            answer = conn.getresponse()
            answer.read()
            done = time.time()
            mine[f"_answer-{number}"] = done - at
            if answer.status != 200:
                raise RuntimeError(f"webhook answered {answer.status}")
            for event in deliveries[number]:
                mine[event["id"]] = at
                mine[f"_done-{event['id']}"] = done
        conn.close()
        with lock:
            sent.update(mine)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent["_seconds"] = time.time() - start
    return sent


async def _watch(port: int, token: str, consoles: int, stop: asyncio.Event) -> list[list]:
    import httpx

    frames: list[list[tuple[float, int]]] = [[] for _ in range(consoles)]

    async def console(index: int, http: httpx.AsyncClient) -> None:
        url = f"http://127.0.0.1:{port}/v1/live/rooms/{ROOM}/stream"
        headers = {"Authorization": f"Bearer {token}"}
        async with http.stream("GET", url, headers=headers) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    frame = orjson.loads(line[6:])
                    if "through" in frame:
                        frames[index].append((time.time(), frame["through"]))
                if stop.is_set():
                    return

    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(timeout=httpx.Timeout(60, read=None), limits=limits) as http:
        tasks = [asyncio.create_task(console(i, http)) for i in range(consoles)]
        await stop.wait()
        await asyncio.sleep(1.5)  # the last events' frames
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return frames


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _wait_room(port: int, token: str) -> None:
    """Until the room's stream answers (its first frame published; the processor's first
    frame also loads the comment reader)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(
            "GET", f"/v1/live/rooms/{ROOM}/stream", headers={"Authorization": f"Bearer {token}"}
        )
        status = conn.getresponse().status
        conn.close()
        if status == 200:
            return
        time.sleep(0.2)
    raise RuntimeError("the room never got a frame")


def run(mode: str, seconds: float, rate: int, consoles: int, workdir: Path) -> dict[str, float]:
    path = workdir / f"{mode}.db"
    url = f"sqlite:///{path}"
    runtime = bootstrap.open_runtime(Settings(database_url=url, run_workers=False), SystemClock())
    with transaction(runtime.sessions) as session:
        source = create_source(session, "抖音直播", runtime.clock.now(), kind="live_platform")
        _, token = create_api_key(session, "bench", Role.OPERATOR, runtime.clock.now())
    runtime.close()
    assert source.signing_secret is not None
    port = _free_port()
    env = {**os.environ, "LIVELOOP_MODE": "dev"}
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.live_sse", "--serve", url, str(port), mode], env=env
    )
    try:
        _wait_ready(port)
        warm = _deliveries(PER_DELIVERY * 4, f"{mode}-warm")
        _send(port, source.write_key, source.signing_secret, warm, rate)
        _wait_room(port, token)  # the room's first frame is out: its stream answers
        deliveries = _deliveries(int(seconds * rate), mode)
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        watching = loop.create_task(_watch(port, token, consoles, stop))
        loop.run_until_complete(asyncio.sleep(1.0))  # consoles connected, first snapshot in
        result: dict[str, float] = {}

        def drive() -> None:
            result.update(_send(port, source.write_key, source.signing_secret, deliveries, rate))
            loop.call_soon_threadsafe(stop.set)

        driver = threading.Thread(target=drive)
        driver.start()
        frames = loop.run_until_complete(watching)
        driver.join()
        loop.close()
        elapsed = result.pop("_seconds")
        answers = np.array([result.pop(k) for k in [k for k in result if k[:8] == "_answer-"]])
        done = {k[6:]: result.pop(k) for k in [k for k in result if k[:6] == "_done-"]}
    finally:
        server.terminate()
        server.wait(30)
    db = sqlite3.connect(path)
    rows = db.execute("SELECT message_id, id FROM events WHERE message_id LIKE 'live:%'")
    ids = {message_id.rsplit(":", 1)[1]: log_id for message_id, log_id in rows}
    db.close()
    by_id = sorted((ids[event], at, done[event]) for event, at in result.items())
    log_ids = np.array([i for i, _, _ in by_id])
    sent_at = np.array([at for _, at, _ in by_id])
    committed_at = np.array([d for _, _, d in by_id])
    latencies, after_commit = [], []
    for seen in frames:
        if not seen:
            raise RuntimeError("a console got no frames")
        arrival = np.array([a for a, _ in seen])
        through = np.maximum.accumulate(np.array([t for _, t in seen]))
        index = np.searchsorted(through, log_ids, side="left")
        reached = index < len(through)
        latencies.append(arrival[index[reached]] - sent_at[reached])
        after_commit.append(arrival[index[reached]] - committed_at[reached])
    every = np.concatenate(latencies) * 1000
    transport = np.concatenate(after_commit) * 1000
    return {
        "events": len(by_id),
        "events_per_s": len(by_id) / elapsed,
        "frames_per_console": float(np.mean([len(s) for s in frames])),
        "p50_ms": float(np.percentile(every, 50)),
        "p99_ms": float(np.percentile(every, 99)),
        "max_ms": float(every.max()),
        # The webhook's own answer time (its events committed): the ingest share of the latency.
        "answer_p50_ms": float(np.percentile(answers, 50) * 1000),
        "answer_p99_ms": float(np.percentile(answers, 99) * 1000),
        # From the webhook's 200 (committed) to the frame at the console: the transport's share.
        "commit_p50_ms": float(np.percentile(transport, 50)),
        "commit_p99_ms": float(np.percentile(transport, 99)),
    }


def main(seconds: float = 15, rate: int = 2_000, consoles: int = 20) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        push = run("push", seconds, rate, consoles, Path(tmp))
        poll = run("poll", seconds, rate, consoles, Path(tmp))
    print(f"live SSE: {rate} events/s into one room, {consoles} consoles, the stream processor")
    for name, figures in (
        ("liveloop (woken by the commit, a frame within 100–250 ms)", push),
        ("1 s poll", poll),
    ):
        print(
            f"  {name}: {figures['events']:,} events at {figures['events_per_s']:,.0f}/s, "
            f"{figures['frames_per_console']:.0f} frames/console, p50 {figures['p50_ms']:.0f} ms,"
            f" p99 {figures['p99_ms']:.0f} ms, max {figures['max_ms']:.0f} ms; webhook answered"
            f" p50 {figures['answer_p50_ms']:.0f} ms, p99 {figures['answer_p99_ms']:.0f} ms;"
            f" 200 → frame p50 {figures['commit_p50_ms']:.0f} ms,"
            f" p99 {figures['commit_p99_ms']:.0f} ms"
        )
    ratio = poll["p99_ms"] / push["p99_ms"]
    print(f"  p99 ratio 1 s poll / liveloop: {ratio:.1f}x; load average {os.getloadavg()[0]:.2f}")
    return {"push": push, "poll": poll, "ratio_p99": ratio}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", nargs=3, metavar=("URL", "PORT", "MODE"))
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=int, default=2_000)
    parser.add_argument("--consoles", type=int, default=20)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
    else:
        main(args.seconds, args.rate, args.consoles)
