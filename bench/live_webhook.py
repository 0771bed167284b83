"""Live events end to end through the signed webhook, against the tracking API in the same run.

liveloop: ``uvicorn liveloop.app:create_app`` in its own process on a temporary SQLite store
(in-process workers off, access log off), one live-platform source and its room; several
concurrent keep-alive clients post signed deliveries of 200 events of simulated shows
(``sim.shows``: joins, leaves, comments, likes, clicks, carts, orders), each signed as it is
sent. A 200 means the events are committed; the run checks every event is in the store.

Baseline, in the same run and server: the same events as Segment ``track`` calls through
``/v1/batch`` (the generic door the webhook shares its writer with), 200 a body.

``python -m bench.live_webhook [--shows N] [--clients C]``
"""

from __future__ import annotations

import argparse
import base64
import http.client
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.ingest_batch import _free_port, start_server
from liveloop import bootstrap
from liveloop.clock import SystemClock
from liveloop.config import Settings
from liveloop.ingest.service import create_source
from liveloop.live import service as lives
from liveloop.live.webhook import signature
from liveloop.sim.shows import ShowConfig, generate_show
from liveloop.store.engine import transaction

BATCH = 200


def show_events(shows: int) -> list[dict[str, Any]]:
    start = datetime.now(UTC)
    out: list[dict[str, Any]] = []
    for seed in range(1, shows + 1):
        show = generate_show(ShowConfig(seed=seed, minutes=240, viewers=1_500))
        for event in show.events:
            payload = event.payload(start)
            payload["id"] = f"s{seed}-{payload['id']}"
            out.append(payload)
    return out


def as_track(event: dict[str, Any]) -> dict[str, Any]:
    viewer = event["viewer"]
    message = {
        "type": "track",
        "event": event["type"],
        "messageId": f"t-{event['id']}",
        "timestamp": event["occurred_at"],
        "properties": {"room": "main", **event.get("data", {})},
        "context": {},
    }
    for field, key in (("user_id", "userId"), ("anonymous_id", "anonymousId")):
        if viewer.get(field):
            message[key] = viewer[field]
    return message


def drive(
    port: int, path: str, key: str, bodies: list[bytes], clients: int, secret: str | None
) -> float:
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    failures: list[str] = []
    pending = iter(range(len(bodies)))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(pending, None)
            if index is None:
                break
            headers = {"Authorization": auth, "Content-Type": "application/json"}
            if secret is not None:
                stamp = str(int(time.time()))
                headers["X-Liveloop-Timestamp"] = stamp
                headers["X-Liveloop-Signature"] = signature(secret, stamp, bodies[index])
            conn.request("POST", path, bodies[index], headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 200:
                failures.append(f"{response.status} {answer[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return elapsed


def main(shows: int = 6, clients: int = 8) -> dict[str, float]:
    events = show_events(shows)
    live_bodies = [
        orjson.dumps({"events": events[i : i + BATCH]}) for i in range(0, len(events), BATCH)
    ]
    tracks = [as_track(e) for e in events]
    track_bodies = [
        orjson.dumps({"batch": tracks[i : i + BATCH]}) for i in range(0, len(tracks), BATCH)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'liveloop.db'}"
        settings = Settings(database_url=url, run_workers=False)
        runtime = bootstrap.open_runtime(settings, SystemClock())
        with transaction(runtime.sessions) as session:
            now = runtime.clock.now()
            platform = create_source(session, "bench-live", now, kind="live_platform")
            server_key = create_source(session, "bench-track", now, kind="server").write_key
            lives.create_room(session, code="main", name="压测直播间", platform="own_h5", now=now)
        runtime.close()
        assert platform.signing_secret is not None
        port = _free_port()
        server = start_server(url, port)
        try:
            webhook_s = drive(
                port,
                "/v1/live/main/events",
                platform.write_key,
                live_bodies,
                clients,
                platform.signing_secret,
            )
            track_s = drive(port, "/v1/batch", server_key, track_bodies, clients, None)
        finally:
            server.terminate()
            server.wait(30)
        db = sqlite3.connect(Path(tmp) / "liveloop.db")
        stored = db.execute("SELECT count(*) FROM events").fetchone()[0]
        db.close()
    if stored < 2 * len(events):
        raise RuntimeError(f"{2 * len(events)} events sent but {stored} stored")
    result = {
        "events": len(events),
        "webhook_events_per_s": len(events) / webhook_s,
        "tracking_events_per_s": len(events) / track_s,
    }
    result["ratio"] = result["webhook_events_per_s"] / result["tracking_events_per_s"]
    print(
        f"live webhook: {result['webhook_events_per_s']:,.0f} events/s; tracking API "
        f"{result['tracking_events_per_s']:,.0f} events/s ({len(events):,} events each, "
        f"{clients} clients); webhook/tracking {result['ratio']:.2f}"
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shows", type=int, default=6)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    main(args.shows, args.clients)
