"""The runtime: everything a process shares — settings, store, clock, consumers, outbox.

Built once by the composition root (``app.create_app`` or a CLI command) and handed down;
tests build their own with a temporary store and a ``ManualClock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock, SystemClock
from liveloop.config import Settings
from liveloop.store import migrate
from liveloop.store.consumers import Consumers
from liveloop.store.engine import make_engine, make_session_factory
from liveloop.store.outbox import Outbox
from liveloop.store.worker import Task


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

    def add_task(self, task: Task) -> None:
        if all(known.name != task.name for known in self.tasks):
            self.tasks.append(task)

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
    def open(
        cls, settings: Settings, clock: Clock | None = None, *, upgrade: bool = True
    ) -> Runtime:
        """Connect to the configured store, migrating it to the latest schema first."""
        engine = make_engine(settings.database_url)
        if upgrade:
            migrate.upgrade(engine)
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
