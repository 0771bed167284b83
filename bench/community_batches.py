"""T+1 batch building: 1,000 pickup points and 100,000 paid orders on the embedded store, in
under 30 s (issue 14).

A fresh SQLite store, migrated; 100 approved leaders with 10 pickup points each (capacity 120
a day) through community's facade; 2,000 customers; then 100,000 orders paid yesterday and
today before the cut-off, each sent to a random point with its unique pickup code (orders,
lines and pickup rows written in bulk — the setup, not what is measured). Measured:
``community.service.build_batches`` for tomorrow — every order in its point's batch, the
points that got more than 120 carrying the rest to the next days with the reason — and then the
rebuild (idempotent: nothing added). Checked: every order in exactly one batch, no batch over
its capacity, the rebuild adds nothing.

Baseline in the same run, on a copy of the same store: the naive per-order loop (each order
read through ``commerce.get_order``, its point's batch looked up or made and its count taken
before the order is put in), on the first ``--baseline`` orders; the ratio compares orders/s.

``python -m bench.community_batches [--points 1000] [--orders 100000] [--baseline 5000]``
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from liveloop import schema
from liveloop.commerce import service as commerce
from liveloop.commerce.models import Order, OrderItem, Product
from liveloop.community import service as community
from liveloop.community.contracts import BatchStatus
from liveloop.community.models import PickupBatch, PickupOrder, PickupPoint
from liveloop.community.pickup import new_code
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.store.engine import make_engine, make_session_factory, transaction

TZ = ZoneInfo("Asia/Shanghai")
TOMORROW = date(2026, 11, 21)
NOW = datetime(2026, 11, 20, 23, 0, tzinfo=TZ).astimezone(UTC)
SKUS = ("RICE-DB-5KG", "OIL-PEANUT-5L", "EGG-30")
CAPACITY = 120


def setup(url: str, points: int, orders: int) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = make_session_factory(engine)
    rng = random.Random(14)
    with transaction(factory) as session:
        for sku in SKUS:
            commerce.upsert_product(
                session, commerce.ProductSpec(sku, sku, "粮油", Decimal("39.90"), 365), NOW
            )
        people = [
            create_customer(session, NewCustomer(name=f"顾客{n}"), NOW, source="bench")
            for n in range(2000)
        ]
        for n in range(points // 10):
            leader = community.apply_leader(
                session,
                community.LeaderApplication(name=f"团长{n}", phone="13800138000"),
                at=NOW,
                source="bench",
            )
            community.decide_leader(
                session, leader.code, approve=True, by="bench", reason=None, at=NOW, source="bench"
            )
            for k in range(10):
                community.open_point(
                    session,
                    community.PointSpec(
                        code=f"P{n:03d}{k}",
                        leader=leader.code,
                        name=f"自提点 {n}-{k}",
                        province="浙江省",
                        city="杭州市",
                        district="西湖区",
                        detail="文三路",
                        lat=30.27,
                        lon=120.15,
                        opening_hours="08:00-21:00",
                        capacity=CAPACITY,
                    ),
                    at=NOW,
                    source="bench",
                )
        point_ids = list(session.scalars(select(PickupPoint.id)))
        products = list(session.scalars(select(Product.id)))
    codes: set[str] = set()
    while len(codes) < orders:
        codes.add(new_code())
    code_list = list(codes)
    opens = datetime(2026, 11, 19, 22, 0, tzinfo=TZ).astimezone(UTC)
    span = (datetime(2026, 11, 20, 21, 59, tzinfo=TZ).astimezone(UTC) - opens).total_seconds()
    step = 10_000
    for start in range(0, orders, step):
        with transaction(factory) as session:
            rows, items, pickups = [], [], []
            for n in range(start, min(orders, start + step)):
                paid_at = opens + timedelta(seconds=rng.uniform(0, span))
                rows.append(
                    {
                        "order_no": f"BO{n:07d}",
                        "customer_id": people[n % len(people)],
                        "channel": "group_buy",
                        "status": "paid",
                        "total": Decimal("39.90"),
                        "discount": Decimal("0"),
                        "subtotal": Decimal("39.90"),
                        "coupon_discount": Decimal("0"),
                        "points_used": 0,
                        "points_value": Decimal("0"),
                        "refunded_amount": Decimal("0"),
                        "placed_at": paid_at,
                        "paid_at": paid_at,
                        "attributes": {},
                    }
                )
            ids = session.execute(insert(Order).returning(Order.id, Order.order_no), rows).all()
            for order_id, order_no in ids:
                n = int(order_no[2:])
                items.append(
                    {
                        "order_id": order_id,
                        "line_no": 1,
                        "product_id": products[n % len(products)],
                        "quantity": 1,
                        "unit_price": Decimal("39.90"),
                        "refunded_quantity": 0,
                        "refunded_amount": Decimal("0"),
                    }
                )
                pickups.append(
                    {
                        "order_no": order_no,
                        "customer_id": people[n % len(people)],
                        "point_id": rng.choice(point_ids),
                        "code": code_list[n],
                        "assigned_at": NOW,
                        "assigned_by": "bench",
                    }
                )
            session.execute(insert(OrderItem), items)
            session.execute(insert(PickupOrder), pickups)
    engine.dispose()


def naive(session, limit: int) -> int:  # type: ignore[no-untyped-def]
    """The per-order loop: what a first version would write."""
    settings = community.read_settings(session)
    cutoff = community.cutoff_for(TOMORROW, settings, TZ)
    done = 0
    rows = session.execute(
        select(PickupOrder.id, PickupOrder.order_no, PickupOrder.point_id)
        .where(PickupOrder.batch_id.is_(None))
        .order_by(PickupOrder.id)
        .limit(limit)
    ).all()
    for pickup_id, order_no, point_id in rows:
        order = commerce.get_order(session, order_no)
        if order is None or order.status != "paid" or order.paid_at is None:
            continue
        if order.paid_at > cutoff:
            continue
        capacity = session.get_one(PickupPoint, point_id).capacity
        day = TOMORROW
        while True:
            batch = session.scalars(
                select(PickupBatch).where(
                    PickupBatch.point_id == point_id, PickupBatch.delivery_date == day
                )
            ).one_or_none()
            if batch is None:
                batch = PickupBatch(
                    point_id=point_id,
                    delivery_date=day,
                    status=BatchStatus.PLANNED,
                    cutoff_at=community.cutoff_for(day, settings, TZ),
                    built_at=NOW,
                )
                session.add(batch)
                session.flush()
            held = session.scalar(
                select(func.count(PickupOrder.id)).where(PickupOrder.batch_id == batch.id)
            )
            if (held or 0) < capacity:
                break
            day += timedelta(days=1)
        row = session.get_one(PickupOrder, pickup_id)
        row.batch_id = batch.id
        session.flush()
        done += 1
    return done


def check(factory, orders: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as session:
        unbatched = session.scalar(
            select(func.count(PickupOrder.id)).where(PickupOrder.batch_id.is_(None))
        )
        over = session.execute(
            select(PickupOrder.batch_id, func.count(PickupOrder.id))
            .group_by(PickupOrder.batch_id)
            .having(func.count(PickupOrder.id) > CAPACITY)
        ).all()
        total = session.scalar(select(func.count(PickupOrder.id)))
    assert total == orders, total
    assert unbatched == 0, f"{unbatched} orders in no batch"
    assert over == [], f"batches over capacity: {over[:3]}"


def main(points: int = 1000, orders: int = 100_000, baseline: int = 5000) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        setup(f"sqlite:///{path}", points, orders)
        print(f"setup: {points} points, {orders:,} orders in {time.perf_counter() - started:.1f} s")
        copy = Path(tmp) / "baseline.db"
        shutil.copyfile(path, copy)

        factory = make_session_factory(make_engine(f"sqlite:///{path}"))
        started = time.perf_counter()
        with transaction(factory) as session:
            report = community.build_batches(session, TOMORROW, at=NOW, tz=TZ)
        build = time.perf_counter() - started
        started = time.perf_counter()
        with transaction(factory) as session:
            again = community.build_batches(session, TOMORROW, at=NOW, tz=TZ)
        rebuild = time.perf_counter() - started
        assert report.added + report.carried == orders, report
        assert again.added == again.carried == 0, again
        check(factory, orders)

        naive_factory = make_session_factory(make_engine(f"sqlite:///{copy}"))
        started = time.perf_counter()
        with transaction(naive_factory) as session:
            done = naive(session, baseline)
        naive_s = time.perf_counter() - started
    rate, naive_rate = orders / build, done / naive_s
    print(
        f"build_batches: {orders:,} orders into {report.batches} batches for {TOMORROW} "
        f"({report.carried:,} carried to later days) in {build:.2f} s = {rate:,.0f} orders/s "
        f"(target: under 30 s); rebuild {rebuild:.2f} s, nothing added"
    )
    print(
        f"baseline, the per-order loop: {done:,} orders in {naive_s:.2f} s = "
        f"{naive_rate:,.0f} orders/s; ratio {rate / naive_rate:.1f}x"
    )
    return {"build_s": build, "rebuild_s": rebuild, "rate": rate, "naive_rate": naive_rate}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=5000)
    args = parser.parse_args()
    main(args.points, args.orders, args.baseline)
