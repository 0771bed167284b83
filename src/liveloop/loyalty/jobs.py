"""Loyalty's background work: the ``loyalty`` consumer (following the profiles consumer: orders,
refunds, rewarded interactions, merges) and the ``loyalty-calendar`` task (every 10 minutes:
frozen points whose after-sales window closed are released, lots past their end expire, members
whose grading window ended are regraded)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.loyalty import consumer, points, tiers
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.worker import Task

CALENDAR_EVERY = timedelta(minutes=10)


def register(runtime: Runtime) -> None:
    settings = runtime.settings
    consumer.subscribe(runtime.consumers, settings.tz, settings.after_sales_days)
    if any(task.name == "loyalty-calendar" for task in runtime.tasks):
        return
    tz = settings.tz

    def calendar(factory: sessionmaker[Session], clock: Clock) -> int:
        now = clock.now()
        with transaction(factory) as session:
            done = points.release_due(session, now)
        with transaction(factory) as session:
            done += points.expire_due(session, now)
        with transaction(factory) as session:
            done += tiers.regrade_due(session, now, tz)
        return done

    runtime.add_task(Task("loyalty-calendar", calendar, every=CALENDAR_EVERY))
