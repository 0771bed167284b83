"""Commerce's background work: coupons past their validity are marked expired; orders left
unpaid past ``LIVELOOP_ORDER_PAY_MINUTES`` are cancelled; delivered orders are confirmed
(确认收货) ``LIVELOOP_ORDER_CONFIRM_DAYS`` after delivery. Each order moves in its own
transaction, so one that cannot move (paid meanwhile) never holds the others back."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.commerce.contracts import CommerceError
from liveloop.commerce.coupons.expiry import expire_coupons
from liveloop.commerce.orders import transitions
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.worker import Task

log = logging.getLogger(__name__)

EXPIRE_EVERY = timedelta(minutes=10)
ORDERS_EVERY = timedelta(minutes=1)
BATCH = 500
AUTO = "commerce:auto"


def register(runtime: Runtime) -> None:
    settings = runtime.settings
    pay = timedelta(minutes=settings.order_pay_minutes)
    confirm = timedelta(days=settings.order_confirm_days)

    def unpaid(factory: sessionmaker[Session], clock: Clock) -> int:
        return cancel_unpaid_orders(factory, clock, pay)

    def delivered(factory: sessionmaker[Session], clock: Clock) -> int:
        return confirm_delivered_orders(factory, clock, confirm)

    runtime.add_task(Task("coupon-expiry", expire_due_coupons, every=EXPIRE_EVERY))
    runtime.add_task(Task("orders-unpaid", unpaid, every=ORDERS_EVERY))
    runtime.add_task(Task("orders-confirm", delivered, every=ORDERS_EVERY))


def expire_due_coupons(factory: sessionmaker[Session], clock: Clock) -> int:
    with transaction(factory) as session:
        return expire_coupons(session, clock.now())


def cancel_unpaid_orders(factory: sessionmaker[Session], clock: Clock, window: timedelta) -> int:
    """Cancel orders placed more than ``window`` ago and still unpaid; how many were."""
    now = clock.now()
    with transaction(factory) as session:
        due = transitions.unpaid_before(session, now - window, BATCH)
    moved = 0
    for order_no in due:
        try:
            with transaction(factory) as session:
                view = transitions.cancel_order(
                    session, order_no, reason="超时未付款 (not paid in time)", at=now, source=AUTO
                )
        except CommerceError as exc:  # paid or cancelled meanwhile: its own move won
            log.info("order %s not cancelled: %s", order_no, exc)
            continue
        moved += view.changed
    return moved


def confirm_delivered_orders(
    factory: sessionmaker[Session], clock: Clock, window: timedelta
) -> int:
    """Confirm orders delivered more than ``window`` ago; how many were."""
    now = clock.now()
    with transaction(factory) as session:
        due = transitions.delivered_before(session, now - window, BATCH)
    moved = 0
    for order_no in due:
        try:
            with transaction(factory) as session:
                view = transitions.confirm_order(session, order_no, at=now, source=AUTO, by="auto")
        except CommerceError as exc:  # refunded meanwhile
            log.info("order %s not confirmed: %s", order_no, exc)
            continue
        moved += view.changed
    return moved
