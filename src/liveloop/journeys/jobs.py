"""Journeys' background work: the journeys consumer (triggers, waits that find their event,
conversions) and the task that runs due steps."""

from __future__ import annotations

from dataclasses import dataclass

from liveloop.journeys.service import JOURNEYS_TASK, JourneyEngine
from liveloop.runtime import Runtime
from liveloop.store.worker import Task


@dataclass
class JourneyTask(Task):
    engine: JourneyEngine | None = None


def register(runtime: Runtime) -> JourneyEngine:
    """Subscribe the journeys consumer and add the due-step task to a runtime (once)."""
    for task in runtime.tasks:
        if isinstance(task, JourneyTask) and task.engine is not None:
            return task.engine
    engine = JourneyEngine(runtime.settings.tz)
    engine.subscribe(runtime.consumers, runtime.clock)
    runtime.add_task(JourneyTask(JOURNEYS_TASK, engine.run_task, engine=engine))
    return engine
