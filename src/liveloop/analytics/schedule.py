"""The server's analytics schedule: a nightly full run and an hourly incremental run.

What is due is decided by ``due`` from the runs already in the store, so a restart, a second
server or a run started by hand from the CLI all count:

- **full** (every job) — once per *analytics day*, which starts at 02:00 in the brand's display
  timezone: due when no run of kind ``full`` has started since the latest 02:00 local. A server
  that starts at 14:00 with no full run since 02:00 runs one at once; at 01:00 the day still
  began at yesterday's 02:00. Where a DST change skips 02:00 the day starts at the jump.
  A failed full run counts as started: it is not retried until the next night (the hourly run
  goes on, and ``liveloop analytics run`` reruns it by hand), so a run that fails for a reason
  that lasts does not refit every model every minute.
- **incremental** (``LIGHT_JOBS``) — due when no run of any kind (full, incremental, manual,
  failed or not) has started within the last hour.
- A full run that is due wins over an incremental one.

A run still ``running`` that started less than ``ABANDONED_AFTER`` (6 hours) ago blocks new
runs; one older than that is taken for a run whose process died, and the scheduler marks it
failed with the error ``abandoned`` and goes on. A run that truly takes longer is still marked;
it sets its own status when it finishes.

Overlap: the ``Scheduler`` thread runs one job set at a time, so one process never overlaps
itself. Across processes the only guard is the ``running`` row: two servers that decide in the
same instant can both start a run. Both write back in one transaction each, so the later one
simply wins; good enough for a schedule measured in hours, without a lock table.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Final, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from liveloop.analytics.contracts import RunStatus
from liveloop.analytics.jobs.plan import LIGHT_JOBS
from liveloop.analytics.models import AnalyticsRun
from liveloop.analytics.service import RunSummary, run_analytics
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

log = logging.getLogger(__name__)

RunKind = Literal["full", "incremental"]
FULL: Final = "full"
INCREMENTAL: Final = "incremental"
NIGHTLY_AT = time(2, 0)
HOURLY = timedelta(hours=1)
ABANDONED_AFTER = timedelta(hours=6)
ABANDONED = "abandoned"


@dataclass(frozen=True)
class SeenRun:
    """A run as the schedule sees it."""

    kind: str
    status: str
    started_at: datetime


def analytics_day_start(now: datetime, tz: tzinfo) -> datetime:
    """The latest 02:00 local at or before ``now`` (aware, UTC)."""
    day = now.astimezone(tz).date()
    start = datetime.combine(day, NIGHTLY_AT, tzinfo=tz).astimezone(UTC)
    if start > now:
        start = datetime.combine(day - timedelta(days=1), NIGHTLY_AT, tzinfo=tz).astimezone(UTC)
    return start


def is_blocking(run: SeenRun, now: datetime) -> bool:
    """A run still going (not yet abandoned) keeps every other run from starting."""
    return run.status == RunStatus.RUNNING and now - run.started_at < ABANDONED_AFTER


def due(now: datetime, tz: tzinfo, runs: Iterable[SeenRun]) -> RunKind | None:
    """Which scheduled run should start at ``now``, given the store's recent runs (at least the
    latest full run, the latest run of any kind, and every run still ``running``)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    runs = list(runs)
    if any(is_blocking(run, now) for run in runs):
        return None
    day_start = analytics_day_start(now, tz)
    if not any(run.kind == FULL and run.started_at >= day_start for run in runs):
        return FULL
    if not any(run.started_at > now - HOURLY for run in runs):
        return INCREMENTAL
    return None


def recent_runs(session: Session) -> list[SeenRun]:
    """What ``due`` needs from the store: the latest full run, the latest run, the running."""
    latest_full = select(func.max(AnalyticsRun.id)).where(AnalyticsRun.kind == FULL)
    latest_any = select(func.max(AnalyticsRun.id))
    rows = session.execute(
        select(AnalyticsRun.kind, AnalyticsRun.status, AnalyticsRun.started_at).where(
            AnalyticsRun.id.in_([latest_full.scalar_subquery(), latest_any.scalar_subquery()])
            | (AnalyticsRun.status == RunStatus.RUNNING)
        )
    )
    return [SeenRun(kind, status, started_at) for kind, status, started_at in rows]


def abandon_stale_runs(session: Session, now: datetime) -> int:
    """Mark runs ``running`` for longer than ``ABANDONED_AFTER`` failed; how many were."""
    result = session.execute(
        update(AnalyticsRun)
        .where(
            AnalyticsRun.status == RunStatus.RUNNING,
            AnalyticsRun.started_at <= now - ABANDONED_AFTER,
        )
        .values(status=RunStatus.FAILED, finished_at=now, error=ABANDONED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


RunAnalytics = Callable[..., RunSummary]


class Scheduler:
    """A daemon thread that starts whatever run is due, checking every ``poll_seconds``.

    ``run`` is ``run_analytics`` unless a test passes another. A run that raises is logged and
    the thread carries on; ``run_analytics`` has already recorded the failure on the run row.
    """

    name = "analytics-schedule"
    kind = "analytics"

    def __init__(
        self, runtime: Runtime, poll_seconds: float = 60.0, run: RunAnalytics = run_analytics
    ) -> None:
        self.runtime, self.poll_seconds, self.run = runtime, poll_seconds, run
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="liveloop-analytics", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling; a run in progress is not interrupted, only waited for ``timeout``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_due(self) -> RunKind | None:
        """One pass: abandon stale runs, then start the run that is due, if any; returns its
        kind. Exceptions from the run propagate."""
        runtime = self.runtime
        now = runtime.clock.now()
        with transaction(runtime.sessions) as session:
            abandoned = abandon_stale_runs(session, now)
        if abandoned:
            log.warning("marked %d analytics run(s) abandoned after %s", abandoned, ABANDONED_AFTER)
        with runtime.read_sessions() as session:
            runs = recent_runs(session)
        kind = due(now, runtime.settings.tz, runs)
        if kind is None:
            return None
        log.info("starting the %s analytics run", kind)
        summary = self.run(runtime, LIGHT_JOBS if kind == INCREMENTAL else (), kind=kind)
        log.info("%s analytics run %d finished in %.1fs", kind, summary.run_id, summary.seconds)
        return kind

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:
                log.exception("scheduled analytics run failed; trying again when next due")
            self._stop.wait(self.poll_seconds)
