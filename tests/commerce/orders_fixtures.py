"""A small catalog, a buyer and a coupon for the order tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from liveloop.commerce.models import CouponKind
from liveloop.commerce.service import (
    OrderLine,
    OrderRequest,
    ProductSpec,
    TemplateSpec,
    create_template,
    issue_coupon,
    upsert_product,
)
from liveloop.identity.contracts import IdentityType
from liveloop.identity.service import create_customer_with_identities
from liveloop.loyalty import service as loyalty
from liveloop.profiles.service import NewCustomer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event


class Shop:
    """A runtime with the seeded catalog, buyer and coupons (``seeded``)."""

    def __init__(self, runtime: Runtime, seeded: dict[str, object]) -> None:
        self.runtime, self.seeded = runtime, seeded
        self.sessions, self.clock = runtime.sessions, runtime.clock


PRODUCTS = [
    ProductSpec("RICE-5KG", "五常大米 5kg", "粮油", Decimal("59.90"), 365),
    ProductSpec("SOY-500", "零添加酱油 500ml", "调味品", Decimal("19.90"), 540),
    ProductSpec("VIN-3Y", "三年陈醋 420ml", "调味品", Decimal("13.30"), 720),
]
PHONE = "+8613800138000"


def seed(runtime: Runtime, now: datetime, *, coupons: int = 1) -> dict[str, object]:
    """Three products, one buyer (by phone), ``coupons`` coupons of ¥10 off 满50."""
    with transaction(runtime.sessions) as session:
        for spec in PRODUCTS:
            upsert_product(session, spec, now)
        buyer = create_customer_with_identities(
            session, NewCustomer(name="张秀英"), {IdentityType.PHONE: PHONE}, now, "test"
        )
        create_template(
            session,
            TemplateSpec(
                code="OFF10",
                name="满50减10",
                kind=CouponKind.FIXED,
                amount=Decimal("10"),
                threshold=Decimal("50"),
                valid_days=30,
                per_person_limit=None,
            ),
            now,
        )
        codes = [
            issue_coupon(session, "OFF10", buyer, now, idempotency_key=f"t{i}", source="test").code
            for i in range(coupons)
        ]
    return {"buyer": buyer, "coupons": codes}


def give_points(runtime: Runtime, buyer: int, points: int) -> None:
    """An operator's credit: ``points`` the buyer can spend (100 points = ¥1 by default)."""
    with transaction(runtime.sessions) as session:
        loyalty.adjust_points(
            session,
            customer_id=buyer,
            points=points,
            reason="测试积分",
            key=f"test:{buyer}:{points}",
            at=runtime.clock.now(),
            by="test",
            tz=runtime.settings.tz,
        )


def request(order_no: str, buyer: int, **kw: object) -> OrderRequest:
    base: dict[str, object] = {
        "order_no": order_no,
        "customer_id": buyer,
        "lines": (OrderLine("RICE-5KG", 1), OrderLine("SOY-500", 2)),
        "channel": "miniapp",
    }
    return OrderRequest(**(base | kw))  # type: ignore[arg-type]


def events_named(runtime: Runtime | Shop, name: str) -> list[Event]:
    with transaction(runtime.sessions) as session:
        rows = list(session.scalars(select(Event).where(Event.name == name).order_by(Event.id)))
        session.expunge_all()
    return rows
