"""Sustained ingestion through ``/v1/batch`` against the real server, with a bare baseline.

liveloop: ``uvicorn liveloop.app:create_app`` in its own process on a temporary SQLite store
(in-process workers off, access log off), driven by several concurrent keep-alive HTTP clients
in this process, each posting ``/v1/batch`` bodies of 100 simulator events (Segment-shaped,
built before the clock starts). A 200 means the events are committed with
``synchronous=FULL``; the run checks that every event is in the store afterwards.

Baseline, in the same run: the same request bodies parsed with orjson and inserted into the
same ``events`` table (same indexes, ``synchronous=FULL``) with ``sqlite3.executemany``, one
transaction per body, no HTTP, no validation.

``python -m bench.ingest_batch [--customers N] [--clients C] [--rounds R] [--http h11]``
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from liveloop import bootstrap
from liveloop.clock import SystemClock
from liveloop.config import Settings
from liveloop.identity.service import PLACEHOLDERS
from liveloop.ingest.service import create_source
from liveloop.sim.config import SimConfig
from liveloop.sim.generate import simulate
from liveloop.store.engine import transaction

BATCH = 100


def segment_messages(customers: int) -> list[dict[str, Any]]:
    """The simulator's events as Segment messages. The simulator's official-account touches
    carry only ``context.externalIds``; the API needs userId or anonymousId, so those get an
    anonymousId made from their first external id (as a client SDK would have one)."""
    out = []
    for chunk in simulate(SimConfig(customers=customers)):
        for e in chunk.events:
            context = orjson.loads(e["context"])
            properties = orjson.loads(e["properties"])
            message: dict[str, Any] = {
                "type": e["type"],
                "messageId": e["message_id"],
                "timestamp": e["timestamp"].isoformat(),
                "context": context,
            }
            if e["user_id"]:
                message["userId"] = e["user_id"]
            if e["anonymous_id"]:
                message["anonymousId"] = e["anonymous_id"]
            elif not e["user_id"]:
                message["anonymousId"] = "ext-" + context["externalIds"][0]["id"]
            ids = (message.get("userId"), message.get("anonymousId"))
            if all(i is None or i.strip().lower() in PLACEHOLDERS for i in ids):
                continue  # the simulator's placeholder trap: the API refuses it (400)
            if e["type"] == "identify":
                message["traits"] = properties.get("traits", {})
            else:
                message["event"] = e["event"]
                message["properties"] = properties
            out.append(message)
    return out


def request_bodies(messages: list[dict[str, Any]]) -> list[bytes]:
    sent_at = datetime.now(UTC).isoformat()
    return [
        orjson.dumps({"batch": messages[i : i + BATCH], "sentAt": sent_at})
        for i in range(0, len(messages), BATCH)
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, http_impl: str = "auto") -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LIVELOOP_DATABASE_URL": url,
        "LIVELOOP_RUN_WORKERS": "false",
        "LIVELOOP_MODE": "dev",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "liveloop.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--http",
            http_impl,
            "--loop",
            "asyncio" if http_impl == "h11" else "auto",
        ],
        env=env,
    )
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return server
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")
    except BaseException:
        server.kill()
        raise


def drive(port: int, key: str, bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    """Post every body once over ``clients`` keep-alive connections; (seconds, latencies)."""
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    latencies: list[float] = []
    failures: list[str] = []
    next_body = iter(range(len(bodies)))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while True:
            with lock:
                index = next(next_body, None)
            if index is None:
                break
            started = time.perf_counter()
            conn.request("POST", "/v1/batch", bodies[index], headers)
            response = conn.getresponse()
            payload = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                failures.append(f"{response.status} {payload[:200]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return elapsed, latencies


def run_liveloop(
    bodies: list[bytes], workdir: Path, clients: int, http_impl: str = "auto"
) -> dict[str, float]:
    url = f"sqlite:///{workdir / 'liveloop.db'}"
    runtime = bootstrap.open_runtime(Settings(database_url=url, run_workers=False), SystemClock())
    with transaction(runtime.sessions) as session:
        key = create_source(session, "bench", runtime.clock.now(), kind="server").write_key
    runtime.close()
    port = _free_port()
    server = start_server(url, port, http_impl)
    try:
        drive(port, key, bodies[:20], 2)  # warm-up: connections, caches, first pages
        elapsed, latencies = drive(port, key, bodies[20:], clients)
    finally:
        server.terminate()
        server.wait(30)
    db = sqlite3.connect(workdir / "liveloop.db")
    stored = db.execute("SELECT count(*) FROM events").fetchone()[0]
    db.close()
    sent = sum(len(orjson.loads(b)["batch"]) for b in bodies)
    if stored != sent:
        raise RuntimeError(f"{sent} events sent but {stored} stored")
    measured = sum(len(orjson.loads(b)["batch"]) for b in bodies[20:])
    latencies.sort()
    return {
        "events": measured,
        "events_per_s": measured / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def _sqlite_time(value: str) -> str:
    parsed = datetime.fromisoformat(value).astimezone(UTC)
    return parsed.strftime("%Y-%m-%d %H:%M:%S.%f")


def run_baseline(bodies: list[bytes], workdir: Path) -> float:
    url = f"sqlite:///{workdir / 'baseline.db'}"
    bootstrap.open_runtime(Settings(database_url=url, run_workers=False), SystemClock()).close()
    db = sqlite3.connect(workdir / "baseline.db", isolation_level=None)
    db.execute("PRAGMA synchronous=FULL")
    sql = (
        "INSERT INTO events (message_id, type, name, customer_id, anonymous_id, user_id,"
        " properties, context, timestamp, received_at, source) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (message_id) DO NOTHING"
    )
    events = 0
    started = time.perf_counter()
    for body in bodies:
        received = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows = [
            (
                m["messageId"],
                m["type"],
                m.get("event"),
                None,
                m.get("anonymousId"),
                m.get("userId"),
                orjson.dumps(m.get("properties") or {"traits": m.get("traits")}).decode(),
                orjson.dumps(m["context"]).decode(),
                _sqlite_time(m["timestamp"]),
                received,
                "bench",
            )
            for m in orjson.loads(body)["batch"]
        ]
        db.execute("BEGIN")
        db.executemany(sql, rows)
        db.execute("COMMIT")
        events += len(rows)
    elapsed = time.perf_counter() - started
    db.close()
    return events / elapsed


def main(
    customers: int = 25_000, clients: int = 16, rounds: int = 3, http_impl: str = "auto"
) -> dict[str, float]:
    """Alternate liveloop and baseline runs ``rounds`` times (fresh stores each time) and report
    medians: the machine's disk and neighbours make single runs noisy."""
    messages = segment_messages(customers)
    bodies = request_bodies(messages)
    runs: list[dict[str, float]] = []
    load_before = os.getloadavg()[0]
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            ours = run_liveloop(bodies, Path(tmp), clients, http_impl)
            base = run_baseline(bodies, Path(tmp))
        runs.append({**ours, "baseline_events_per_s": base, "ratio": ours["events_per_s"] / base})
    result = {
        key: statistics.median(run[key] for run in runs)
        for key in ("events", "events_per_s", "p50_ms", "p99_ms", "baseline_events_per_s", "ratio")
    }
    result["load_average"] = max(load_before, os.getloadavg()[0])
    print(
        f"/v1/batch ingestion, {result['events']:,.0f} simulator events in batches of {BATCH}, "
        f"{clients} clients, median of {rounds} rounds: "
        f"liveloop {result['events_per_s']:,.0f} events/s "
        f"(p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms per request); "
        f"bare parse+insert {result['baseline_events_per_s']:,.0f} events/s; "
        f"ratio {result['ratio']:.2f} (rounds: "
        + ", ".join(f"{r['events_per_s']:,.0f}/{r['baseline_events_per_s']:,.0f}" for r in runs)
        + f"; load average {result['load_average']:.1f})"
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=25_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--http", default="auto", help="uvicorn --http: auto, h11, httptools")
    args = parser.parse_args()
    main(args.customers, args.clients, args.rounds, args.http)
