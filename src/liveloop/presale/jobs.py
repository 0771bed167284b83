"""Presale's background work: the balance windows' reminders and forfeits
(``presale-windows``, every minute) and a cancellation's refunds (``presale-refunds``, every
15 s: handed to commerce, retried after a back-off while it refuses, settled once paid)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.presale import service
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.worker import Task

WINDOWS_EVERY = timedelta(minutes=1)
REFUNDS_EVERY = timedelta(seconds=15)


def register(runtime: Runtime) -> None:
    runtime.add_task(Task("presale-windows", run_windows, every=WINDOWS_EVERY))
    runtime.add_task(Task("presale-refunds", move_refunds, every=REFUNDS_EVERY))


def run_windows(factory: sessionmaker[Session], clock: Clock) -> int:
    with transaction(factory) as session:
        return service.run_windows(session, clock.now())


def move_refunds(factory: sessionmaker[Session], clock: Clock) -> int:
    with transaction(factory) as session:
        return service.move_refunds(session, clock.now())
