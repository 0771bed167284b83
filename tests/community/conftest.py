"""A store with two SKUs, approved leaders with pickup points and helpers to pay orders, send
them to a point, build batches and scan — all through the real services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from liveloop.clock import ManualClock
from liveloop.commerce import service as commerce
from liveloop.community import service as community
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

RICE, OIL = "RICE-DB-5KG", "OIL-PEANUT-5L"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Community:
    runtime: Runtime
    clock: ManualClock
    orders: int = 0
    people: dict[str, int] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return self.runtime.settings.tz

    def person(self, name: str) -> int:
        if name not in self.people:
            with transaction(self.runtime.sessions) as session:
                self.people[name] = create_customer(
                    session, NewCustomer(name=name), self.clock.now(), source="test"
                )
        return self.people[name]

    def leader(
        self, name: str, *, username: str | None = None, approve: bool = True
    ) -> community.LeaderView:
        with transaction(self.runtime.sessions) as session:
            view = community.apply_leader(
                session,
                community.LeaderApplication(name=name, phone="13800138000", username=username),
                at=self.clock.now(),
                source="test",
            )
            if approve:
                view = community.decide_leader(
                    session,
                    view.code,
                    approve=True,
                    by="op",
                    reason=None,
                    at=self.clock.now(),
                    source="test",
                )
        return view

    def point(self, code: str, leader: str, capacity: int = 100) -> community.PointView:
        with transaction(self.runtime.sessions) as session:
            return community.open_point(
                session,
                community.PointSpec(
                    code=code,
                    leader=leader,
                    name=f"{code} 自提点",
                    province="浙江省",
                    city="杭州市",
                    district="西湖区",
                    detail="文三路 1 号",
                    lat=Decimal("30.27"),
                    lon=120.15,
                    opening_hours="09:00-21:00",
                    capacity=capacity,
                ),
                at=self.clock.now(),
                source="test",
            )

    def paid_order(self, buyer: str, at: datetime, *, sku: str = RICE, qty: int = 1) -> str:
        self.orders += 1
        order_no = f"CO{self.orders:06d}"
        with transaction(self.runtime.sessions) as session:
            commerce.record_order(
                session,
                order_no=order_no,
                customer_id=self.person(buyer),
                lines=[commerce.OrderLine(sku, qty)],
                placed_at=at,
                channel="group_buy",
                source="test",
            )
        return order_no

    def to_point(self, order_no: str, point: str) -> community.PickupView:
        with transaction(self.runtime.sessions) as session:
            return community.assign_pickup(session, order_no, point, at=self.clock.now(), by="test")

    def build(self, day: date) -> community.BuildReport:
        with transaction(self.runtime.sessions) as session:
            return community.build_batches(session, day, at=self.clock.now(), tz=self.tz)

    def batches(self, day: date) -> list[community.BatchView]:
        with transaction(self.runtime.read_sessions) as session:
            return community.list_batches(session, day)

    def pickup(self, order_no: str) -> community.PickupView:
        with transaction(self.runtime.read_sessions) as session:
            return community.pickup_of(session, order_no)

    def order(self, order_no: str) -> commerce.OrderView:
        with transaction(self.runtime.read_sessions) as session:
            found = commerce.get_order(session, order_no)
        assert found is not None
        return found

    def arrive(self, batch_id: int) -> community.BatchView:
        with transaction(self.runtime.sessions) as session:
            return community.arrive_batch(
                session, batch_id, at=self.clock.now(), by="test", source="test"
            )

    def scan(self, code: str) -> community.PickupView:
        with transaction(self.runtime.sessions) as session:
            return community.scan_pickup(
                session, code, at=self.clock.now(), by="test", source="test"
            )


def make_community(runtime: Runtime, clock: ManualClock) -> Community:
    with transaction(runtime.sessions) as session:
        for sku, name, price in ((RICE, "东北大米 5kg", "69.90"), (OIL, "花生油 5L", "89.00")):
            commerce.upsert_product(
                session,
                commerce.ProductSpec(sku, name, "粮油", Decimal(price), 365),
                clock.now(),
            )
    return Community(runtime, clock)


@pytest.fixture
def town(runtime, clock) -> Community:
    return make_community(runtime, clock)


@pytest.fixture
def store_town(store_runtime, clock) -> Community:
    return make_community(store_runtime, clock)


__all__ = ["OIL", "RICE", "SHANGHAI", "Community", "local", "timedelta"]
