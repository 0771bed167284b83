"""Journey steps per second: the embedded SQLite store with one worker, and PostgreSQL with one
worker process against two (the ratio shows the work really is shared).

Setup (not timed): N people, a journey of five steps per wake — an A/B split, a tag, a
message through the console outbox channel (rendered, guarded at send time later), a trait,
then a wait — and every person's state due now, inserted in bulk. Timed: running the due
states until none is left (``run_due`` batches of 500, each in one transaction), so every
step's effects are written: step runs, tags, traits, messages and their outbox rows.

    python -m bench.journey_steps              # 20,000 people
    python -m bench.journey_steps 50000 --no-postgres
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

JOURNEY = {
    "key": "bench",
    "name": "压测旅程",
    "trigger": {"type": "event", "event": "Signed Up"},
    "steps": [
        {
            "id": "pick",
            "type": "split",
            "variants": [
                {"name": "A", "percent": 50, "next": "mark"},
                {"name": "control", "percent": 50, "next": "mark"},
            ],
        },
        {"id": "mark", "type": "tag", "add": ["压测"]},
        {
            "id": "hello",
            "type": "send",
            "channel": "console",
            "template": "bench_hello",
            "purpose": "service",
        },
        {"id": "note", "type": "set_trait", "traits": {"bench": True}},
        {"id": "later", "type": "wait", "duration": "7d"},
        {"id": "bye", "type": "tag", "add": ["完成"]},
    ],
}
STEPS_PER_WAKE = 5  # split, tag, send, set_trait, wait
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: no quiet hours


def settings(url: str) -> Any:
    from liveloop.config import Settings

    return Settings(database_url=url, run_workers=False, analytics_schedule=False)


def prepare(url: str, people: int) -> None:
    from liveloop import bootstrap
    from liveloop.channels.service import TemplateSpec, save_template
    from liveloop.clock import ManualClock
    from liveloop.journeys.models import JourneyState
    from liveloop.journeys.service import change_status, save_journey
    from liveloop.profiles.models import Customer
    from liveloop.store.engine import transaction

    runtime = bootstrap.open_runtime(settings(url), ManualClock(NOW))
    with transaction(runtime.sessions) as session:
        save_template(
            session,
            TemplateSpec(
                "bench_hello", "压测问候", "console", "service", "{{ customer.name }}您好"
            ),
            NOW,
        )
        info = save_journey(session, JOURNEY, by="bench", now=NOW)
        change_status(session, "bench", "activate", NOW)
    with transaction(runtime.sessions) as session:
        for start in range(0, people, 10_000):
            ids = range(start + 1, min(people, start + 10_000) + 1)
            session.execute(
                insert(Customer),
                [
                    {
                        "id": i,
                        "oneid": f"B{i:012d}",
                        "name": f"客户{i}",
                        "traits": {},
                        "version": 1,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(JourneyState),
                [
                    {
                        "journey_id": info.id,
                        "version": 1,
                        "customer_id": i,
                        "entry_key": f"bench:{i}",
                        "status": "active",
                        "step": "pick",
                        "due_at": NOW,
                        "context": {"seq": 0},
                        "entered_at": NOW,
                        "updated_at": NOW,
                        "revenue": 0,
                        "attempts": 0,
                    }
                    for i in ids
                ],
            )
    runtime.close()


def work(url: str) -> int:
    """One worker: run due states until none is left; returns steps run."""
    from liveloop import bootstrap
    from liveloop.clock import ManualClock
    from liveloop.journeys import stepper
    from liveloop.journeys.steps import EXECUTORS

    runtime = bootstrap.open_runtime(settings(url), ManualClock(NOW), upgrade=False)
    steps = stepper.run_until_idle(
        runtime.sessions, runtime.clock, stepper.Book(), EXECUTORS, runtime.settings.tz
    )
    runtime.close()
    return steps


def timed(url: str, workers: int) -> tuple[int, float]:
    started = time.perf_counter()
    if workers == 1:
        steps = work(url)
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            steps = sum(pool.map(work, [url] * workers))
    return steps, time.perf_counter() - started


def postgres_url(name: str) -> str:
    admin = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("people", nargs="?", type=int, default=20_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        prepare(url, args.people)
        steps, seconds = timed(url, 1)
        rows.append(("SQLite, 1 worker", steps, seconds))
    if not args.no_postgres:
        for workers in (1, 2):
            url = postgres_url(f"liveloop_bench_journeys_{workers}")
            prepare(url, args.people)
            steps, seconds = timed(url, workers)
            rows.append((f"PostgreSQL, {workers} worker process(es)", steps, seconds))
    print(f"{args.people:,} people, {STEPS_PER_WAKE} steps each")
    for name, steps, seconds in rows:
        print(f"{name:36s} {steps:>9,} steps {seconds:7.2f} s {steps / seconds:>9,.0f} steps/s")
    if len(rows) == 3:
        print(f"PostgreSQL 2 workers / 1 worker: {rows[1][2] / rows[2][2]:.2f}x")


if __name__ == "__main__":
    main()
