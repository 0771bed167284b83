"""A full analytics run at a million customers: every job on DuckDB (issue 5 asks for all jobs
at 1,000,000 customers / 10,000,000 order lines in under 5 minutes), then the same jobs on
Spark (local[2]) on the same snapshot, and every result compared between the two.

The snapshot is built straight from the simulator's files (``snapshot.simulation``), so the
figure is the jobs' own time; building the snapshot is timed separately. Write-back to the
store is not part of this figure (the store would first need a million people loaded through
OneID); ``tests/analytics/test_run.py`` covers it end to end.

    python -m bench.analytics_run [people] [--no-spark | --spark-only]
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

from bench.identity_recompute import OUT, simulation
from liveloop.analytics.engine import DuckDBEngine, Engine
from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.plan import compute, plan
from liveloop.analytics.snapshot import Snapshot, open_snapshot
from liveloop.analytics.snapshot.simulation import from_simulation
from liveloop.sim.config import SHANGHAI


def outputs_of(results: dict) -> list[str]:
    tables = []
    for output in results.values():
        tables += [t for t in (output.scores, output.repurchase, output.tags) if t]
        tables += list(output.reports.values())
    return tables


def run_on(engine: Engine, snapshot: Snapshot, context: RunContext, out: Path) -> dict:
    started = time.perf_counter()
    open_snapshot(engine, snapshot)
    opened = time.perf_counter() - started
    results = compute(engine, context, plan(), lambda name, i, n: print(f"  {name}", flush=True))
    total = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    for table in outputs_of(results):
        engine.write_parquet(f"SELECT * FROM {table}", out / f"{table}.parquet")
    return {
        "seconds": round(total, 1),
        "open_snapshot_seconds": round(opened, 1),
        "jobs": {name: r.diagnostics["seconds"] for name, r in results.items()},
        "tables": outputs_of(results),
    }


def differences(left: Path, right: Path, tables: list[str]) -> dict[str, int]:
    """Rows in one engine's output and not the other's (doubles to 4 places: summation order
    moves the 15th digit, which may cross a rounding boundary at the 6th)."""
    import duckdb

    found = {}
    for table in tables:
        a, b = _read(left / f"{table}.parquet"), _read(right / f"{table}.parquet")
        schema = duckdb.sql(f"DESCRIBE SELECT * FROM {a}").fetchall()
        columns = ", ".join(
            f"ROUND({name}, 4)"
            if kind == "DOUBLE"
            else f"CAST({name} AS VARCHAR)"
            if kind.startswith("TIMESTAMP")
            else name
            for name, kind, *_ in schema
        )
        count = duckdb.sql(
            f"SELECT COUNT(*) FROM ((SELECT {columns} FROM {a} EXCEPT ALL SELECT {columns} "
            f"FROM {b}) UNION ALL (SELECT {columns} FROM {b} EXCEPT ALL "
            f"SELECT {columns} FROM {a}))"
        ).fetchall()
        found[table] = int(count[0][0])
    return found


def _read(path: Path) -> str:
    pattern = path / "*.parquet" if path.is_dir() else path
    return f"read_parquet('{pattern}')"


def main(people: int = 1_000_000, spark: bool = True, duckdb: bool = True) -> dict:
    """``duckdb=False`` reuses the snapshot and the DuckDB results of an earlier run (to take
    the Spark figure on its own)."""
    sim = simulation(people)
    truth = json.loads((sim / "truth.json").read_text())
    end = datetime.combine(date.fromisoformat(truth["config"]["end"]), clock_time(0), SHANGHAI)
    context = RunContext(as_of=end.astimezone(UTC).replace(tzinfo=None))
    snapshot = Snapshot(OUT / f"snapshot-{people}")
    started = time.perf_counter()
    if duckdb or not snapshot.exists():
        from_simulation(sim, snapshot)
    built = time.perf_counter() - started
    manifest = snapshot.manifest()
    result: dict = {
        "people": people,
        "order_lines": manifest.tables["order_items"].rows,
        "orders": manifest.tables["orders"].rows,
        "events": manifest.tables["events"].rows,
        "snapshot_seconds": round(built, 1),
    }
    print(json.dumps(result), flush=True)
    if duckdb:
        with DuckDBEngine() as engine:
            result["duckdb"] = run_on(engine, snapshot, context, OUT / f"results-{people}-duckdb")
        print(json.dumps(result["duckdb"]), flush=True)
    if spark:
        from liveloop.analytics.spark import SparkEngine

        with SparkEngine(master="local[2]", driver_memory="12g", shuffle_partitions=8) as engine:
            result["spark"] = run_on(engine, snapshot, context, OUT / f"results-{people}-spark")
        result["differences"] = differences(
            OUT / f"results-{people}-duckdb",
            OUT / f"results-{people}-spark",
            result["spark"]["tables"],
        )
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return result


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(
        int(arguments[0]) if arguments else 1_000_000,
        spark="--no-spark" not in sys.argv,
        duckdb="--spark-only" not in sys.argv,
    )
