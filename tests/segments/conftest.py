"""A small hand-built brand where every person is planted for one condition kind, so each test
knows exactly who a rule must hold."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from liveloop.analytics.models import CustomerScore
from liveloop.commerce.models import Order, OrderItem, Product
from liveloop.live.models import LiveSession
from liveloop.profiles.models import Consent, Customer, CustomerTag, ProfileCounters
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class World:
    """Who is who: name -> customer id."""

    ids: dict[str, int] = field(default_factory=dict)
    lives: list[int] = field(default_factory=list)

    def of(self, *names: str) -> set[int]:
        return {self.ids[n] for n in names}


class Builder:
    def __init__(self, session: Any) -> None:
        self.session = session
        self.world = World()
        self.orders = 0
        self.events = 0
        self.products: dict[str, int] = {}

    def person(self, key: str, **fields: Any) -> int:
        traits = fields.pop("traits", {})
        row = Customer(
            oneid=f"OID-{key}", name=fields.pop("name", "张秀英"), traits=traits, **fields
        )
        self.session.add(row)
        self.session.flush()
        self.world.ids[key] = row.id
        return row.id

    def product(self, sku: str, category: str) -> int:
        row = Product(sku=sku, name=sku, category=category, price=Decimal("10"), shelf_life_days=30)
        self.session.add(row)
        self.session.flush()
        self.products[sku] = row.id
        return row.id

    def order(
        self,
        key: str,
        sku: str,
        days_ago: float,
        *,
        status: str = "paid",
        qty: int = 1,
        price: str = "10.00",
        live: int | None = None,
    ) -> None:
        self.orders += 1
        total = Decimal(price) * qty
        order = Order(
            order_no=f"SO{self.orders}",
            customer_id=self.world.ids[key],
            channel="live" if live else "mini_program",
            status=status,
            total=total,
            discount=Decimal("0"),
            live_session_id=live,
            placed_at=NOW - timedelta(days=days_ago),
        )
        order.items = [
            OrderItem(
                line_no=1, product_id=self.products[sku], quantity=qty, unit_price=Decimal(price)
            )
        ]
        self.session.add(order)

    def event(self, key: str | None, name: str, at: datetime, **properties: Any) -> None:
        self.events += 1
        self.session.add(
            Event(
                message_id=f"e{self.events}",
                type="track",
                name=name,
                customer_id=self.world.ids[key] if key else None,
                properties=properties,
                context={},
                timestamp=at,
                received_at=at,
                source="test",
            )
        )

    def live(self, days_ago: float, room: str = "main") -> int:
        start = NOW - timedelta(days=days_ago)
        row = LiveSession(
            room=room,
            title="直播",
            status="ended",
            scheduled_at=start,
            started_at=start,
            ended_at=start + timedelta(hours=2),
            costs={},
        )
        self.session.add(row)
        self.session.flush()
        self.world.lives.append(row.id)
        return row.id

    def watch(self, key: str, live: int, minutes: float, parts: int = 1) -> None:
        start = self.session.get(LiveSession, live).started_at
        for part in range(parts):
            self.event(key, "Live Joined", start + timedelta(minutes=part), live_session_id=live)
            self.event(
                key,
                "Live Left",
                start + timedelta(minutes=10 + part),
                live_session_id=live,
                watch_seconds=round(minutes * 60 / parts),
            )

    def tag(self, key: str, tag: str) -> None:
        self.session.add(
            CustomerTag(customer_id=self.world.ids[key], tag=tag, source="manual", tagged_at=NOW)
        )

    def consent(self, key: str, channel: str, granted: bool) -> None:
        self.session.add(
            Consent(
                customer_id=self.world.ids[key],
                channel=channel,
                granted=granted,
                source="test",
                updated_at=NOW,
            )
        )

    def score(self, key: str, **values: Any) -> None:
        self.session.add(
            CustomerScore(customer_id=self.world.ids[key], scored_at=NOW, run_id=1, **values)
        )

    def counters(self, key: str, **values: Any) -> None:
        base: dict[str, Any] = {
            "orders": 0,
            "coupon_orders": 0,
            "refunds": 0,
            "spend": Decimal("0"),
            "categories": [],
            "lives_attended": 0,
            "watch_seconds": 0,
            "events": 0,
            "hours": [0] * 24,
        }
        self.session.add(ProfileCounters(customer_id=self.world.ids[key], **(base | values)))


def build_world(runtime: Runtime) -> World:
    with transaction(runtime.sessions) as session:
        b = Builder(session)
        for sku, category in (
            ("FLOUR", "烘焙"),
            ("YEAST", "烘焙"),
            ("MILK", "乳品"),
            ("RICE", "米面"),
        ):
            b.product(sku, category)
        # traits
        b.person(
            "gd",
            gender="女",
            province="广东省",
            city="广州市",
            member_tier="金卡",
            birthday=date(1990, 11, 25),
            traits={"diet": "素食", "kids": 2, "vip": True},
        )
        b.person(
            "zj",
            gender="男",
            province="浙江省",
            city="杭州市",
            member_tier="银卡",
            birthday=date(1985, 3, 1),
            traits={"diet": "无", "kids": 0, "vip": False},
        )
        b.person("blank", name="王五")  # nothing known
        # tags + orders: 烘焙爱好者 with and without a recent purchase
        b.person("baker_recent")
        b.tag("baker_recent", "烘焙爱好者")
        b.order("baker_recent", "FLOUR", 2)
        b.person("baker_idle")
        b.tag("baker_idle", "烘焙爱好者")
        b.order("baker_idle", "FLOUR", 20)
        b.person("baker_refunded")  # only purchase in the window was refunded
        b.tag("baker_refunded", "烘焙爱好者")
        b.order("baker_refunded", "YEAST", 1, status="refunded")
        # bought A (MILK) and viewed B (RICE)
        b.person("milk_viewer")
        b.order("milk_viewer", "MILK", 5, qty=3, price="20.00")
        b.event("milk_viewer", "Product Viewed", NOW - timedelta(days=1), sku="RICE", price=39.9)
        b.person("milk_only")
        b.order("milk_only", "MILK", 5)
        b.event("milk_only", "Product Viewed", NOW - timedelta(days=1), sku="FLOUR", price=12)
        b.person("viewer_only")
        b.event("viewer_only", "Product Viewed", NOW - timedelta(days=1), sku="RICE", price=39.9)
        b.event("viewer_only", "Product Viewed", NOW - timedelta(days=2), sku="RICE", price=39.9)
        b.event("viewer_only", "Product Viewed", NOW - timedelta(days=40), sku="RICE", price=39.9)
        b.event(None, "Product Viewed", NOW - timedelta(days=1), sku="RICE")  # anonymous
        # lives: 4 held, the last three matter
        old, l1, l2, l3 = b.live(30), b.live(14), b.live(7), b.live(1)
        b.person("loyal_viewer")  # ≥ 15 min in each of the last 3, never bought
        for live in (l1, l2, l3):
            b.watch("loyal_viewer", live, 20)
        b.person("split_viewer")  # 8 + 8 minutes in the last one (two visits) still counts
        b.watch("split_viewer", l1, 15)
        b.watch("split_viewer", l2, 30)
        b.watch("split_viewer", l3, 16, parts=2)
        b.person("short_viewer")  # 10 minutes in one of them
        b.watch("short_viewer", l1, 30)
        b.watch("short_viewer", l2, 10)
        b.watch("short_viewer", l3, 30)
        b.person("buying_viewer")  # watched all three, bought in the last
        for live in (l1, l2, l3):
            b.watch("buying_viewer", live, 40)
        b.order("buying_viewer", "RICE", 1, live=l3)
        b.person("bogus_viewer")  # a client sent a negative watch time for one visit
        b.watch("bogus_viewer", l3, -100_000)
        b.watch("bogus_viewer", l3, 16)
        b.person("old_viewer")
        b.watch("old_viewer", old, 90)
        # scores, counters, consent
        b.person("vip")
        b.score(
            "vip",
            rfm_group="VIP",
            churn_risk="低",
            clv_12m=Decimal("1200.50"),
            p_alive=0.9,
            lifecycle_stage="成熟期",
        )
        b.counters(
            "vip", orders=12, spend=Decimal("2400.00"), last_order_at=NOW - timedelta(days=3)
        )
        b.person("sleepy")
        b.score("sleepy", rfm_group="沉睡客", churn_risk="高", clv_12m=Decimal("80"), p_alive=0.2)
        b.counters(
            "sleepy", orders=1, spend=Decimal("59.00"), last_order_at=NOW - timedelta(days=200)
        )
        b.consent("vip", "sms", True)
        b.consent("sleepy", "sms", False)
        b.consent("sleepy", "wecom", True)
        # a merged-away person never appears
        survivor = b.world.ids["vip"]
        b.person("merged", merged_into_id=survivor)
        b.tag("merged", "烘焙爱好者")
        return b.world


@pytest.fixture
def world_runtime(store_runtime) -> Iterator[tuple[Runtime, World]]:
    yield store_runtime, build_world(store_runtime)


@pytest.fixture
def sqlite_world(runtime) -> Iterator[tuple[Runtime, World]]:
    yield runtime, build_world(runtime)
