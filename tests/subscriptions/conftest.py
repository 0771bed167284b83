"""A store with the rice plan and the vinegar membership on sale, a customer, the
subscriptions jobs wired with a charger that answers as told, and helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.clock import ManualClock
from liveloop.commerce.models import Order
from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from liveloop.subscriptions import jobs
from liveloop.subscriptions import service as subs
from liveloop.subscriptions.contracts import Cadence

# The local WeChat Pay v3 server's fixtures, for the tests that pay through it.
from tests.payments.conftest import local_keys, local_server, provider  # noqa: F401


@dataclass
class ScriptedCharger:
    """A payment provider that refuses the first ``refusals`` attempts, then takes the money;
    every call is kept."""

    refusals: int = 0
    calls: list[subs.Charge] = field(default_factory=list)

    def __call__(self, charge: subs.Charge) -> subs.ChargeResult:
        self.calls.append(charge)
        if len(self.calls) <= self.refusals:
            return subs.ChargeResult(paid=False, reason="余额不足")
        return subs.ChargeResult(paid=True, transaction_id=f"T{len(self.calls)}")


@dataclass
class Shop:
    runtime: Runtime
    clock: ManualClock
    charger: ScriptedCharger
    customer: int

    @property
    def tz(self):
        return self.runtime.settings.tz

    def today(self) -> date:
        return self.clock.now().astimezone(self.tz).date()

    def subscribe(self, key: str = "k1", first_on: date | None = None, plan: str = "rice"):
        with transaction(self.runtime.sessions) as session:
            return subs.subscribe(
                session,
                subs.SubscribeRequest(
                    key, self.customer, plan, first_on or self.today(), {"city": "哈尔滨"}
                ),
                at=self.clock.now(),
                tz=self.tz,
                source="test",
            )

    def run(self) -> int:
        """Consumers and every task until nothing is left to do."""
        return self.runtime.run_tasks_until_idle()

    def subscription(self, subscription_id: int) -> subs.SubscriptionView:
        with transaction(self.runtime.read_sessions) as session:
            return subs.get_subscription(session, subscription_id)

    def orders(self, prefix: str = "") -> list[Order]:
        with transaction(self.runtime.read_sessions) as session:
            return list(
                session.scalars(
                    select(Order).where(Order.order_no.startswith(prefix)).order_by(Order.id)
                )
            )

    def events(self, name: str) -> list[dict[str, Any]]:
        with transaction(self.runtime.read_sessions) as session:
            return [
                e.properties
                for e in session.scalars(select(Event).where(Event.name == name).order_by(Event.id))
            ]


def build_shop(runtime: Runtime) -> Shop:
    assert isinstance(runtime.clock, ManualClock)
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        for spec in (
            ProductSpec("RICE-JING-5KG", "五常稻花香粳米 5kg", "大米杂粮", Decimal("89.90"), 365),
            ProductSpec("VINEGAR-CUSTOM", "晋源定制醋礼盒", "调味品", Decimal("128.00"), 720),
            ProductSpec("MEMBER-VINEGAR", "醋文化会员（年卡）", "会员", Decimal("199.00"), 365),
        ):
            upsert_product(session, spec, now)
        subs.save_plan(
            session,
            subs.PlanSpec(
                "rice",
                "每月一袋 五常大米 5kg",
                "RICE-JING-5KG",
                1,
                Cadence.MONTHLY,
                Decimal("79.90"),
                cycles=12,
                remind_days=2,
            ),
            now,
        )
        subs.save_membership_plan(
            session,
            subs.MembershipPlanSpec("vinegar", "醋文化会员", "MEMBER-VINEGAR", 4, "VINEGAR-CUSTOM"),
            now,
        )
        customer = create_customer(session, NewCustomer(name="赵敏"), now, "test")
    bootstrap.wire(runtime)
    charger = ScriptedCharger()
    jobs.register(runtime, charger=charger)
    return Shop(runtime, runtime.clock, charger, customer)


@pytest.fixture
def shop(runtime) -> Shop:
    return build_shop(runtime)


@pytest.fixture
def store_shop(store_runtime) -> Shop:
    return build_shop(store_runtime)
