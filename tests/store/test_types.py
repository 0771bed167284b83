"""The shared column types keep money exact, instants in UTC and Chinese text intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Text, cast, func, select
from sqlalchemy.exc import StatementError

from liveloop.commerce.models import Product
from liveloop.runtime import Runtime
from liveloop.store import eventlog
from liveloop.store.base import to_money
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, NewEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def add_product(rt: Runtime, sku: str, price) -> None:
    with transaction(rt.sessions) as session:
        session.add(
            Product(sku=sku, name="五常大米 5kg", category="粮油", price=price, shelf_life_days=365)
        )


def price_of(rt: Runtime, sku: str) -> Decimal:
    # A new session, so the value comes from the database, not the identity map.
    with transaction(rt.sessions) as session:
        return session.scalars(select(Product.price).where(Product.sku == sku)).one()


def append_one(rt: Runtime, **fields) -> None:
    fields.setdefault("timestamp", rt.clock.now())
    with transaction(rt.sessions) as session:
        eventlog.append(
            session, [NewEvent(name="Order Completed", source="test", **fields)], rt.clock.now()
        )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (Decimal("19.90"), "19.90"),
        (Decimal("0.01"), "0.01"),
        (Decimal("12345678901234567.89"), "12345678901234567.89"),
        (Decimal("-5.50"), "-5.50"),
        (Decimal("19.9"), "19.90"),
        (Decimal("0.005"), "0.01"),
        (20, "20.00"),
        ("3.5", "3.50"),
    ],
)
def test_money_round_trips_yuan_exactly_with_two_places(store_runtime, given, stored):
    add_product(store_runtime, "RICE-5KG", given)

    price = price_of(store_runtime, "RICE-5KG")

    assert isinstance(price, Decimal)
    assert str(price) == stored


def test_money_adds_up_in_sql_without_float_drift(store_runtime):
    # 0.1 + 0.2 is the classic float error; ten dimes must be exactly one yuan.
    for n in range(10):
        add_product(store_runtime, f"DIME-{n}", Decimal("0.10"))
    add_product(store_runtime, "BIG", Decimal("0.20"))

    with transaction(store_runtime.sessions) as session:
        total = session.scalar(select(func.sum(Product.price)))
        matches = session.scalars(select(Product.sku).where(Product.price == Decimal("0.2"))).all()

    assert total == Decimal("1.20")
    assert str(total) == "1.20"
    assert matches == ["BIG"]


def test_money_refuses_float(store_runtime):
    with pytest.raises(StatementError) as caught:
        add_product(store_runtime, "RICE-5KG", 19.9)

    assert isinstance(caught.value.orig, TypeError)
    with transaction(store_runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 0
    with pytest.raises(TypeError):
        to_money(0.1)


def test_datetime_given_in_shanghai_comes_back_as_the_same_instant_in_utc(store_runtime):
    evening_in_shanghai = datetime(2026, 11, 20, 20, 30, 15, 123456, tzinfo=SHANGHAI)
    append_one(store_runtime, message_id="m-1", timestamp=evening_in_shanghai)

    with transaction(store_runtime.sessions) as session:
        stored = session.scalars(select(Event.timestamp)).one()

    assert stored == evening_in_shanghai
    assert stored.utcoffset() == timedelta(0)
    assert stored.tzinfo is UTC
    assert stored.replace(tzinfo=None) == datetime(2026, 11, 20, 12, 30, 15, 123456)


def test_datetimes_in_different_zones_compare_by_instant_in_queries(store_runtime):
    # 08:00 in Shanghai is midnight UTC, so it is *earlier* than 01:00 UTC.
    append_one(
        store_runtime,
        message_id="shanghai-8am",
        timestamp=datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI),
    )
    append_one(
        store_runtime, message_id="utc-1am", timestamp=datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    )
    half_past_eight_shanghai = datetime(2026, 11, 20, 8, 30, tzinfo=SHANGHAI)

    with transaction(store_runtime.sessions) as session:
        in_order = session.scalars(select(Event.message_id).order_by(Event.timestamp)).all()
        before = session.scalars(
            select(Event.message_id).where(Event.timestamp < half_past_eight_shanghai)
        ).all()

    assert in_order == ["shanghai-8am", "utc-1am"]
    assert before == ["shanghai-8am"]


def test_naive_datetime_is_refused_and_nothing_is_written(store_runtime):
    # Refused by the column type (SQLAlchemy wraps it) or, on SQLite's fast append path, by the
    # same rule before the statement.
    with pytest.raises((StatementError, ValueError)) as caught:
        append_one(store_runtime, message_id="m-1", timestamp=datetime(2026, 11, 20, 20, 30))

    error = getattr(caught.value, "orig", caught.value)
    assert isinstance(error, ValueError)
    assert "naive" in str(error)
    with transaction(store_runtime.sessions) as session:
        assert eventlog.last_event_id(session) == 0


def test_json_properties_keep_chinese_text_and_decimal_amounts(store_runtime):
    paid_at = datetime(2026, 11, 20, 20, 30, tzinfo=SHANGHAI)
    properties = {
        "product": "赣南脐橙 10斤装",
        "tags": ["坏果包赔", "黄金72小时"],
        "total": Decimal("59.90"),
        "paid_at": paid_at,
        "items": [{"sku": "ORANGE-10", "qty": 2, "price": Decimal("29.95")}],
    }
    append_one(store_runtime, message_id="m-1", properties=properties)

    with transaction(store_runtime.sessions) as session:
        stored = session.scalars(select(Event)).one().properties
        raw = session.scalar(select(cast(Event.properties, Text)))

    assert stored["product"] == "赣南脐橙 10斤装"
    assert stored["tags"] == ["坏果包赔", "黄金72小时"]
    # Amounts travel as exact decimal strings, never as floats.
    assert stored["total"] == "59.90"
    assert Decimal(stored["total"]) == Decimal("59.90")
    assert stored["items"] == [{"sku": "ORANGE-10", "qty": 2, "price": "29.95"}]
    assert datetime.fromisoformat(stored["paid_at"]) == paid_at
    # Stored as readable UTF-8, not \\u escapes.
    assert "赣南脐橙" in raw
    assert "\\u" not in raw
