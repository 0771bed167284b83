"""The last 100 units of a SKU raced for by 500 concurrent buyers, each placing an order through
``commerce.place_order`` in its own thread, connection and transaction (the reservation is the
guarded UPDATE on the lot inside it): exactly 100 may be sold, on PostgreSQL and on SQLite.

The 100 units sit in two lots of two warehouses (40 expiring sooner, 60 later). Checked after
each run, in the store: 100 orders and 400 refusals (库存不足), no crash, both lots fully
reserved, and every lot's on hand and reserved equal to the sum of its moves.

``python -m bench.inventory_last_units [--buyers 500] [--units 100] [--connections 40]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import create_engine, func, select, text

from liveloop import schema
from liveloop.commerce import service as commerce
from liveloop.commerce.models import Order
from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import OutOfStock, Zone
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.store.engine import make_engine, make_session_factory, transaction

PG_URL = os.environ.get("LIVELOOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SKU = "RICE-JING-5KG"
NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)


def race(factory, buyers: int, units: int) -> dict[str, object]:
    with transaction(factory) as session:
        commerce.upsert_product(
            session,
            commerce.ProductSpec(SKU, "五常大米 5kg", "大米杂粮", Decimal("89.90"), 365),
            NOW,
        )
        for code, lat, lon in (("SH", "31.23", "121.47"), ("BJ", "39.90", "116.41")):
            inventory.put_warehouse(
                session,
                inventory.WarehouseSpec(
                    code, code, "省", "市", Decimal(lat), Decimal(lon), (Zone.AMBIENT,)
                ),
                at=NOW,
            )
        for code, lot, qty, expires in (
            ("SH", "L-SOON", units * 2 // 5, date(2027, 9, 1)),
            ("BJ", "L-LATE", units - units * 2 // 5, date(2027, 11, 1)),
        ):
            inventory.receive(
                session,
                inventory.ReceiptLine(
                    f"RK-{lot}", code, SKU, lot, Zone.AMBIENT, date(2026, 11, 1), expires, qty
                ),
                at=NOW,
                by="bench",
                source="bench",
            )
        people = [
            create_customer(session, NewCustomer(name=f"抢购{n}"), NOW, "bench")
            for n in range(buyers)
        ]
    start = threading.Barrier(buyers)
    sold, short, crashed = [], [], []
    lock = threading.Lock()

    def buy(n: int) -> None:
        start.wait()
        request = commerce.OrderRequest(
            f"LU-{n:04d}", people[n], (commerce.OrderLine(SKU, 1),), "mini_program"
        )
        try:
            with transaction(factory) as session:
                commerce.place_order(session, request, at=NOW, source="bench")
            outcome = sold
        except OutOfStock:
            outcome = short
        except Exception as exc:  # counted, never hidden
            with lock:
                crashed.append(f"{type(exc).__name__}: {exc}"[:200])
            return
        with lock:
            outcome.append(n)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(buyers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    with transaction(factory) as session:
        orders = session.scalar(select(func.count(Order.id)))
        lots = inventory.list_lots(session, sku=SKU, with_empty=True)
        off = inventory.reconcile(session)
    checks = {
        f"exactly {units} sold": len(sold) == units and orders == units,
        "every other refused": len(short) == buyers - units,
        "no crash": not crashed,
        "lots fully reserved": all(lot.reserved == lot.on_hand for lot in lots),
        "moves reconcile": off == [],
    }
    return {
        "buyers": buyers,
        "sold": len(sold),
        "refused": len(short),
        "crashed": crashed[:3],
        "seconds": round(seconds, 2),
        "orders_per_s": round(buyers / seconds, 1),
        "ok": all(checks.values()),
        "failed_checks": [k for k, v in checks.items() if not v],
    }


def on_postgres(buyers: int, units: int, connections: int) -> dict[str, object]:
    name = f"liveloop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(
        PG_URL.rsplit("/", 1)[0] + f"/{name}",
        pool_size=connections,
        max_overflow=0,
        pool_timeout=300,
    )
    try:
        schema.upgrade(engine)
        return race(make_session_factory(engine), buyers, units)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_sqlite(buyers: int, units: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        try:
            schema.upgrade(engine)
            return race(make_session_factory(engine), buyers, units)
        finally:
            engine.dispose()


def main(buyers: int = 500, units: int = 100, connections: int = 40) -> None:
    results = {
        "postgresql": on_postgres(buyers, units, connections),
        "sqlite": on_sqlite(buyers, units),
    }
    for store, result in results.items():
        print(store, result, flush=True)
    if not all(r["ok"] for r in results.values()):
        raise SystemExit(f"not exactly {units} sold")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--connections", type=int, default=40)
    args = parser.parse_args()
    main(args.buyers, args.units, args.connections)
