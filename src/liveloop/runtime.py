"""The runtime: everything a process shares — settings, store, clock, consumers, outbox, tasks.

Built by ``liveloop.bootstrap`` (for the server, a worker, the demo and the tests alike) and
handed down; the domains' ``jobs`` modules declare their background work on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock, SystemClock
from liveloop.config import Settings
from liveloop.store.consumers import Consumers
from liveloop.store.engine import make_engine, make_session_factory
from liveloop.store.outbox import Outbox
from liveloop.store.worker import Background, Task


@dataclass
class Runtime:
    """``sessions`` write (on SQLite each transaction takes the write lock at BEGIN);
    ``read_sessions`` only read, and on SQLite never wait for a writer (WAL)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_engine: Engine
    read_sessions: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    consumers: Consumers = field(default_factory=Consumers)
    outbox: Outbox = field(default_factory=Outbox)
    # Periodic work the workers do besides consumers and the outbox (journeys, refreshes …).
    tasks: list[Task] = field(default_factory=list)
    # Threads of their own that start and stop with the process (the analytics schedule).
    threads: list[Background] = field(default_factory=list)

    def add_task(self, task: Task) -> None:
        if all(known.name != task.name for known in self.tasks):
            self.tasks.append(task)

    def add_thread(self, thread: Background) -> None:
        if all(known.name != thread.name for known in self.threads):
            self.threads.append(thread)

    def run_tasks_until_idle(self) -> int:
        """Consumers and tasks until neither finds work (the outbox is left alone)."""
        total = 0
        while True:
            done = self.consumers.run_until_idle(self.sessions, self.clock)
            done += sum(task.run(self.sessions, self.clock) for task in self.tasks)
            if done == 0:
                return total
            total += done

    @classmethod
    def connect(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        """Connect to the configured store (``bootstrap.open_runtime`` migrates it first)."""
        engine = make_engine(settings.database_url)
        read_engine = (
            make_engine(settings.database_url, read_only=True)
            if engine.dialect.name == "sqlite"
            else engine
        )
        runtime = cls(
            settings,
            engine,
            make_session_factory(engine),
            read_engine,
            make_session_factory(read_engine),
            clock or SystemClock(),
        )
        runtime.outbox.watch(runtime.sessions)
        return runtime

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
