"""A store with the rice SKU, a 拼团 campaign (3 人 ¥59, 5 人 ¥49, 10 人 ¥39) and helpers to
open, join, close and settle groups through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.clock import ManualClock
from liveloop.commerce import service as commerce
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.models import GroupBuyRefund
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

RICE = "RICE-DB-5KG"
TIERS = [groupbuy.Tier(3, Decimal("59.00")), groupbuy.Tier(5, Decimal("49.00"))]
TIERS_10 = [*TIERS, groupbuy.Tier(10, Decimal("39.00"))]


@dataclass
class Shop:
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

    def campaign(
        self,
        code: str = "RICE-GB",
        *,
        tiers: list[groupbuy.Tier] | None = None,
        max_size: int = 5,
        window_hours: int = 24,
        per_person_limit: int = 1,
    ) -> groupbuy.CampaignView:
        now = self.clock.now()
        spec = groupbuy.CampaignSpec(
            code=code,
            name="东北大米 拼团",
            sku=RICE,
            tiers=tiers or TIERS,
            window_hours=window_hours,
            max_size=max_size,
            per_person_limit=per_person_limit,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
        )
        with transaction(self.runtime.sessions) as session:
            return groupbuy.create_campaign(session, spec, at=now, by="test")

    def order_no(self) -> str:
        self.orders += 1
        return f"GBO{self.orders:05d}"

    def open(self, leader: str, campaign: str = "RICE-GB") -> groupbuy.Joined:
        order_no = self.order_no()
        with transaction(self.runtime.sessions) as session:
            return groupbuy.open_group(
                session,
                campaign,
                leader_id=self.person(leader),
                order_no=order_no,
                transaction_id=f"wx-{order_no}",
                at=self.clock.now(),
                source="test",
            )

    def join(self, group: str, name: str, order_no: str | None = None) -> groupbuy.Joined:
        order_no = order_no or self.order_no()
        with transaction(self.runtime.sessions) as session:
            return groupbuy.join_group(
                session,
                group,
                customer_id=self.person(name),
                order_no=order_no,
                transaction_id=f"wx-{order_no}",
                at=self.clock.now(),
                source="test",
            )

    def group(self, code: str) -> groupbuy.GroupView:
        with transaction(self.runtime.read_sessions) as session:
            return groupbuy.get_group(session, code)

    def reconcile(self, code: str) -> groupbuy.Reconciliation:
        with transaction(self.runtime.read_sessions) as session:
            return groupbuy.reconcile(session, code)

    def refunds(self) -> list[tuple[str, str, Decimal, str]]:
        with transaction(self.runtime.read_sessions) as session:
            return [
                (r.order_no, r.refund_no, r.amount, r.state)
                for r in session.scalars(select(GroupBuyRefund).order_by(GroupBuyRefund.id))
            ]

    def order(self, order_no: str) -> commerce.OrderView:
        with transaction(self.runtime.read_sessions) as session:
            found = commerce.get_order(session, order_no)
        assert found is not None
        return found

    def run(self) -> int:
        return self.runtime.run_tasks_until_idle()

    def at(self, when: datetime) -> None:
        self.clock.current = when


def make_shop(runtime: Runtime, clock: ManualClock) -> Shop:
    with transaction(runtime.sessions) as session:
        commerce.upsert_product(
            session,
            commerce.ProductSpec(RICE, "东北大米 5kg", "粮油", Decimal("69.90"), 365),
            clock.now(),
        )
    from liveloop.groupbuy import jobs

    jobs.register(runtime)
    return Shop(runtime, clock)


@pytest.fixture
def shop(runtime, clock) -> Shop:
    return make_shop(runtime, clock)


@pytest.fixture
def store_shop(store_runtime, clock) -> Iterator[Shop]:
    yield make_shop(store_runtime, clock)


__all__ = ["RICE", "TIERS", "TIERS_10", "Shop", "bootstrap"]
