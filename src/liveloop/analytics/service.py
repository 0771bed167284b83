"""Run analytics jobs against the store: refresh the snapshot, compute on an engine, write the
results back in one transaction, and keep the run (with each job's diagnostics) for the
console. A failed run leaves the previous results in place and says why."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.analytics.baskets import mine as mine
from liveloop.analytics.baskets import read_baskets as read_baskets
from liveloop.analytics.baskets import write_rules_csv as write_rules_csv
from liveloop.analytics.clv.summary import SummaryError as SummaryError
from liveloop.analytics.contracts import RunStatus
from liveloop.analytics.engine import ENGINES as ENGINES
from liveloop.analytics.engine import open_engine as open_engine
from liveloop.analytics.jobs import lifecycle
from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.plan import Progress, compute, plan
from liveloop.analytics.models import (
    AnalyticsRun,
    CustomerScore,
    RepurchasePrediction,
)
from liveloop.analytics.results import RunRecord as RunRecord
from liveloop.analytics.results import recent_runs as recent_runs
from liveloop.analytics.results import report_rows as report_rows
from liveloop.analytics.results import score_counts as score_counts
from liveloop.analytics.rfm_groups import rfm_groups
from liveloop.analytics.snapshot import Snapshot, open_snapshot
from liveloop.analytics.snapshot.export import refresh
from liveloop.analytics.writeback import write_back
from liveloop.commission import service as commission
from liveloop.profiles import service as profiles
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

LIFECYCLE_STAGES = lifecycle.STAGES  # in their order


# The analyst's tools, imported when used: a serving process never loads them.


def fit_file(path: Path, model: str) -> dict[str, Any]:
    """Fit a CLV model on a per-customer summary file (``liveloop analytics fit-clv``)."""
    from liveloop.analytics.clv.fit import fit_file as fit

    return fit(path, model)


@dataclass
class RunSummary:
    run_id: int
    jobs: list[str]
    engine: str
    seconds: float
    written: dict[str, int] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)


def run_analytics(
    runtime: Runtime,
    names: tuple[str, ...] = (),
    *,
    engine: str | None = None,
    kind: str = "manual",
    progress: Progress | None = None,
) -> RunSummary:
    """Run ``names`` (all jobs when empty) and their dependencies; raises ``UnknownJob`` for a
    name that is not a job, and re-raises whatever stopped a run after recording it."""
    jobs = plan(names)
    engine_name = engine or runtime.settings.analytics_engine
    started = time.perf_counter()
    as_of = runtime.clock.now().astimezone(UTC)
    with transaction(runtime.sessions) as session:
        run = AnalyticsRun(
            kind=kind,
            engine=engine_name,
            jobs=[job.name for job in jobs],
            status=RunStatus.RUNNING,
            as_of=as_of,
            started_at=as_of,
            diagnostics={},
        )
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        snapshot = Snapshot(runtime.settings.snapshot_path())
        refreshed = refresh(runtime.read_sessions, snapshot)
        context = run_context(runtime, as_of)
        with open_engine(engine_name) as analytics:
            open_snapshot(analytics, snapshot)
            outputs = compute(analytics, context, jobs, progress)
            diagnostics: dict[str, Any] = {name: out.diagnostics for name, out in outputs.items()}
            diagnostics["snapshot"] = {"exported": refreshed.rows}
            with transaction(runtime.sessions) as session:
                written = write_back(session, analytics, run_id, jobs, outputs, as_of)
                diagnostics["written"] = written
                _finish(session, run_id, RunStatus.SUCCEEDED, runtime, diagnostics)
    except BaseException as exc:
        with transaction(runtime.sessions) as session:
            _finish(session, run_id, RunStatus.FAILED, runtime, {}, error=_describe(exc))
        raise
    return RunSummary(
        run_id,
        [job.name for job in jobs],
        engine_name,
        round(time.perf_counter() - started, 3),
        written,
        diagnostics,
    )


def run_context(runtime: Runtime, as_of: datetime) -> RunContext:
    settings = runtime.settings
    offset = as_of.astimezone(ZoneInfo(settings.display_timezone)).utcoffset()
    with runtime.read_sessions() as session:
        groups = tuple(g for g in rfm_groups(session) if g.enabled)
        ledger = tuple(commission.leader_totals(session))
    return RunContext(
        as_of=as_of.replace(tzinfo=None),
        utc_offset_hours=int(offset.total_seconds() // 3600) if offset else 0,
        rfm_groups=groups,
        reminder_lead_days=settings.reminder_lead_days,
        leader_ledger=ledger,
    )


def _finish(
    session: Session,
    run_id: int,
    status: str,
    runtime: Runtime,
    diagnostics: dict[str, Any],
    error: str | None = None,
) -> None:
    run = session.get(AnalyticsRun, run_id)
    if run is None:  # pragma: no cover - created by this run
        raise LookupError(f"analytics run {run_id} vanished")
    run.status = status
    run.finished_at = runtime.clock.now()
    run.diagnostics = diagnostics
    run.error = error


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"[:2000]


def scores_for_profile(
    session: Session, customer_id: int
) -> tuple[profiles.ScoresOut | None, list[profiles.RepurchaseOut]]:
    """The person's latest scores and repurchase predictions, for the 360 view."""
    score = session.get(CustomerScore, customer_id)
    repurchase = session.scalars(
        select(RepurchasePrediction)
        .where(RepurchasePrediction.customer_id == customer_id)
        .order_by(RepurchasePrediction.remind_at)
    )
    return (
        profiles.ScoresOut.model_validate(score, from_attributes=True) if score else None,
        [profiles.RepurchaseOut.model_validate(r, from_attributes=True) for r in repurchase],
    )


def rfm_groups_of(session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """The people's RFM groups as the latest run scored them (VIP, 潜力客户 …)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    query = select(CustomerScore.customer_id, CustomerScore.rfm_group).where(
        CustomerScore.customer_id.in_(ids), CustomerScore.rfm_group.is_not(None)
    )
    return {customer: group for customer, group in session.execute(query) if group}


@dataclass(frozen=True)
class RunOut:
    """A product predicted to run out for a person on a day."""

    customer_id: int
    sku: str


def running_out(session: Session, start: datetime, end: datetime) -> list[RunOut]:
    """Every (person, product) whose predicted run-out falls in [start, end), by person."""
    return [
        RunOut(row.customer_id, row.sku)
        for row in session.execute(
            select(RepurchasePrediction.customer_id, RepurchasePrediction.sku)
            .where(RepurchasePrediction.runout_at >= start, RepurchasePrediction.runout_at < end)
            .order_by(RepurchasePrediction.customer_id, RepurchasePrediction.sku)
        )
    ]


# The 360 view shows a person's scores; profiles sits below analytics, so analytics hands it
# the reader (see profiles.view.read_scores_with).
profiles.read_scores_with(scores_for_profile)
