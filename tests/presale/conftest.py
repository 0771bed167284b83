"""A store with the mooncake SKU and helpers to run a presale (定金 + 尾款) through the real
services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from liveloop.clock import ManualClock
from liveloop.commerce import service as commerce
from liveloop.presale import service as presales
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

MOONCAKE = "MOONCAKE-GIFT"


@dataclass
class Counter:
    runtime: Runtime
    clock: ManualClock
    orders: int = 0
    people: dict[str, int] = field(default_factory=dict)

    def person(self, name: str) -> int:
        if name not in self.people:
            with transaction(self.runtime.sessions) as session:
                self.people[name] = create_customer(
                    session, NewCustomer(name=name), self.clock.now(), source="test"
                )
        return self.people[name]

    def presale(
        self,
        code: str = "MOON-PS",
        *,
        price: str = "128.00",
        deposit: str = "20.00",
        quota: int = 100,
        opens_in_days: int = 10,
        open_days: int = 5,
        remind_hours: int = 24,
    ) -> presales.PresaleView:
        now = self.clock.now()
        spec = presales.PresaleSpec(
            code=code,
            name="中秋月饼礼盒 预售",
            sku=MOONCAKE,
            price=Decimal(price),
            deposit=Decimal(deposit),
            quota=quota,
            balance_starts_at=now + timedelta(days=opens_in_days),
            balance_ends_at=now + timedelta(days=opens_in_days + open_days),
            remind_hours=remind_hours,
        )
        with transaction(self.runtime.sessions) as session:
            return presales.create_presale(session, spec, at=now, by="test")

    def order_no(self, part: str = "D") -> str:
        self.orders += 1
        return f"PS{part}{self.orders:05d}"

    def deposit(self, name: str, code: str = "MOON-PS") -> presales.PresaleOrderView:
        order_no = self.order_no()
        with transaction(self.runtime.sessions) as session:
            return presales.pay_deposit(
                session,
                code,
                customer_id=self.person(name),
                order_no=order_no,
                transaction_id=f"wx-{order_no}",
                at=self.clock.now(),
                source="test",
            )

    def balance(self, deposit_order_no: str) -> presales.PresaleOrderView:
        order_no = self.order_no("B")
        with transaction(self.runtime.sessions) as session:
            return presales.pay_balance(
                session,
                deposit_order_no,
                order_no=order_no,
                transaction_id=f"wx-{order_no}",
                at=self.clock.now(),
                source="test",
            )

    def get(self, code: str = "MOON-PS") -> presales.PresaleView:
        with transaction(self.runtime.read_sessions) as session:
            return presales.get_presale(session, code)

    def order(self, deposit_order_no: str) -> presales.PresaleOrderView:
        with transaction(self.runtime.read_sessions) as session:
            return presales.get_presale_order(session, deposit_order_no)

    def run(self) -> int:
        return self.runtime.run_tasks_until_idle()


def make_counter(runtime: Runtime, clock: ManualClock) -> Counter:
    with transaction(runtime.sessions) as session:
        commerce.upsert_product(
            session,
            commerce.ProductSpec(MOONCAKE, "中秋月饼礼盒", "节礼", Decimal("128.00"), 60),
            clock.now(),
        )
    from liveloop.presale import jobs

    jobs.register(runtime)
    return Counter(runtime, clock)


@pytest.fixture
def counter(runtime, clock) -> Counter:
    return make_counter(runtime, clock)


@pytest.fixture
def store_counter(store_runtime, clock) -> Iterator[Counter]:
    yield make_counter(store_runtime, clock)
