"""Community's background work: the ``community`` consumer (commerce's ``Order Placed`` with a
``leader`` binds the buyer to that leader under the operator's rule), ``community-batches``
(every 10 minutes: tomorrow's batches rebuilt, so orders paid since are added)
and ``community-pickups`` (every 5 minutes: reminders for orders waiting at their point, and
orders uncollected 2 days after arrival confirmed, a transaction each)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.commerce import events as commerce_events
from liveloop.community import service
from liveloop.community.contracts import CommunityError
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import LoggedEvent
from liveloop.store.worker import Task

log = logging.getLogger(__name__)
CONSUMER = "community"
BATCHES_EVERY = timedelta(minutes=10)
PICKUPS_EVERY = timedelta(minutes=5)


def bind_ordering_customer(session: Session, event: LoggedEvent) -> None:
    leader = event.properties.get("leader")
    order_no = event.properties.get("order_id")
    if not leader or not order_no or event.customer_id is None:
        return
    try:
        with session.begin_nested():
            service.bind_from_order(
                session,
                customer_id=event.customer_id,
                leader=str(leader),
                order_no=str(order_no),
                at=event.timestamp,
            )
    except CommunityError as exc:  # an unknown or disabled leader's code binds nobody
        log.info("order %s not bound to leader %s: %s", order_no, leader, exc)


def register(runtime: Runtime) -> None:
    tz = runtime.settings.tz
    if CONSUMER not in runtime.consumers:
        runtime.consumers.subscribe(
            CONSUMER, bind_ordering_customer, names={commerce_events.ORDER_PLACED}, batch_size=500
        )

    def build(factory: sessionmaker[Session], clock: Clock) -> int:
        now = clock.now()
        with transaction(factory) as session:
            # Tomorrow's batches take what is paid until today's cut-off, as it is paid (and a
            # run after the cut-off, before midnight, takes the last of it).
            tomorrow = now.astimezone(tz).date() + timedelta(days=1)
            report = service.build_batches(session, tomorrow, at=now, tz=tz)
        return report.added + report.carried

    def pickups(factory: sessionmaker[Session], clock: Clock) -> int:
        now = clock.now()
        with transaction(factory) as session:
            done = service.remind_uncollected(session, now, tz)
        with transaction(factory) as session:
            done += len(service.confirm_uncollected(session, now))
        return done

    runtime.add_task(Task("community-batches", build, every=BATCHES_EVERY))
    runtime.add_task(Task("community-pickups", pickups, every=PICKUPS_EVERY))
