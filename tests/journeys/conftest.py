"""A store with a few people, the journeys engine subscribed, and helpers to make things happen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.clock import ManualClock
from liveloop.commerce.models import Product
from liveloop.commerce.service import OrderLine, ProductSpec, record_order, upsert_product
from liveloop.journeys import jobs as journeys_jobs
from liveloop.journeys.models import JourneyState, JourneyStepRun
from liveloop.journeys.service import JourneyEngine, change_status, save_journey
from liveloop.profiles.models import Customer
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append


@dataclass
class World:
    runtime: Runtime
    clock: ManualClock
    engine: JourneyEngine
    counter: int = 0

    def person(self, name: str = "王小明", **fields: Any) -> int:
        with transaction(self.runtime.sessions) as session:
            return create_customer(
                session, NewCustomer(name=name, **fields), self.clock.now(), source="test"
            )

    def journey(self, document: str | dict, *, active: bool = True) -> str:
        with transaction(self.runtime.sessions) as session:
            info = save_journey(session, document, by="test", now=self.clock.now())
            if active:
                change_status(session, info.key, "activate", self.clock.now())
        return info.key

    def event(self, person: int, name: str, at: datetime | None = None, **properties: Any) -> None:
        self.counter += 1
        with transaction(self.runtime.sessions) as session:
            append(
                session,
                [
                    NewEvent(
                        name=name,
                        timestamp=at or self.clock.now(),
                        source="test",
                        type="track",
                        message_id=f"test-{self.counter}",
                        customer_id=person,
                        properties=properties,
                    )
                ],
                received_at=self.clock.now(),
            )

    def order(self, person: int, sku: str = "MILK-1", quantity: int = 1) -> str:
        """A real paid order (the commerce ledger's own Order Completed)."""
        self.counter += 1
        order_no = f"SO{self.counter:05d}"
        with transaction(self.runtime.sessions) as session:
            if session.scalar(select(Product.id).where(Product.sku == sku)) is None:
                upsert_product(
                    session,
                    ProductSpec(sku, f"鲜牛奶{sku}", "乳品", Decimal("29.90"), 7, True),
                    self.clock.now(),
                )
            record_order(
                session,
                order_no=order_no,
                customer_id=person,
                lines=[OrderLine(sku, quantity)],
                placed_at=self.clock.now(),
                channel="mini_program",
                source="test",
            )
        return order_no

    def run(self) -> int:
        """Deliver events to consumers, then run every due step; returns steps run."""
        self.runtime.consumers.run_until_idle(self.runtime.sessions, self.clock)
        return self.engine.run_until_idle(self.runtime.sessions, self.clock)

    def advance(self, **delta: float) -> int:
        self.clock.advance(**delta)
        return self.run()

    def traits_of(self, person: int) -> dict[str, Any]:
        with transaction(self.runtime.read_sessions) as session:
            return dict(session.scalar(select(Customer.traits).where(Customer.id == person)) or {})

    def states(self, person: int | None = None) -> list[JourneyState]:
        with transaction(self.runtime.read_sessions) as session:
            query = select(JourneyState).order_by(JourneyState.id)
            if person is not None:
                query = query.where(JourneyState.customer_id == person)
            return list(session.scalars(query))

    def steps_of(self, person: int) -> list[tuple[str, str]]:
        with transaction(self.runtime.read_sessions) as session:
            return [
                (run.step, run.outcome)
                for run in session.scalars(
                    select(JourneyStepRun)
                    .join(JourneyState, JourneyState.id == JourneyStepRun.state_id)
                    .where(JourneyState.customer_id == person)
                    .order_by(JourneyStepRun.id)
                )
            ]


def build_world(runtime: Runtime) -> World:
    bootstrap.wire(runtime)
    engine = journeys_jobs.register(runtime)
    assert isinstance(runtime.clock, ManualClock)
    return World(runtime, runtime.clock, engine)


@pytest.fixture
def world(runtime) -> World:
    return build_world(runtime)


@pytest.fixture
def store_world(store_runtime) -> World:
    return build_world(store_runtime)
