"""The analytics schedule: when the nightly full run and the hourly incremental run are due, in
the brand's time zone; abandoned runs; the scheduler thread against a real store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.analytics.contracts import RunStatus
from liveloop.analytics.jobs.plan import LIGHT_JOBS, plan
from liveloop.analytics.models import AnalyticsRun
from liveloop.analytics.schedule import (
    ABANDONED,
    Scheduler,
    SeenRun,
    analytics_day_start,
    due,
    recent_runs,
)
from liveloop.analytics.service import RunSummary
from liveloop.app import create_app
from liveloop.config import Settings
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8: 02:00 local is 18:00 UTC the day before
NEW_YORK = ZoneInfo("America/New_York")


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def full(at: datetime, status: str = RunStatus.SUCCEEDED) -> SeenRun:
    return SeenRun("full", status, at)


def incremental(at: datetime, status: str = RunStatus.SUCCEEDED) -> SeenRun:
    return SeenRun("incremental", status, at)


def manual(at: datetime, status: str = RunStatus.SUCCEEDED) -> SeenRun:
    return SeenRun("manual", status, at)


CASES = [
    # (why, now, timezone, runs, due)
    ("a new store runs everything at once", utc(20, 12), SHANGHAI, [], "full"),
    (
        "after tonight's full run, hourly runs",
        utc(20, 12),
        SHANGHAI,
        [full(utc(19, 18, 30))],
        "incremental",
    ),
    (
        "a run 30 minutes ago: nothing due",
        utc(20, 12),
        SHANGHAI,
        [full(utc(19, 18, 30)), incremental(utc(20, 11, 30))],
        None,
    ),
    (
        "a run exactly an hour ago: the next hourly run is due",
        utc(20, 12),
        SHANGHAI,
        [full(utc(19, 18, 30)), incremental(utc(20, 11))],
        "incremental",
    ),
    (
        "a manual run within the hour counts",
        utc(20, 12),
        SHANGHAI,
        [full(utc(19, 18, 30)), manual(utc(20, 11, 15))],
        None,
    ),
    (
        "a failed hourly run within the hour counts",
        utc(20, 12),
        SHANGHAI,
        [full(utc(19, 18, 30)), incremental(utc(20, 11, 15), RunStatus.FAILED)],
        None,
    ),
    (
        "01:59 local is still the analytics day that began at yesterday's 02:00",
        utc(20, 17, 59),
        SHANGHAI,
        [full(utc(19, 18)), incremental(utc(20, 17, 30))],
        None,
    ),
    (
        "02:00 local starts a new day: the nightly run is due even within the hour",
        utc(20, 18),
        SHANGHAI,
        [full(utc(19, 18)), incremental(utc(20, 17, 30))],
        "full",
    ),
    (
        "at 01:00 local with no full run since yesterday's 02:00, catch up",
        utc(20, 17),
        SHANGHAI,
        [full(utc(18, 18, 5)), incremental(utc(20, 16, 30))],
        "full",
    ),
    (
        "a manual run is not the nightly run",
        utc(20, 12),
        SHANGHAI,
        [manual(utc(19, 19)), incremental(utc(20, 11, 30))],
        "full",
    ),
    (
        "a failed nightly run is not retried until the next night",
        utc(20, 12),
        SHANGHAI,
        [full(utc(19, 18, 1), RunStatus.FAILED)],
        "incremental",
    ),
    # The same runs in three time zones: a full run at 20:00 UTC on the 19th is 04:00 on the
    # 20th in Shanghai (today's run), but before 02:00 on the 20th in UTC and New York.
    ("UTC: 08:00, last full run yesterday", utc(20, 8), UTC, [full(utc(19, 20))], "full"),
    (
        "Shanghai: 16:00, full run at 04:00 today",
        utc(20, 8),
        SHANGHAI,
        [full(utc(19, 20))],
        "incremental",
    ),
    (
        "New York: 03:00, last full run yesterday 15:00",
        utc(20, 8),
        NEW_YORK,
        [full(utc(19, 20))],
        "full",
    ),
    (
        "New York: 01:00, the day began yesterday at 02:00 (07:00 UTC)",
        utc(20, 6),
        NEW_YORK,
        [full(utc(19, 20))],
        "incremental",
    ),
    (
        "a run still going blocks a due nightly run",
        utc(20, 18, 30),
        SHANGHAI,
        [full(utc(19, 18)), incremental(utc(20, 13), RunStatus.RUNNING)],
        None,
    ),
    (
        "a run 'running' for six hours is abandoned and blocks nothing",
        utc(20, 19),
        SHANGHAI,
        [full(utc(19, 18)), incremental(utc(20, 13), RunStatus.RUNNING)],
        "full",
    ),
]


@pytest.mark.parametrize(
    ("now", "tz", "runs", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_what_is_due(now, tz, runs, expected):
    assert due(now, tz, runs) == expected


@pytest.mark.parametrize(
    ("now", "tz", "day_start"),
    [
        pytest.param(utc(20, 12), SHANGHAI, utc(19, 18), id="shanghai-evening"),
        pytest.param(utc(20, 18), SHANGHAI, utc(20, 18), id="shanghai-at-two"),
        pytest.param(utc(20, 1, 59), UTC, utc(19, 2), id="utc-before-two"),
        # 2026-03-08 New York skips 02:00–03:00: the day starts at the jump (07:00 UTC).
        pytest.param(utc(8, 7, 0, 3), NEW_YORK, utc(8, 7, 0, 3), id="new-york-spring-forward"),
        pytest.param(utc(8, 6, 59, 3), NEW_YORK, utc(7, 7, 0, 3), id="new-york-before-jump"),
        # 2026-10-25 Berlin repeats 02:00–03:00: the day starts at the first 02:00 (CEST).
        pytest.param(
            utc(25, 3, 0, 10),
            ZoneInfo("Europe/Berlin"),
            utc(25, 0, 0, 10),
            id="berlin-fall-back",
        ),
    ],
)
def test_the_analytics_day_starts_at_two_local(now, tz, day_start):
    assert analytics_day_start(now, tz) == day_start


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        due(datetime(2026, 11, 20, 12), SHANGHAI, [])


# --- against the store -------------------------------------------------------------------------


def add_run(runtime: Runtime, kind: str, status: str, started_at: datetime) -> int:
    with transaction(runtime.sessions) as session:
        run = AnalyticsRun(
            kind=kind,
            engine="duckdb",
            jobs=[],
            status=status,
            as_of=started_at,
            started_at=started_at,
            diagnostics={},
        )
        session.add(run)
        session.flush()
        return run.id


def stored_runs(runtime: Runtime) -> list[AnalyticsRun]:
    with runtime.read_sessions() as session:
        return list(session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id)))


class FakeRun:
    """Stands in for ``run_analytics``: records calls, optionally raises."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[tuple[str, ...], str]] = []
        self.error = error
        self.called = threading.Event()

    def __call__(self, runtime: Runtime, names: tuple[str, ...] = (), *, kind: str) -> RunSummary:
        self.calls.append((names, kind))
        self.called.set()
        if self.error:
            raise self.error
        return RunSummary(len(self.calls), list(names), "duckdb", 0.0)


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_store_gives_the_latest_full_the_latest_and_the_running(runtime):
    now = runtime.clock.now()
    add_run(runtime, "full", RunStatus.SUCCEEDED, now - timedelta(days=2))
    add_run(runtime, "full", RunStatus.FAILED, now - timedelta(hours=20))
    add_run(runtime, "manual", RunStatus.RUNNING, now - timedelta(hours=10))
    add_run(runtime, "incremental", RunStatus.SUCCEEDED, now - timedelta(hours=3))
    add_run(runtime, "incremental", RunStatus.SUCCEEDED, now - timedelta(hours=2))
    with runtime.read_sessions() as session:
        runs = recent_runs(session)
    assert sorted(runs, key=lambda r: r.started_at) == [
        SeenRun("full", RunStatus.FAILED, now - timedelta(hours=20)),
        SeenRun("manual", RunStatus.RUNNING, now - timedelta(hours=10)),
        SeenRun("incremental", RunStatus.SUCCEEDED, now - timedelta(hours=2)),
    ]


