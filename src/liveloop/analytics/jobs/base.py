"""What an analytics job is, and what it hands back.

A job reads the snapshot's tables on an ``Engine`` (see ``liveloop.analytics.snapshot.read``),
materialises its results as engine tables, and names them in a ``JobOutput``; the runner writes
them back to the store. Jobs write SQL in DuckDB's dialect (Spark gets it through SQLGlot) and
do Python work on Arrow data pulled from the engine, so one job runs on both engines.

Conventions:
- a job's per-person table is ``scores_<job>``: ``customer_id`` plus the ``customer_scores``
  columns the job owns (``score_columns``), one row per current customer;
- a later job may read an earlier job's tables (declare it in ``after``);
- times are naive UTC in the engine; ``RunContext.local_hour(column)`` gives local hours;
- results hold no NaN or infinity: undefined is NULL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from liveloop.analytics.engine import Engine
from liveloop.commission.contracts import LeaderTotals


@dataclass(frozen=True)
class GroupRule:
    """A named RFM group: inclusive [low, high] ranges over r, f, m (scores 1–5),
    recency_days and frequency; a person meets the rule when every range holds."""

    name: str
    priority: int
    ranges: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class RunContext:
    as_of: datetime  # naive UTC: "now" for every job in the run
    utc_offset_hours: int = 8  # the brand's clock (Asia/Shanghai has no DST)
    rfm_groups: tuple[GroupRule, ...] = ()
    reminder_lead_days: int = 3  # remind this many days before a staple runs out
    # What the commission ledger says of each leader when the run starts (the leaders job).
    leader_ledger: tuple[LeaderTotals, ...] = ()
    interest_half_life_days: float = 90.0

    @property
    def as_of_sql(self) -> str:
        return f"TIMESTAMP '{self.as_of.strftime('%Y-%m-%d %H:%M:%S')}'"

    def local_hour(self, column: str) -> str:
        return f"CAST((HOUR({column}) + {self.utc_offset_hours}) % 24 AS INTEGER)"


@dataclass
class JobOutput:
    scores: str | None = None  # engine table: customer_id + the job's score columns
    reports: dict[str, str] = field(default_factory=dict)  # report name → engine table
    repurchase: str | None = None  # engine table of repurchase_predictions' columns
    tags: str | None = None  # engine table: customer_id, tag
    diagnostics: dict[str, Any] = field(default_factory=dict)  # JSON-able


class Job(Protocol):
    name: ClassVar[str]
    after: ClassVar[tuple[str, ...]]
    score_columns: ClassVar[tuple[str, ...]]

    def run(self, engine: Engine, context: RunContext) -> JobOutput: ...
