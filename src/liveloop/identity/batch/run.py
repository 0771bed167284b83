"""The batch OneID recompute over a brand's exports (a ``liveloop sim`` directory), on the
engine the caller opened."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from liveloop.identity.batch.accuracy import (
    PairwiseAccuracy,
    TrapReport,
    linkable_accuracy,
    pairwise_accuracy,
    trap_report,
)
from liveloop.identity.batch.engine import Engine
from liveloop.identity.batch.observations import (
    ObservationCounts,
    build_observations,
    register_sim,
)
from liveloop.identity.batch.recompute import Recomputed, recompute, write_results


@dataclass(frozen=True)
class OneIdRun:
    engine: str
    observations: ObservationCounts
    observation_seconds: float
    recomputed: Recomputed
    recompute_seconds: float
    accuracy: PairwiseAccuracy | None
    linkable: PairwiseAccuracy | None  # the recall the data allows (see accuracy.py)
    traps: TrapReport | None


def has_truth(sim_dir: Path) -> bool:
    return (sim_dir / "truth" / "identifiers.parquet").exists() and (
        sim_dir / "truth" / "orders.parquet"
    ).exists()


def recompute_exports(
    engine: Engine,
    sim_dir: Path,
    *,
    blocklist: Iterable[tuple[str, str]] = (),
    out: Path | None = None,
    score: bool = True,
) -> OneIdRun:
    """Observations → people; scored against the truth when ``score`` and it is there."""
    register_sim(engine, sim_dir)
    started = time.perf_counter()
    counts = build_observations(engine, blocklist)
    observed = time.perf_counter()
    recomputed = recompute(engine)
    finished = time.perf_counter()
    if out is not None:
        write_results(engine, out)
    accuracy = linkable = traps = None
    if score and has_truth(sim_dir):
        accuracy = pairwise_accuracy(engine)
        traps = trap_report(engine)
        linkable = linkable_accuracy(engine)
    return OneIdRun(
        engine.name,
        counts,
        round(observed - started, 3),
        recomputed,
        round(finished - observed, 3),
        accuracy,
        linkable,
        traps,
    )