def test_a_crashed_run_is_marked_abandoned_and_no_longer_blocks(runtime):
    now = runtime.clock.now()
    crashed = add_run(runtime, "incremental", RunStatus.RUNNING, now - timedelta(hours=7))
    fake = FakeRun()

    assert Scheduler(runtime, run=fake).run_due() == "full"

    assert fake.calls == [((), "full")]
    run = stored_runs(runtime)[0]
    assert run.id == crashed
    assert (run.status, run.error, run.finished_at) == (RunStatus.FAILED, ABANDONED, now)


def test_a_run_still_going_blocks_and_is_left_alone(runtime):
    now = runtime.clock.now()
    add_run(runtime, "full", RunStatus.RUNNING, now - timedelta(hours=7))
    going = add_run(runtime, "manual", RunStatus.RUNNING, now - timedelta(minutes=5))
    fake = FakeRun()

    assert Scheduler(runtime, run=fake).run_due() is None

    assert fake.calls == []
    statuses = {run.id: (run.status, run.error) for run in stored_runs(runtime)}
    assert statuses[going] == (RunStatus.RUNNING, None)
    assert list(statuses.values()).count((RunStatus.FAILED, ABANDONED)) == 1


def test_the_scheduler_runs_the_nightly_then_the_hourly_run(runtime):
    scheduler = Scheduler(runtime, poll_seconds=0.05)
    scheduler.start()
    try:
        wait_for(lambda: [r.status for r in stored_runs(runtime)] == [RunStatus.SUCCEEDED])
        runtime.clock.advance(hours=1)
        wait_for(lambda: len(stored_runs(runtime)) == 2 and stored_runs(runtime)[1].finished_at)
    finally:
        scheduler.stop()

    nightly, hourly = stored_runs(runtime)
    assert (nightly.kind, nightly.jobs) == ("full", [job.name for job in plan()])
    assert (hourly.kind, hourly.status) == ("incremental", RunStatus.SUCCEEDED)
    assert hourly.jobs == [job.name for job in plan(LIGHT_JOBS)]
    assert hourly.started_at == nightly.started_at + timedelta(hours=1)


