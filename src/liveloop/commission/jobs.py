"""Commission's background work: the ``commission`` consumer — commerce's ``Order Completed``
posts the order's lines, ``Order Refunded`` reduces or claws back (the order's own ``leader``
names who earns; for an order without one, the buyer's binding when the payment is posted) —
and the
``commission-settle`` task (every 10 minutes: entries whose after-sales window closed are
settled). The window is the one loyalty freezes points for, ``LIVELOOP_AFTER_SALES_DAYS``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop import spec
from liveloop.clock import Clock
from liveloop.commission import service
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import LoggedEvent
from liveloop.store.worker import Task

CONSUMER = "commission"
SETTLE = "commission-settle"
SETTLE_EVERY = timedelta(minutes=10)
DOMAIN = "domain"  # orders count only as the order ledger states them, not a client's copy


def handler(after_sales_days: int) -> Callable[[Session, LoggedEvent], None]:
    def handle(session: Session, event: LoggedEvent) -> None:
        if event.type != DOMAIN:
            return
        props = event.properties
        if event.name == spec.ORDER_COMPLETED and props.get("order_id"):
            service.post_paid(
                session,
                [str(props["order_id"])],
                after_sales_days=after_sales_days,
                at=event.timestamp,
            )
        elif event.name == spec.ORDER_REFUNDED and props.get("order_id"):
            order_no = str(props["order_id"])
            refund_no = str(props.get("refund_no") or order_no)
            service.post_refunds(session, [(order_no, refund_no)], at=event.timestamp)

    return handle


def register(runtime: Runtime) -> None:
    if CONSUMER not in runtime.consumers:
        runtime.consumers.subscribe(
            CONSUMER,
            handler(runtime.settings.after_sales_days),
            names={spec.ORDER_COMPLETED, spec.ORDER_REFUNDED},
            batch_size=500,
        )
    if any(task.name == SETTLE for task in runtime.tasks):
        return

    def settle(factory: sessionmaker[Session], clock: Clock) -> int:
        with transaction(factory) as session:
            return service.settle_due(session, clock.now())

    runtime.add_task(Task(SETTLE, settle, every=SETTLE_EVERY))
