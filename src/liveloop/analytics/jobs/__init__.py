"""Analytics jobs: each reads the snapshot on an engine and names its results (see ``base``).

``register`` is analytics' background work: the schedule (nightly full run, hourly light run)
in a thread of its own, which a process starts where ``LIVELOOP_ANALYTICS_SCHEDULE`` allows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liveloop.runtime import Runtime


def register(runtime: Runtime) -> None:
    from liveloop.analytics.schedule import Scheduler  # the schedule runs these jobs

    runtime.add_thread(Scheduler(runtime))