def test_a_failing_run_does_not_stop_the_scheduler(runtime):
    fake = FakeRun(RuntimeError("engine fell over"))
    scheduler = Scheduler(runtime, poll_seconds=0.01, run=fake)
    scheduler.start()
    try:
        wait_for(lambda: len(fake.calls) >= 3, seconds=5)
    finally:
        scheduler.stop()
    assert scheduler._thread is not None and not scheduler._thread.is_alive()


def test_stop_returns_at_once_while_waiting_for_the_next_poll(runtime):
    fake = FakeRun()
    scheduler = Scheduler(runtime, poll_seconds=60, run=fake)
    scheduler.start()
    assert fake.called.wait(5)

    started = time.monotonic()
    scheduler.stop()

    assert time.monotonic() - started < 1
    assert scheduler._thread is not None and not scheduler._thread.is_alive()


@pytest.mark.parametrize("scheduled", [True, False])
def test_the_server_schedules_analytics_unless_turned_off(sqlite_url, clock, scheduled):
    settings = Settings(
        database_url=sqlite_url,
        run_workers=True,
        analytics_schedule=scheduled,
        _env_file=None,
    )
    runtime = bootstrap.open_runtime(settings, clock)
    try:
        with TestClient(create_app(runtime=runtime)) as http:
            assert http.get("/healthz").status_code == 200
            if scheduled:
                wait_for(lambda: [r.status for r in stored_runs(runtime)] == ["succeeded"])
        assert [run.kind for run in stored_runs(runtime)] == (["full"] if scheduled else [])
    finally:
        runtime.close()
