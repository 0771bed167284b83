"""A store with a few of the brand's products, customers made on demand, paid orders for
reviews, and helpers that go through UGC's facade one transaction each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from liveloop.clock import ManualClock
from liveloop.commerce import service as commerce
from liveloop.profiles.service import NewCustomer, create_customer, oneids_of
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.ugc import service as ugc

PRODUCTS = (
    ("RICE-WC-5KG", "五常稻花香大米 5kg", "粮油", "69.90"),
    ("GRAIN-MIX-1KG", "东北五谷杂粮 1kg", "杂粮", "29.90"),
    ("VINEGAR-SX-500", "山西老陈醋 500ml", "调味品", "15.80"),
    ("MILK-A2-1L", "A2 鲜牛奶 1L", "乳品", "22.00"),
)


@dataclass
class Circle:
    runtime: Runtime
    clock: ManualClock
    people: dict[str, int] = field(default_factory=dict)
    orders: int = 0

    def person(self, name: str) -> int:
        if name not in self.people:
            with transaction(self.runtime.sessions) as session:
                self.people[name] = create_customer(
                    session, NewCustomer(name=name), self.clock.now(), source="test"
                )
        return self.people[name]

    def oneid(self, name: str) -> str:
        person = self.person(name)
        with transaction(self.runtime.read_sessions) as session:
            return oneids_of(session, [person])[person]

    def order(self, name: str, *skus: str, at: Any = None) -> str:
        self.orders += 1
        order_no = f"UGC-O{self.orders:04d}"
        with transaction(self.runtime.sessions) as session:
            commerce.record_order(
                session,
                order_no=order_no,
                customer_id=self.person(name),
                lines=[commerce.OrderLine(sku, 1) for sku in skus or ("RICE-WC-5KG",)],
                placed_at=at or self.clock.now(),
                channel="mini_program",
                source="test",
            )
        return order_no

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with transaction(self.runtime.sessions) as session:
            return fn(session, *args, **kwargs)

    def recipe(
        self, name: str, title: str = "杂粮饭的正确煮法", body: str | None = None, **kw: Any
    ):
        return self.call(
            ugc.submit_recipe,
            customer_id=self.person(name),
            title=title,
            body=body or "杂粮提前泡两个小时，和大米一比二下锅，水比平时多一指节，焖好再闷十分钟。",
            skus=kw.pop("skus", ("GRAIN-MIX-1KG", "RICE-WC-5KG")),
            at=self.clock.now(),
            source="test",
            **kw,
        )

    def approve(self, item_id: int, by: str = "运营小王"):
        return self.call(ugc.approve, item_id, by=by, at=self.clock.now())

    def later(self, **delta: float) -> None:
        self.clock.current = self.clock.now() + timedelta(**delta)


@pytest.fixture
def circle(runtime, clock) -> Circle:
    with transaction(runtime.sessions) as session:
        for sku, name, category, price in PRODUCTS:
            commerce.upsert_product(
                session, commerce.ProductSpec(sku, name, category, Decimal(price), 180), clock.now()
            )
    return Circle(runtime, clock)
