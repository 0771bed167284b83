"""A store with three SKUs in two categories, leaders (one recruited by another) and rates,
and helpers to pay orders, refund them, run the consumers and settle — all through the real
services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pytest

from liveloop.clock import ManualClock
from liveloop.commerce import service as commerce
from liveloop.commission import jobs as commission_jobs
from liveloop.commission import service as commission
from liveloop.commission.contracts import Balance, EntryView, RateScope, Reconciliation
from liveloop.community import service as community
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction

RICE, OIL, EGG = "RICE-DB-5KG", "OIL-PEANUT-5L", "EGG-30"
PRICES = {RICE: Decimal("39.90"), OIL: Decimal("59.90"), EGG: Decimal("19.90")}
CATEGORIES = {RICE: "粮油", OIL: "粮油", EGG: "蛋品"}


@dataclass
class Shop:
    runtime: Runtime
    clock: ManualClock
    orders: int = 0
    refunds: int = 0
    people: dict[str, int] = field(default_factory=dict)

    def session(self):  # type: ignore[no-untyped-def]
        return transaction(self.runtime.sessions)

    def person(self, name: str) -> int:
        if name not in self.people:
            with self.session() as session:
                self.people[name] = create_customer(
                    session, NewCustomer(name=name), self.clock.now(), source="test"
                )
        return self.people[name]

    def leader(
        self, name: str, *, username: str | None = None, recruited_by: str | None = None
    ) -> str:
        with self.session() as session:
            view = community.apply_leader(
                session,
                community.LeaderApplication(
                    name=name, phone="13800138000", username=username, recruited_by=recruited_by
                ),
                at=self.clock.now(),
                source="test",
            )
            community.decide_leader(
                session,
                view.code,
                approve=True,
                by="op",
                reason=None,
                at=self.clock.now(),
                source="test",
            )
        return view.code

    def rate(self, level: int, scope: RateScope, target: str | None, rate: str) -> None:
        with self.session() as session:
            commission.set_rate(
                session,
                level=level,
                scope=scope,
                target=target,
                rate=Decimal(rate),
                at=self.clock.now(),
                by="op",
            )

    def pay(
        self,
        leader: str | None,
        lines: list[tuple[str, int]],
        *,
        buyer: str = "王女士",
        discount: str = "0",
        order_no: str | None = None,
    ) -> str:
        self.orders += 1
        order_no = order_no or f"CM{self.orders:06d}"
        with self.session() as session:
            commerce.record_order(
                session,
                order_no=order_no,
                customer_id=self.person(buyer),
                lines=[commerce.OrderLine(sku, qty) for sku, qty in lines],
                placed_at=self.clock.now(),
                channel="group_buy",
                source="test",
                discount=Decimal(discount),
                attributes={"leader": leader} if leader else {},
            )
        return order_no

    def refund(
        self,
        order_no: str,
        *,
        amount: str | None = None,
        lines: list[tuple[int, int]] | None = None,
    ) -> str:
        self.refunds += 1
        refund_no = f"RF{self.refunds:06d}"
        with self.session() as session:
            commerce.refund_order_part(
                session,
                order_no,
                refund_no=refund_no,
                amount=Decimal(amount) if amount is not None else None,
                lines=[commerce.RefundLineRequest(q, line_no=n) for n, q in lines or []] or None,
                reason="坏果",
                at=self.clock.now(),
                source="test",
                settled=True,
            )
        return refund_no

    def work(self) -> int:
        """Run the consumers until idle, then the settlement task."""
        done = self.runtime.consumers.run_until_idle(self.runtime.sessions, self.clock)
        with self.session() as session:
            done += commission.settle_due(session, self.clock.now())
        return done

    def later(self, days: float) -> None:
        self.clock.advance(days=days)

    def balance(self, leader: str) -> Balance:
        with self.session() as session:
            return commission.balance_of(session, leader)

    def entries(self, order_no: str) -> list[EntryView]:
        with self.session() as session:
            return commission.entries_of_order(session, order_no)

    def reconcile(self) -> Reconciliation:
        with self.session() as session:
            return commission.reconcile_orders(session)


def stock(shop: Shop, at: datetime) -> None:
    with shop.session() as session:
        for sku, price in PRICES.items():
            commerce.upsert_product(
                session, commerce.ProductSpec(sku, sku, CATEGORIES[sku], price, 365), at
            )


def standard_rates(shop: Shop) -> None:
    shop.rate(1, RateScope.DEFAULT, None, "0.10")
    shop.rate(1, RateScope.CATEGORY, "蛋品", "0.12")
    shop.rate(1, RateScope.SKU, OIL, "0.15")
    shop.rate(2, RateScope.DEFAULT, None, "0.03")


@pytest.fixture
def shop(runtime, clock) -> Shop:
    commission_jobs.register(runtime)
    made = Shop(runtime, clock)
    stock(made, clock.now())
    return made


@pytest.fixture
def store_shop(store_runtime, clock) -> Shop:
    commission_jobs.register(store_runtime)
    made = Shop(store_runtime, clock)
    stock(made, clock.now())
    return made
