"""Write a run's results into the store, in the caller's transaction: all or nothing.

Per-person scores are upserted column by column owner: a run rewrites only the columns of the
jobs it ran, so ``liveloop analytics run rfm`` leaves yesterday's CLV in place. Reports,
repurchase predictions and model tags are replaced whole by the job that makes them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import Job, JobOutput
from liveloop.analytics.models import AnalyticsReport, CustomerScore, RepurchasePrediction
from liveloop.profiles import service as profiles
from liveloop.store.engine import dialect_insert

CHUNK = 5_000
MONEY_COLUMNS = {"monetary", "clv_12m"}
JSON_COLUMNS = {"interests"}


def write_back(
    session: Session,
    engine: Engine,
    run_id: int,
    jobs: list[Job],
    outputs: dict[str, JobOutput],
    at: datetime,
) -> dict[str, int]:
    """Store ``outputs``; returns rows written per kind."""
    existing = profiles.current_people(session)  # a snapshot may be newer than a restore
    written = {"scores": _scores(session, engine, run_id, jobs, outputs, at, existing)}
    for job in jobs:
        output = outputs[job.name]
        for report, table in output.reports.items():
            written[f"report:{report}"] = _report(session, engine, run_id, report, table)
        if output.repurchase:
            written["repurchase"] = _repurchase(
                session, engine, run_id, output.repurchase, existing
            )
        if output.tags:
            written[f"tags:{job.name}"] = _tags(
                session, engine, job.name, output.tags, at, existing
            )
        keeper = getattr(job, "write_back", None)
        if keeper is not None:  # results another domain keeps, written through its facade
            written[job.name] = keeper(session, at)
    return written


def _scores(
    session: Session,
    engine: Engine,
    run_id: int,
    jobs: list[Job],
    outputs: dict[str, JobOutput],
    at: datetime,
    existing: set[int],
) -> int:
    owners = [(job, outputs[job.name].scores) for job in jobs if outputs[job.name].scores]
    if not owners:
        return 0
    columns = [column for job, _ in owners for column in job.score_columns]
    selects = ", ".join(f"s{i}.{c}" for i, (job, _) in enumerate(owners) for c in job.score_columns)
    joins = " ".join(
        f"LEFT JOIN {table} s{i} ON s{i}.customer_id = c.customer_id"
        for i, (_, table) in enumerate(owners)
    )
    data = engine.arrow(f"SELECT c.customer_id, {selects} FROM customers c {joins}")
    statement = dialect_insert(session)(CustomerScore)
    upsert = statement.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={name: statement.excluded[name] for name in ["run_id", "scored_at", *columns]},
    )
    count = 0
    for rows in _chunks(data):
        values = [
            {"customer_id": row["customer_id"], "run_id": run_id, "scored_at": at}
            | {column: _value(column, row[column]) for column in columns}
            for row in rows
            if row["customer_id"] in existing
        ]
        if not values:
            continue
        session.execute(upsert, values)
        count += len(values)
    merged = profiles.merged_people(session)
    for start in range(0, len(merged), CHUNK):
        chunk = merged[start : start + CHUNK]
        session.execute(delete(CustomerScore).where(CustomerScore.customer_id.in_(chunk)))
    return count


def _report(session: Session, engine: Engine, run_id: int, report: str, table: str) -> int:
    session.execute(delete(AnalyticsReport).where(AnalyticsReport.report == report))
    count = 0
    for rows in _chunks(engine.arrow(f"SELECT * FROM {table}")):
        session.execute(
            insert(AnalyticsReport),
            [
                {
                    "run_id": run_id,
                    "report": report,
                    "position": count + i,
                    "data": {k: _plain(v) for k, v in row.items()},
                }
                for i, row in enumerate(rows)
            ],
        )
        count += len(rows)
    return count


def _repurchase(
    session: Session, engine: Engine, run_id: int, table: str, existing: set[int]
) -> int:
    session.execute(delete(RepurchasePrediction))
    return _insert_for_people(
        session,
        RepurchasePrediction,
        engine.arrow(f"SELECT * FROM {table}"),
        existing,
        lambda row: {
            "customer_id": row["customer_id"],
            "sku": row["sku"],
            "run_id": run_id,
            "purchases": row["purchases"],
            "interval_days": row["interval_days"],
            "last_purchase_at": _utc(row["last_purchase_at"]),
            "runout_at": _utc(row["runout_at"]),
            "remind_at": _utc(row["remind_at"]),
        },
    )


def _tags(
    session: Session, engine: Engine, job: str, table: str, at: datetime, existing: set[int]
) -> int:
    data = engine.arrow(f"SELECT DISTINCT customer_id, tag FROM {table}")
    tags = (
        (row["customer_id"], row["tag"])
        for rows in _chunks(data)
        for row in rows
        if row["customer_id"] in existing
    )
    return profiles.replace_model_tags(session, f"model:{job}", tags, at)


def _insert_for_people(
    session: Session,
    model: type[Any],
    data: pa.Table,
    existing: set[int],
    make: Callable[[dict[str, Any]], dict[str, Any]],
) -> int:
    """Insert a row per result row whose person the store knows; returns how many."""
    count = 0
    for rows in _chunks(data):
        values = [make(row) for row in rows if row["customer_id"] in existing]
        if values:
            session.execute(insert(model), values)
            count += len(values)
    return count


def _chunks(data: pa.Table) -> Iterator[list[dict[str, Any]]]:
    for batch in data.to_batches(CHUNK):
        yield batch.to_pylist()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if column in MONEY_COLUMNS:
        return Decimal(str(round(float(value), 2)))
    if column in JSON_COLUMNS and isinstance(value, str):
        return json.loads(value)
    return value


def _plain(value: Any) -> Any:
    """A report cell as JSON: times as ISO text (UTC), no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
