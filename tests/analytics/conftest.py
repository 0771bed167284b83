"""Fixtures: the 2k simulation as a snapshot, engines with it open, and comparing engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from liveloop.analytics.engine import DuckDBEngine, Engine
from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.snapshot import Snapshot, open_snapshot
from liveloop.analytics.snapshot.simulation import from_simulation
from tests.conftest import SMALL_SIM


@pytest.fixture(scope="session")
def snapshot_small(sim_small, tmp_path_factory) -> Snapshot:
    """The 2k simulation as a snapshot (customer ids are person ids + 1)."""
    return from_simulation(sim_small, Snapshot(tmp_path_factory.mktemp("snapshot-2k")))


@pytest.fixture(scope="session")
def context_small() -> RunContext:
    return RunContext(as_of=SMALL_SIM.end_at.replace(tzinfo=None))


@pytest.fixture
def duck(snapshot_small) -> Iterator[Engine]:
    """A fresh DuckDB engine with the 2k snapshot open."""
    engine = DuckDBEngine()
    open_snapshot(engine, snapshot_small)
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="session")
def spark(snapshot_small) -> Iterator[Engine]:
    """One local Spark session for the whole test run, with the 2k snapshot open."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install -e '.[spark]')")
    from liveloop.analytics.spark import SparkEngine

    engine = SparkEngine(master="local[2]")
    open_snapshot(engine, snapshot_small)
    try:
        yield engine
    finally:
        engine.close()


def same_rows(
    left: Engine, right: Engine, table: str, key: str | list[str], places: int = 6
) -> None:
    """Assert two engines hold the same rows in ``table``, ordered by ``key`` (floats to
    ``places`` decimals; times compared as naive UTC, which is what both engines hold)."""
    keys = [key] if isinstance(key, str) else key

    def value(v: Any) -> Any:
        if isinstance(v, float):
            return round(v, places)
        if isinstance(v, datetime) and v.tzinfo is not None:
            return v.astimezone(UTC).replace(tzinfo=None)
        return v

    def rows(engine: Engine) -> list[tuple]:
        data = engine.arrow(f"SELECT * FROM {table}").sort_by([(k, "ascending") for k in keys])
        return [
            tuple(value(v) for v in row)
            for row in zip(*(c.to_pylist() for c in data.columns), strict=True)
        ]

    mine, theirs = rows(left), rows(right)
    assert len(mine) == len(theirs), f"{table}: {len(mine)} rows vs {len(theirs)}"
    assert mine == theirs
