"""The worker: feeds event-log consumers, runs periodic tasks (journeys' due steps, segment
refreshes …) and drains the outbox until stopped — in a thread of the server, or as a process
of its own (``liveloop worker``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.store.consumers import Consumers
from liveloop.store.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class Task:
    """Work a worker does every ``every`` (zero: every pass); ``run`` returns how much it did,
    so a busy task keeps the worker from sleeping."""

    name: str
    run: Callable[[sessionmaker[Session], Clock], int]
    every: timedelta = timedelta(0)
    last_run: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.last_run is None or now - self.last_run >= self.every


class Background(Protocol):
    """A thread of its own that starts and stops with the process; ``kind`` is the kind of
    work it is (``bootstrap.WORK_KINDS``: a process runs it when it runs that kind)."""

    name: str
    kind: str

    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...


class Worker:
    """``drain_outbox`` False leaves the outbox to other processes."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        consumers: Consumers,
        outbox: Outbox,
        poll_seconds: float,
        tasks: list[Task] | None = None,
        *,
        drain_outbox: bool = True,
    ) -> None:
        self.factory, self.clock = factory, clock
        self.drain_outbox = drain_outbox
        self.consumers, self.outbox = consumers, outbox
        self.tasks = tasks if tasks is not None else []
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="liveloop-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.outbox.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Work until ``stop``: one pass after another, sleeping only when a pass found nothing."""
        while not self._stop.is_set():
            busy = False
            try:
                busy = self.run_once()
            except Exception:
                log.exception("worker pass failed; retrying after the poll interval")
            if not busy:
                self.outbox.wake.wait(self.poll_seconds)
                self.outbox.wake.clear()

    def run_once(self) -> bool:
        """One pass; True when it found work."""
        reports = self.consumers.run_once(self.factory, self.clock)
        busy = any(r.handled + r.failed for r in reports)
        for task in self.tasks:
            now = self.clock.now()
            if not task.due(now):
                continue
            try:
                busy = task.run(self.factory, self.clock) > 0 or busy
                task.last_run = now
            except Exception:
                log.exception("worker task %s failed; it will run again", task.name)
        if not self.drain_outbox:
            return busy
        drained = self.outbox.drain(self.factory, self.clock)
        return busy or drained.sent + drained.retrying + drained.dead > 0
