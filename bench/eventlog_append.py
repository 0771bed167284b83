"""Event-log append throughput on the embedded store, against bare sqlite3 in the same run.

liveloop: ``append_rows`` through SQLAlchemy in one ``BEGIN IMMEDIATE`` transaction per batch of
100 (idempotent insert, RETURNING ids, JSON documents) — what a `/v1/batch` request will do.
Baseline: the same rows, pre-serialised, ``executemany`` into a bare table with sqlite3, one
commit per batch. Both files in WAL mode with synchronous=NORMAL.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from liveloop import bootstrap
from liveloop.clock import ManualClock
from liveloop.config import Settings
from liveloop.store.engine import transaction
from liveloop.store.eventlog import append_rows

BATCH = 100


def _rows(n: int) -> list[dict]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        {
            "message_id": uuid.UUID(int=i).hex,
            "type": "track",
            "name": "Live Comment Posted",
            "customer_id": None,
            "anonymous_id": f"anon-{i % 5000}",
            "user_id": None,
            "properties": {"room": "main", "text": "适合糖尿病人吃吗?", "seq": i},
            "context": {"app": {"name": "mini-program"}, "ip": "127.0.0.1"},
            "timestamp": start + timedelta(milliseconds=i),
            "received_at": start + timedelta(milliseconds=i),
            "source": "bench",
        }
        for i in range(n)
    ]


def run_liveloop(rows: list[dict], workdir: Path) -> float:
    runtime = bootstrap.open_runtime(
        Settings(database_url=f"sqlite:///{workdir / 'll.db'}", run_workers=False), ManualClock()
    )
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with transaction(runtime.sessions) as session:
            append_rows(session, rows[i : i + BATCH])
    elapsed = time.perf_counter() - started
    runtime.close()
    return elapsed


def run_baseline(rows: list[dict], workdir: Path) -> float:
    db = sqlite3.connect(workdir / "bare.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, message_id TEXT UNIQUE, type TEXT, name TEXT,"
        " customer_id INTEGER, anonymous_id TEXT, user_id TEXT, properties TEXT, context TEXT,"
        " timestamp TEXT, received_at TEXT, source TEXT)"
    )
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        batch = [
            (
                r["message_id"],
                r["type"],
                r["name"],
                r["customer_id"],
                r["anonymous_id"],
                r["user_id"],
                json.dumps(r["properties"], ensure_ascii=False),
                json.dumps(r["context"], ensure_ascii=False),
                r["timestamp"].isoformat(),
                r["received_at"].isoformat(),
                r["source"],
            )
            for r in rows[i : i + BATCH]
        ]
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO events (message_id, type, name, customer_id, anonymous_id, user_id,"
            " properties, context, timestamp, received_at, source) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            batch,
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def main(n: int = 100_000) -> dict[str, float]:
    rows = _rows(n)
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_liveloop(rows, Path(tmp))
        base = run_baseline(rows, Path(tmp))
    result = {
        "events": n,
        "liveloop_events_per_s": n / ours,
        "baseline_events_per_s": n / base,
        "ratio_to_baseline": base / ours,
    }
    print(
        f"event log append, {n:,} events in batches of {BATCH}: "
        f"liveloop {result['liveloop_events_per_s']:,.0f}/s, "
        f"bare sqlite3 {result['baseline_events_per_s']:,.0f}/s, "
        f"ratio {result['ratio_to_baseline']:.2f}"
    )
    return result


if __name__ == "__main__":
    main()
