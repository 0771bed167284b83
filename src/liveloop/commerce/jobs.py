"""Commerce's background work: coupons past their validity are marked expired."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.commerce.coupons.expiry import expire_coupons
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.worker import Task

EXPIRE_EVERY = timedelta(minutes=10)


def register(runtime: Runtime) -> None:
    runtime.add_task(Task("coupon-expiry", expire_due_coupons, every=EXPIRE_EVERY))


def expire_due_coupons(factory: sessionmaker[Session], clock: Clock) -> int:
    with transaction(factory) as session:
        return expire_coupons(session, clock.now())
