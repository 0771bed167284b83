"""Commission posting and claw-back: ≥ 2,000 order lines/s on the embedded store, and a
reconciliation that proves the ledger sums to the orders (0 fen difference) after 100,000
orders, 10 % of them refunded in part, the callbacks replayed (issue 14).

A fresh SQLite store, migrated; 100 approved leaders, a third recruited by another (a second
level), rates per level by default, category and SKU through commission's facade; 2,000
customers; 100,000 paid orders of 1–4 lines through a leader, a fifth with a discount, paid over
the last 14 days (orders, lines and — later — refunds written in bulk: the setup, not what is
measured). Measured, in consumer-sized batches of 500 orders (one transaction each):

1. ``commission.service.post_paid`` for every order — the entries of both levels;
2. the same again (every payment callback replayed): nothing may be written;
3. settlement of every entry whose 7-day window has closed (one UPDATE);
4. 10,000 orders refunded in part (a line's units, or an amount alone), half of them already
   settled: ``post_refunds`` reduces the frozen and claws back the settled commission;
5. the refunds replayed: nothing may be written;
6. ``reconcile_orders`` over all 100,000 orders: 0 fen difference.

Baseline in the same run, on a copy of the same store: the naive per-line ORM posting —
each order read through ``commerce.get_order``, its leader through ``community.get_leader``,
then per line and level a SELECT for an existing entry and an ORM insert flushed in its own
savepoint — on the first ``--baseline`` orders; the ratio compares order lines/s.

``python -m bench.commission_ledger [--orders 100000] [--baseline 3000]``
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from liveloop import schema
from liveloop.commerce import service as commerce
from liveloop.commerce.models import Order, OrderItem, OrderRefund, Product
from liveloop.commerce.orders.pricing import paid_shares
from liveloop.commission import service as commission
from liveloop.commission.allocation import commission as commission_fen
from liveloop.commission.allocation import fen, yuan
from liveloop.commission.allocation import paid_shares as lr_shares
from liveloop.commission.contracts import EntryKind, EntryState, RateScope
from liveloop.commission.models import CommissionEntry
from liveloop.commission.rates import RateBook
from liveloop.community import service as community
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.store.engine import make_engine, make_session_factory, transaction

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SKUS = (
    ("RICE-DB-5KG", "粮油", "39.90"),
    ("OIL-PEANUT-5L", "粮油", "59.90"),
    ("EGG-30", "蛋品", "19.90"),
)
LEADERS = 100
BATCH = 500
DAYS = 7


def setup(url: str, orders: int) -> list[str]:
    engine = make_engine(url)
    schema.upgrade(engine)
    factory = make_session_factory(engine)
    rng = random.Random(14)
    start = NOW - timedelta(days=14)
    with transaction(factory) as session:
        for sku, category, price in SKUS:
            commerce.upsert_product(
                session, commerce.ProductSpec(sku, sku, category, Decimal(price), 365), start
            )
        people = [
            create_customer(session, NewCustomer(name=f"顾客{n}"), start, source="bench")
            for n in range(2000)
        ]
        codes: list[str] = []
        for n in range(LEADERS):
            view = community.apply_leader(
                session,
                community.LeaderApplication(
                    name=f"团长{n}",
                    phone="13800138000",
                    recruited_by=codes[n % len(codes)] if codes and n % 3 == 0 else None,
                ),
                at=start,
                source="bench",
            )
            community.decide_leader(
                session, view.code, approve=True, by="bench", reason=None, at=start, source="bench"
            )
            codes.append(view.code)
        for level, scope, target, rate in (
            (1, RateScope.DEFAULT, None, "0.10"),
            (1, RateScope.CATEGORY, "蛋品", "0.125"),
            (1, RateScope.SKU, "OIL-PEANUT-5L", "0.15"),
            (2, RateScope.DEFAULT, None, "0.03"),
        ):
            commission.set_rate(
                session,
                level=level,
                scope=scope,
                target=target,
                rate=Decimal(rate),
                at=start,
                by="bench",
            )
        products = {p.sku: (p.id, p.price) for p in session.scalars(select(Product))}
    span = (NOW - start).total_seconds() - 60
    step = 10_000
    for begin in range(0, orders, step):
        with transaction(factory) as session:
            rows, lines_of = [], {}
            for n in range(begin, min(orders, begin + step)):
                paid_at = start + timedelta(seconds=rng.uniform(0, span))
                lines = [
                    (sku, rng.randint(1, 3)) for sku, _, _ in rng.sample(SKUS, rng.randint(1, 3))
                ]
                if rng.random() < 0.2:
                    lines.append(("EGG-30", 1))
                subtotal = sum(products[sku][1] * qty for sku, qty in lines)
                discount = (
                    Decimal(rng.choice(("3.00", "5.00", "8.88")))
                    if rng.random() < 0.2
                    else Decimal("0")
                )
                order_no = f"BC{n:07d}"
                lines_of[order_no] = lines
                rows.append(
                    {
                        "order_no": order_no,
                        "customer_id": people[n % len(people)],
                        "channel": "group_buy",
                        "status": "paid",
                        "total": subtotal - discount,
                        "discount": discount,
                        "subtotal": subtotal,
                        "coupon_discount": Decimal("0"),
                        "points_used": 0,
                        "points_value": Decimal("0"),
                        "refunded_amount": Decimal("0"),
                        "placed_at": paid_at,
                        "paid_at": paid_at,
                        "leader": codes[n % LEADERS],
                        "attributes": {},
                    }
                )
            ids = session.execute(insert(Order).returning(Order.id, Order.order_no), rows).all()
            items = []
            for order_id, order_no in ids:
                for line_no, (sku, qty) in enumerate(lines_of[order_no], start=1):
                    items.append(
                        {
                            "order_id": order_id,
                            "line_no": line_no,
                            "product_id": products[sku][0],
                            "quantity": qty,
                            "unit_price": products[sku][1],
                            "refunded_quantity": 0,
                            "refunded_amount": Decimal("0"),
                        }
                    )
            session.execute(insert(OrderItem), items)
    engine.dispose()
    return [f"BC{n:07d}" for n in range(orders)]


def refund_some(factory, numbers: list[str], rng: random.Random) -> list[str]:  # type: ignore[no-untyped-def]
    """A tenth of the orders refunded in part (settled at once, as an import's): half by a
    line's units, half by an amount alone. Written in bulk, as commerce keeps them."""
    chosen = sorted(rng.sample(numbers, len(numbers) // 10))
    refund_nos = []
    with transaction(factory) as session:
        orders = {
            o.order_no: o for o in session.scalars(select(Order).where(Order.order_no.in_(chosen)))
        }
        items: dict[int, list[OrderItem]] = {}
        for item in session.scalars(
            select(OrderItem).where(OrderItem.order_id.in_([o.id for o in orders.values()]))
        ):
            items.setdefault(item.order_id, []).append(item)
        rows = []
        for k, order_no in enumerate(chosen):
            order = orders[order_no]
            lines = sorted(items[order.id], key=lambda i: i.line_no)
            shares = paid_shares([i.amount for i in lines], order.total)
            if k % 2 == 0:
                i = rng.randrange(len(lines))
                item, share = lines[i], shares[i]
                units = rng.randint(1, item.quantity)
                amount = yuan(fen(share) * units // item.quantity)
                refund_lines = [
                    {"line_no": item.line_no, "sku": "", "quantity": units, "amount": str(amount)}
                ]
            else:
                amount = yuan(rng.randint(1, fen(order.total) // 2))
                refund_lines = []
            number = f"RB{order_no}"
            refund_nos.append(number)
            order.refunded_amount = amount
            rows.append(
                {
                    "refund_no": number,
                    "order_id": order.id,
                    "amount": amount,
                    "lines": refund_lines,
                    "reason": "坏果",
                    "status": "succeeded",
                    "order_status": "paid",
                    "source": "bench",
                    "requested_at": NOW,
                    "settled_at": NOW,
                }
            )
        session.execute(insert(OrderRefund), rows)
    return refund_nos


def batches(numbers: list[str]):  # type: ignore[no-untyped-def]
    for start in range(0, len(numbers), BATCH):
        yield numbers[start : start + BATCH]


def post_all(factory, numbers: list[str]) -> int:  # type: ignore[no-untyped-def]
    written = 0
    with transaction(factory) as session:
        book = RateBook.load(session)
        leaders = commission.leader_directory(session)
    for chunk in batches(numbers):
        with transaction(factory) as session:
            written += commission.post_paid(
                session, chunk, after_sales_days=DAYS, at=NOW, rates=book, leaders=leaders
            ).entries
    return written


def refund_all(factory, refund_nos: list[str]) -> int:  # type: ignore[no-untyped-def]
    written = 0
    for chunk in batches(refund_nos):
        with transaction(factory) as session:
            pairs = [(number.removeprefix("RB"), number) for number in chunk]
            written += commission.post_refunds(session, pairs, at=NOW)
    return written


def naive(session: Session, numbers: list[str]) -> int:
    """The per-line ORM posting every peer ships: read, check, insert, flush — line by line."""
    book = RateBook.load(session)
    lines = 0
    for order_no in numbers:
        order = commerce.get_order(session, order_no)
        if order is None or order.leader is None:
            continue
        own = community.get_leader(session, order.leader)
        earners = [(1, own.code)] + ([(2, own.recruited_by)] if own.recruited_by else [])
        shares = lr_shares([fen(line.amount) for line in order.lines], fen(order.total))
        for line, share in zip(order.lines, shares, strict=True):
            lines += 1
            for level, code in earners:
                rate = book.rate_bp(level, line.sku, line.category, order.paid_at)
                exists = session.scalar(
                    select(CommissionEntry.id).where(
                        CommissionEntry.order_no == order_no,
                        CommissionEntry.line_no == line.line_no,
                        CommissionEntry.level == level,
                        CommissionEntry.refund_no == "",
                    )
                )
                if exists or not rate:
                    continue
                with session.begin_nested():
                    session.add(
                        CommissionEntry(
                            leader=code,
                            level=level,
                            kind=EntryKind.EARNED.value,
                            state=EntryState.FROZEN.value,
                            order_no=order_no,
                            line_no=line.line_no,
                            refund_no="",
                            sku=line.sku,
                            base=yuan(share),
                            rate_bp=rate,
                            amount=yuan(commission_fen(share, rate)),
                            at=order.paid_at,
                            frozen_until=order.paid_at + timedelta(days=DAYS),
                            posted_at=NOW,
                        )
                    )
                    session.flush()
    return lines


def order_lines(factory, numbers: list[str] | None = None) -> int:  # type: ignore[no-untyped-def]
    with transaction(factory) as session:
        query = select(func.count(OrderItem.id))
        if numbers is not None:
            query = query.join(Order, Order.id == OrderItem.order_id).where(
                Order.order_no.in_(numbers)
            )
        return int(session.scalar(query) or 0)


def main(orders: int = 100_000, baseline: int = 3000) -> dict[str, float]:
    rng = random.Random(1414)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        numbers = setup(f"sqlite:///{path}", orders)
        lines = order_lines(make_session_factory(make_engine(f"sqlite:///{path}")))
        print(f"setup: {orders:,} orders, {lines:,} lines in {time.perf_counter() - started:.1f} s")
        copy = Path(tmp) / "baseline.db"
        shutil.copyfile(path, copy)
        factory = make_session_factory(make_engine(f"sqlite:///{path}"))

        started = time.perf_counter()
        written = post_all(factory, numbers)
        post_s = time.perf_counter() - started
        started = time.perf_counter()
        replayed = post_all(factory, numbers)
        replay_s = time.perf_counter() - started
        assert replayed == 0, replayed
        with transaction(factory) as session:
            started = time.perf_counter()
            settled = commission.settle_due(session, NOW)
            settle_s = time.perf_counter() - started

        refund_nos = refund_some(factory, numbers, rng)
        refunded_lines = order_lines(factory, [r.removeprefix("RB") for r in refund_nos])
        started = time.perf_counter()
        adjusted = refund_all(factory, refund_nos)
        refund_s = time.perf_counter() - started
        again = refund_all(factory, refund_nos)
        assert again == 0, again
        with transaction(factory) as session:
            kinds = dict(
                session.execute(
                    select(CommissionEntry.kind, func.count()).group_by(CommissionEntry.kind)
                ).all()
            )
        started = time.perf_counter()
        with transaction(factory) as session:
            found = commission.reconcile_orders(session, numbers)
        reconcile_s = time.perf_counter() - started
        assert found.balanced and found.difference == 0, found.differences[:5]

        naive_factory = make_session_factory(make_engine(f"sqlite:///{copy}"))
        started = time.perf_counter()
        with transaction(naive_factory) as session:
            naive_lines = naive(session, numbers[:baseline])
        naive_s = time.perf_counter() - started
    rate, refund_rate, naive_rate = lines / post_s, refunded_lines / refund_s, naive_lines / naive_s
    print(
        f"post_paid: {orders:,} orders, {lines:,} lines → {written:,} entries in {post_s:.1f} s "
        f"= {rate:,.0f} order lines/s (target ≥ 2,000)"
    )
    print(f"replayed payments: {replay_s:.1f} s, {replayed} entries written")
    print(f"settle_due: {settled:,} entries in {settle_s:.2f} s")
    print(
        f"post_refunds: {len(refund_nos):,} refunds over {refunded_lines:,} lines → {adjusted:,} "
        f"entries ({kinds.get('refunded', 0):,} reductions, {kinds.get('clawed_back', 0):,} "
        f"claw-backs) in {refund_s:.1f} s = {refund_rate:,.0f} order lines/s; replayed: 0 written"
    )
    print(
        f"reconcile_orders: {found.orders:,} orders, {found.lines:,} line-levels, expected "
        f"¥{found.expected} posted ¥{found.posted}, difference ¥{found.difference} "
        f"in {reconcile_s:.1f} s"
    )
    print(
        f"baseline, per-line ORM posting: {naive_lines:,} lines in {naive_s:.1f} s = "
        f"{naive_rate:,.0f} order lines/s; ratio {rate / naive_rate:.1f}x"
    )
    return {"rate": rate, "refund_rate": refund_rate, "naive_rate": naive_rate}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=3000)
    args = parser.parse_args()
    main(args.orders, args.baseline)
