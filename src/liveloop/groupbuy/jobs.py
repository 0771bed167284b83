"""Group-buy's background work: groups whose window ended are closed (``groupbuy-close``,
every minute, a transaction per group) and the refunds closes decided are moved on
(``groupbuy-refunds``, every 15 s: handed to commerce, retried after a back-off while it
refuses, settled once the provider has paid)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.groupbuy import service
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.worker import Task

CLOSE_EVERY = timedelta(minutes=1)
REFUNDS_EVERY = timedelta(seconds=15)


def register(runtime: Runtime) -> None:
    runtime.add_task(Task("groupbuy-close", close_due_groups, every=CLOSE_EVERY))
    runtime.add_task(Task("groupbuy-refunds", move_refunds, every=REFUNDS_EVERY))


def close_due_groups(factory: sessionmaker[Session], clock: Clock) -> int:
    now = clock.now()
    with transaction(factory) as session:
        due = service.due_groups(session, now)
    closed = 0
    for group_id in due:
        with transaction(factory) as session:
            closed += service.close_due_group(session, group_id, now)
    return closed


def move_refunds(factory: sessionmaker[Session], clock: Clock) -> int:
    with transaction(factory) as session:
        return service.move_refunds(session, clock.now())
