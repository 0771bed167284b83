"""The in-process worker: feeds event-log consumers and drains the outbox until stopped."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.store.consumers import Consumers
from liveloop.store.outbox import Outbox

log = logging.getLogger(__name__)


class Worker:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        consumers: Consumers,
        outbox: Outbox,
        poll_seconds: float,
    ) -> None:
        self.factory, self.clock = factory, clock
        self.consumers, self.outbox = consumers, outbox
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="liveloop-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.outbox.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                reports = self.consumers.run_once(self.factory, self.clock)
                busy = any(r.handled + r.failed for r in reports)
                drained = self.outbox.drain(self.factory, self.clock)
                busy = busy or drained.sent + drained.retrying + drained.dead > 0
            except Exception:
                log.exception("worker pass failed; retrying after the poll interval")
            if not busy:
                self.outbox.wake.wait(self.poll_seconds)
                self.outbox.wake.clear()
