"""Subscriptions' background work:

- ``subscription-reminders`` (every 30 min): ``Subscription Cycle Due`` the plan's days before
  each cycle, once per cycle;
- ``subscription-cycles`` (every 10 min): each cycle whose day has come opened — its order,
  one transaction per subscription, safe to run twice or on two workers;
- ``subscription-charges`` (every 5 min): each cycle's charge tried when due, through the
  ``Charger`` (outside any transaction), its answer recorded after; a failure is retried
  1 h, 6 h and 24 h later, then the subscription pauses (``Subscription Payment Failed``);
- ``membership-expiry`` (hourly): memberships past their term expired;
- the ``subscriptions`` consumer of ``Order Completed``: a cycle's order the customer paid
  themselves is the cycle paid; a paid order of a membership SKU buys or renews it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.commerce import events as commerce_events
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import LoggedEvent
from liveloop.store.outbox import Outbox
from liveloop.store.worker import Task
from liveloop.subscriptions import service
from liveloop.subscriptions.charging import AwaitingPayment, Charger
from liveloop.subscriptions.contracts import CYCLE_ORDER_PREFIX

log = logging.getLogger(__name__)

CONSUMER = "subscriptions"
SOURCE = "subscriptions"
REMIND_EVERY = timedelta(minutes=30)
CYCLES_EVERY = timedelta(minutes=10)
CHARGES_EVERY = timedelta(minutes=5)
EXPIRY_EVERY = timedelta(hours=1)

# The charger in use per runtime (keyed by its outbox: a runtime itself is not hashable).
_chargers: WeakKeyDictionary[Outbox, Charger] = WeakKeyDictionary()


def register(runtime: Runtime, charger: Charger | None = None) -> Charger:
    """Declare subscriptions' work on ``runtime`` (once; ``charger`` replaces the one in use:
    tests, or a provider that charges a stored payer)."""
    known = _chargers.get(runtime.outbox)
    if known is not None and charger is None:
        return known
    active = charger if charger is not None else AwaitingPayment()
    _chargers[runtime.outbox] = active
    tz = runtime.settings.tz

    def remind(factory: sessionmaker[Session], clock: Clock) -> int:
        with transaction(factory) as session:
            return service.remind(session, at=clock.now(), tz=tz, source=SOURCE)

    def cycles(factory: sessionmaker[Session], clock: Clock) -> int:
        return open_due_cycles(factory, clock, runtime)

    def charges(factory: sessionmaker[Session], clock: Clock) -> int:
        return charge_due(factory, clock, runtime, _chargers[runtime.outbox])

    def expiry(factory: sessionmaker[Session], clock: Clock) -> int:
        with transaction(factory) as session:
            return service.expire_memberships(session, at=clock.now())

    runtime.tasks[:] = [t for t in runtime.tasks if not t.name.startswith("subscription")]
    runtime.tasks[:] = [t for t in runtime.tasks if t.name != "membership-expiry"]
    runtime.add_task(Task("subscription-reminders", remind, every=REMIND_EVERY))
    runtime.add_task(Task("subscription-cycles", cycles, every=CYCLES_EVERY))
    runtime.add_task(Task("subscription-charges", charges, every=CHARGES_EVERY))
    runtime.add_task(Task("membership-expiry", expiry, every=EXPIRY_EVERY))
    if CONSUMER not in runtime.consumers:
        runtime.consumers.subscribe(
            CONSUMER, on_order_paid, names={commerce_events.ORDER_COMPLETED}
        )
    return active


def open_due_cycles(factory: sessionmaker[Session], clock: Clock, runtime: Runtime) -> int:
    """Every due cycle opened, one subscription per transaction; returns how many."""
    now, tz = clock.now(), runtime.settings.tz
    with transaction(runtime.read_sessions) as session:
        due = service.due_subscriptions(session, at=now, tz=tz)
    opened = 0
    for subscription_id in due:
        with transaction(factory) as session:
            opened += service.open_cycle(session, subscription_id, at=now, tz=tz, source=SOURCE)
    return opened


def charge_due(
    factory: sessionmaker[Session], clock: Clock, runtime: Runtime, charger: Charger
) -> int:
    """Each charge attempt that is due, tried and recorded; returns how many were recorded."""
    now, tz = clock.now(), runtime.settings.tz
    with transaction(factory) as session:
        attempts = service.attempts_due(session, at=now)
    recorded = 0
    for due in attempts:
        with transaction(factory) as session:
            attempt = service.prepare_attempt(session, due, at=now, source=SOURCE)
        if attempt is None:
            continue
        try:
            result = charger(attempt.charge)
        except Exception as exc:  # a provider's fault is a failed attempt, retried on back-off
            log.warning("subscription charge %s failed: %s", attempt.charge.order_no, exc)
            result = service.ChargeResult(paid=False, reason=f"支付渠道异常 ({type(exc).__name__})")
        with transaction(factory) as session:
            recorded += service.record_attempt(
                session, attempt, result, at=now, tz=tz, source=SOURCE
            )
    return recorded


def on_order_paid(session: Session, event: LoggedEvent) -> None:
    order_no = event.properties.get("order_id")
    if not isinstance(order_no, str):
        return
    if order_no.startswith(CYCLE_ORDER_PREFIX):
        service.order_paid(session, order_no, at=event.timestamp, source=SOURCE)
    products = event.properties.get("products")
    if event.customer_id is not None and isinstance(products, list):
        service.grant_from_order(
            session,
            order_no=order_no,
            customer_id=event.customer_id,
            lines=service.paid_lines([p for p in products if isinstance(p, dict)]),
            at=event.timestamp,
            source=SOURCE,
        )
