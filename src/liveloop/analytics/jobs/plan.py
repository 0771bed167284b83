"""Which jobs exist, in what order they run, and running them on an engine."""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, cast

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import Job, JobOutput, RunContext

# In dependency order: a job comes after every job it reads.
JOB_NAMES = (
    "rfm",
    "clv",
    "repurchase",
    "lifecycle",
    "churn",
    "interests",
    "contact",
    "baskets",
    "cohorts",
    "funnels",
    "live_roi",
    "leaders",
    "regions",
    "koc",
)
# The hourly run: cheap per-person jobs that move with every order; models refit nightly.
LIGHT_JOBS = ("rfm", "repurchase", "contact")


class UnknownJob(ValueError):
    pass


@cache
def registry() -> dict[str, Job]:
    return {
        name: importlib.import_module(f"liveloop.analytics.jobs.{name}").JOB for name in JOB_NAMES
    }


def plan(names: Iterable[str] = ()) -> list[Job]:
    """The jobs to run for ``names`` (all when empty), dependencies first."""
    known = registry()
    wanted = set(names) or set(known)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise UnknownJob(f"no job named {', '.join(unknown)}; jobs: {', '.join(known)}")
    pending = list(wanted)
    while pending:
        for dependency in known[pending.pop()].after:
            if dependency not in wanted:
                wanted.add(dependency)
                pending.append(dependency)
    return [job for name, job in known.items() if name in wanted]


Progress = Callable[[str, int, int], None]  # job name, index, total


def compute(
    engine: Engine,
    context: RunContext,
    jobs: list[Job],
    progress: Progress | None = None,
) -> dict[str, JobOutput]:
    """Run ``jobs`` in order on an engine holding an open snapshot."""
    outputs: dict[str, JobOutput] = {}
    for index, job in enumerate(jobs):
        if progress:
            progress(job.name, index, len(jobs))
        started = time.perf_counter()
        output = job.run(engine, context)
        output.diagnostics["seconds"] = round(time.perf_counter() - started, 3)
        output.diagnostics = cast(dict[str, Any], json_safe(output.diagnostics))
        outputs[job.name] = output
    if progress:
        progress("", len(jobs), len(jobs))
    return outputs


def json_safe(value: object) -> object:
    """Diagnostics as JSON the store accepts: no NaN or infinity (None instead)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
