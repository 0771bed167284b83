"""The group-commit writer: concurrent requests share commits, a request's rows land together or
not at all, one bad request cannot fail the others, and the SQLite fast path stores exactly what
``store.eventlog.append_rows`` stores."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from liveloop.ingest.errors import Busy
from liveloop.ingest.writer import EventWriter
from liveloop.store.engine import transaction
from liveloop.store.eventlog import append_rows
from tests.ingest.conftest import stored_events

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _rows(prefix: str, n: int, **extra) -> list[dict]:
    return [
        {
            "message_id": f"{prefix}-{i}",
            "type": "track",
            "name": "Live Comment Posted",
            "customer_id": None,
            "anonymous_id": f"anon-{i}",
            "user_id": None,
            "properties": {"room": "main", "text": "适合糖尿病人吃吗?", "seq": i, "price": 19.9},
            "context": {"externalIds": [{"type": "douyin_id", "id": f"dy{i}"}]},
            "timestamp": NOW + timedelta(microseconds=i),
            "received_at": NOW,
            "source": "test",
            **extra,
        }
        for i in range(n)
    ]


@pytest.fixture
def writer(store_runtime):
    w = EventWriter.for_store(store_runtime.settings.database_url, store_runtime.sessions)
    yield w
    w.close()


def test_concurrent_requests_share_commits_and_all_land(writer, store_runtime):
    # Hold the writer on a slow first group so the other requests queue behind it.
    gate = threading.Event()
    original = writer._insert

    def slow_first(session, rows):
        gate.wait(5)
        return original(session, rows)

    writer._insert = slow_first
    first = writer.submit(_rows("first", 10))
    others = [writer.submit(_rows(f"r{n}", 100)) for n in range(20)]
    gate.set()
    for done in [first, *others]:
        done.result(10)
    assert writer.groups < 21  # the 20 waiting requests went in together
    assert len(stored_events(store_runtime)) == 10 + 20 * 100
    assert writer.events == 2010


def test_a_bad_request_fails_alone_and_the_rest_of_its_group_lands(writer, store_runtime):
    gate = threading.Event()
    original = writer._insert

    def held(session, rows):
        gate.wait(5)
        return original(session, rows)

    writer._insert = held
    first = writer.submit(_rows("first", 1))
    good = writer.submit(_rows("good", 5))
    bad_rows = _rows("bad", 2)
    bad_rows[1]["type"] = None  # the store refuses a row without its call type
    bad = writer.submit(bad_rows)
    after = writer.submit(_rows("after", 5))
    gate.set()
    first.result(10)
    good.result(10)
    after.result(10)
    with pytest.raises(Exception, match=r"(?i)not null|null value"):
        bad.result(10)
    ids = {e.message_id for e in stored_events(store_runtime)}
    assert "good-0" in ids and "after-4" in ids
    assert not any(i.startswith("bad-") for i in ids)  # all or nothing per request


def test_a_full_queue_refuses_with_busy_instead_of_growing(store_runtime):
    writer = EventWriter(store_runtime.sessions, max_waiting_rows=150)
    gate = threading.Event()
    original = writer._insert

    def held(session, rows):
        gate.wait(5)
        return original(session, rows)

    writer._insert = held
    try:
        running = writer.submit(_rows("a", 100))
        # The first request may already be taken by the writer; fill what waits behind it.
        waiting = []
        with pytest.raises(Busy) as refused:
            for n in range(3):
                waiting.append(writer.submit(_rows(f"b{n}", 100)))
        assert refused.value.status == 503 and refused.value.headers == {"Retry-After": "1"}
        gate.set()
        for done in [running, *waiting]:
            done.result(10)
    finally:
        gate.set()
        writer.close()


def test_rows_are_committed_before_the_writer_answers(writer, store_runtime):
    writer.submit(_rows("durable", 3)).result(10)
    # A fresh connection (another process would see the same) finds them.
    with store_runtime.engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM events WHERE message_id LIKE 'durable-%'")
        ).scalar()
    assert count == 3


def test_the_writer_stops_after_writing_what_waits_and_starts_again(store_runtime):
    writer = EventWriter(store_runtime.sessions)
    pending = writer.submit(_rows("x", 50))
    writer.close()
    assert pending.done()
    writer.submit(_rows("y", 5)).result(10)
    writer.close()
    assert len(stored_events(store_runtime)) == 55


def test_sqlite_ingest_commits_with_fsync_and_leaves_checkpoints_to_its_own_thread(runtime):
    writer = EventWriter.for_store(runtime.settings.database_url, runtime.sessions)
    try:
        with transaction(writer.sessions) as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
    finally:
        writer.close()


def test_the_checkpointer_copies_committed_events_into_the_database_file(runtime, tmp_path):
    database = runtime.settings.database_url.removeprefix("sqlite:///")
    # An open connection keeps SQLite from checkpointing when the others close, so only the
    # checkpointer can have moved the events into the database file.
    bystander = sqlite3.connect(database)
    try:
        bystander.execute("SELECT 1 FROM events LIMIT 1").fetchall()
        writer = EventWriter.for_store(runtime.settings.database_url, runtime.sessions)
        writer.submit(_rows("ckpt", 2_000)).result(10)
        writer.close()  # stops the checkpointer after a last checkpoint
        runtime.close()
        copy = tmp_path / "copy.db"
        shutil.copyfile(database, copy)  # the database file alone, without its WAL
    finally:
        bystander.close()
    with sqlite3.connect(copy) as connection:
        count = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    assert count == 2_000


def test_the_sqlite_fast_path_stores_what_append_rows_stores(runtime):
    writer = EventWriter.for_store(runtime.settings.database_url, runtime.sessions)
    try:
        rows = _rows("fast", 3)
        # Given in Beijing time; both paths store it as UTC.
        rows[1]["timestamp"] = datetime(2026, 11, 21, 4, 0, tzinfo=timezone(timedelta(hours=8)))
        writer.submit(rows).result(10)
    finally:
        writer.close()
    with transaction(runtime.sessions) as session:
        append_rows(
            session, [{**r, "message_id": r["message_id"].replace("fast", "orm")} for r in rows]
        )
    with runtime.engine.connect() as connection:
        stored = {
            row[0]: row[1:]
            for row in connection.execute(
                text(
                    "SELECT message_id, type, name, anonymous_id, properties, context, timestamp,"
                    " received_at, source FROM events"
                )
            )
        }
    for i in range(3):
        assert stored[f"fast-{i}"] == stored[f"orm-{i}"]
    # And the ORM reads the fast path's rows back as it wrote them.
    fast = {e.message_id: e for e in stored_events(runtime)}
    assert fast["fast-1"].timestamp == datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
    assert fast["fast-2"].properties["text"] == "适合糖尿病人吃吗?"
