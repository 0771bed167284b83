"""What the analytics runs left for people to read: recent runs with their diagnostics, the
score distributions and the report rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.analytics.models import AnalyticsReport, AnalyticsRun, CustomerScore

# The score columns whose values people are counted by.
COUNTED = ("rfm_group", "lifecycle_stage", "churn_risk")


@dataclass(frozen=True)
class RunRecord:
    id: int
    kind: str  # full | incremental | manual
    engine: str
    jobs: tuple[str, ...]
    status: str  # a RunStatus
    started_at: datetime
    finished_at: datetime | None
    diagnostics: dict[str, Any]  # per job
    error: str | None


def recent_runs(session: Session, limit: int) -> list[RunRecord]:
    """The latest ``limit`` runs, newest first."""
    query = select(AnalyticsRun).order_by(AnalyticsRun.id.desc()).limit(limit)
    return [
        RunRecord(
            run.id,
            run.kind,
            run.engine,
            tuple(run.jobs or ()),
            run.status,
            run.started_at,
            run.finished_at,
            dict(run.diagnostics or {}),
            run.error,
        )
        for run in session.scalars(query)
    ]


def score_counts(session: Session) -> dict[str, Counter[str | None]]:
    """How many people hold each value of the counted score columns (None: not scored)."""
    counts: dict[str, Counter[str | None]] = {}
    for name in COUNTED:
        column = CustomerScore.__table__.c[name]
        rows = session.execute(select(column, func.count()).group_by(column))
        counts[name] = Counter({value: n for value, n in rows})
    return counts


def report_rows(session: Session, report: str, limit: int | None = None) -> list[dict[str, Any]]:
    """A report's rows in their order (each run that makes a report replaces it whole; empty
    before any run did)."""
    query = (
        select(AnalyticsReport.data)
        .where(AnalyticsReport.report == report)
        .order_by(AnalyticsReport.position)
        .limit(limit)
    )
    return list(session.scalars(query))
