"""Routing decisions per second: the pure core over a stock snapshot against a same-run naive
baseline that asks the store, per decision, for every warehouse's stock of every line (one
query per warehouse per SKU, as a router without a snapshot would).

Both decide the same orders (1–4 lines of the demo catalog, ambient/chilled/frozen, random
addresses across China) over the demo's three warehouses plus nine more (12 in all), and the
bench checks that both give the same plans.

``python -m bench.inventory_routing [--decisions 20000] [--naive 500]``
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from liveloop import schema
from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import Zone
from liveloop.inventory.models import StockLot, Warehouse
from liveloop.sim.catalog import CATALOG
from liveloop.store.engine import make_engine, make_session_factory, transaction

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
CITIES = [
    ("SH", "华东仓", 31.2304, 121.4737, "afc"),
    ("GZ", "华南仓", 23.1291, 113.2644, "ac"),
    ("BJ", "华北仓", 39.9042, 116.4074, "a"),
    ("CD", "西南仓", 30.5728, 104.0668, "ac"),
    ("WH", "华中仓", 30.5928, 114.3055, "acf"),
    ("XA", "西北仓", 34.3416, 108.9398, "a"),
    ("SY", "东北仓", 41.8057, 123.4315, "af"),
    ("HZ", "杭州仓", 30.2741, 120.1551, "ac"),
    ("JN", "济南仓", 36.6512, 117.1201, "a"),
    ("KM", "昆明仓", 25.0389, 102.7183, "a"),
    ("FZ", "福州仓", 26.0745, 119.2965, "ac"),
    ("TJ", "天津仓", 39.3434, 117.3616, "acf"),
]
ZONES = {"a": Zone.AMBIENT, "c": Zone.CHILLED, "f": Zone.FROZEN}


def cold_of(sku) -> Zone:
    return (
        Zone.FROZEN
        if sku.sku in {"BEEF-BRISKET", "PORK-BELLY"}
        else (Zone.CHILLED if sku.cold_chain else Zone.AMBIENT)
    )


def plant(factory, rng: random.Random) -> None:
    with transaction(factory) as session:
        for code, name, lat, lon, zones in CITIES:
            inventory.put_warehouse(
                session,
                inventory.WarehouseSpec(
                    code,
                    name,
                    "省",
                    name,
                    Decimal(str(lat)),
                    Decimal(str(lon)),
                    tuple(ZONES[z] for z in zones),
                ),
                at=NOW,
            )
        for code, _, _, _, zones in CITIES:
            for sku in CATALOG:
                zone = cold_of(sku)
                if zone.value[0] not in zones or rng.random() < 0.3:
                    continue
                inventory.receive(
                    session,
                    inventory.ReceiptLine(
                        f"B-{code}-{sku.sku}",
                        code,
                        sku.sku,
                        "L1",
                        zone,
                        date(2026, 12, 1),
                        date(2026, 12, 1) + timedelta(days=sku.shelf_life_days),
                        rng.randint(1, 12),
                    ),
                    at=NOW,
                    by="bench",
                    source="bench",
                )


def orders(rng: random.Random, n: int):
    for _ in range(n):
        skus = rng.sample(CATALOG, rng.randint(1, 4))
        lines = [inventory.RouteLine(s.sku, rng.randint(1, 4), cold_of(s), s.name) for s in skus]
        to = inventory.Destination(rng.uniform(21, 42), rng.uniform(102, 124))
        yield lines, to


def naive(session, lines, to):
    """The baseline: every decision reads each warehouse, then each SKU's stock there."""
    depots = []
    for w in session.scalars(select(Warehouse).where(Warehouse.active.is_(True))):
        available = {}
        for line in lines:
            available[line.sku] = int(
                session.scalar(
                    select(func.coalesce(func.sum(StockLot.on_hand - StockLot.reserved), 0)).where(
                        StockLot.warehouse_id == w.id,
                        StockLot.sku == line.sku,
                        StockLot.expires_on >= NOW.date(),
                    )
                )
            )
        hh, mm = w.cutoff.split(":")
        from datetime import time as time_of

        depots.append(
            inventory.Depot(
                w.code,
                w.name,
                float(w.lat),
                float(w.lon),
                frozenset(Zone(z) for z in w.zones),
                time_of(int(hh), int(mm)),
                available,
            )
        )
    depots.sort(key=lambda d: d.code)
    return inventory.route(lines, to, depots, NOW, tz=TZ)


def main(decisions: int = 20000, naive_decisions: int = 500) -> dict[str, float]:
    rng = random.Random(15)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        schema.upgrade(engine)
        factory = make_session_factory(engine)
        plant(factory, rng)
        work = list(orders(rng, decisions))
        with transaction(factory) as session:
            snapshot = sorted(
                inventory.depots(session, [s.sku for s in CATALOG], on=NOW), key=lambda d: d.code
            )
            router = inventory.Router(snapshot, tz=TZ)
            began = time.perf_counter()
            plans = [router.route(lines, to, NOW) for lines, to in work]
            core_s = time.perf_counter() - began
            began = time.perf_counter()
            baseline = [naive(session, lines, to) for lines, to in work[:naive_decisions]]
            naive_s = time.perf_counter() - began
        engine.dispose()
    same = all(
        [s.warehouse for s in a.shipments] == [s.warehouse for s in b.shipments]
        for a, b in zip(plans, baseline, strict=False)
    )
    split = sum(p.split for p in plans) / len(plans)
    result = {
        "decisions": decisions,
        "core_per_s": round(decisions / core_s),
        "naive_per_s": round(naive_decisions / naive_s),
        "ratio": round((decisions / core_s) / (naive_decisions / naive_s), 1),
        "split_share": round(split, 3),
        "same_plans": same,
    }
    print(result, flush=True)
    if not same:
        raise SystemExit("the core and the baseline disagree")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=20000)
    parser.add_argument("--naive", type=int, default=500)
    args = parser.parse_args()
    main(args.decisions, args.naive)
