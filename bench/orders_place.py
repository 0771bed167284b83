"""Orders placed through ``POST /v1/orders``, against the order import in the same run.

liveloop: ``uvicorn liveloop.app:create_app`` in its own process on a temporary SQLite store
(in-process workers off, access log off), a catalog of 40 SKUs, an integrator's API key;
several concurrent keep-alive clients each place orders of 1–3 lines priced from the catalog,
half of them with the buyer's own ¥10-off coupon (满20), the buyer named by phone — four in
five already known, one in five new (OneID creates them, as an import does). A 201 means the
order is committed, priced, its coupon redeemed, ``Order Placed`` (and ``Coupon Applied``)
logged; the run checks every order, coupon and points spend is in the store.

and a quarter spending 200 points (¥2.00, ``loyalty.spend_points`` in the placing transaction).

The floor, in the same run and server: ``GET /v1/health`` (no store, no key) by the same
clients, as many requests as orders — what this machine's HTTP stack does with no work at all.

Baseline, in the same run and store: the same number of orders (same lines, same buyers, no
coupons or points — the import takes neither) through ``liveloop import orders``
(``ingest.import_orders``: a CSV, 500 orders a transaction, in-process — no HTTP).

``python -m bench.orders_place [--orders N] [--clients C]``
"""

from __future__ import annotations

import argparse
import csv
import http.client
import os
import random
import sqlite3
import tempfile
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from bench.ingest_batch import _free_port, start_server
from liveloop import bootstrap
from liveloop.access.service import create_api_key
from liveloop.clock import SystemClock
from liveloop.commerce import service as commerce
from liveloop.commerce.models import CouponKind
from liveloop.config import Settings
from liveloop.identity.contracts import IdentityType
from liveloop.identity.service import create_customer_with_identities
from liveloop.ingest.service import import_orders
from liveloop.loyalty import service as loyalty
from liveloop.profiles.service import NewCustomer
from liveloop.store.engine import transaction

SKUS = 40
KNOWN_SHARE = 0.8
POINTS = 200


def phone(i: int) -> str:
    return f"+86139{i:08d}"


def plan(orders: int, seed: int = 13) -> list[dict[str, Any]]:
    """Each order: its lines, its buyer's number (known buyers first), coupon or not."""
    rng = random.Random(seed)
    known = int(orders * KNOWN_SHARE)
    out = []
    for i in range(orders):
        lines = [
            {"sku": f"SKU-{rng.randrange(SKUS):03d}", "quantity": rng.randint(1, 3)}
            for _ in range(rng.randint(1, 3))
        ]
        buyer = i if i < known else orders + i  # the known ones hold a coupon each
        coupon = i < known and i % 2 == 0
        if coupon:
            lines[0]["quantity"] = 3  # ≥ ¥29.70: over the coupon's 满20
        points = POINTS if i < known and i % 4 == 1 else 0  # a quarter spend ¥2 of points
        out.append({"lines": lines, "buyer": buyer, "coupon": coupon, "points": points})
    rng.shuffle(out)
    return out


def seed_store(url: str, orders: int) -> tuple[str, dict[int, str]]:
    """Catalog, known buyers (each holding one coupon), the integrator's key."""
    runtime = bootstrap.open_runtime(Settings(database_url=url, run_workers=False), SystemClock())
    now = runtime.clock.now()
    coupons: dict[int, str] = {}
    with transaction(runtime.sessions) as session:
        for i in range(SKUS):
            commerce.upsert_product(
                session,
                commerce.ProductSpec(
                    f"SKU-{i:03d}", f"商品{i}", f"类目{i % 5}", Decimal(9 + i) + Decimal("0.90"), 90
                ),
                now,
            )
        commerce.create_template(
            session,
            commerce.TemplateSpec(
                code="BENCH10",
                name="满20减10",
                kind=CouponKind.FIXED,
                amount=Decimal("10"),
                threshold=Decimal("20"),
                valid_days=30,
                per_person_limit=None,
            ),
            now,
        )
        key = create_api_key(session, "bench", "integrator", now)[1]
    known = int(orders * KNOWN_SHARE)
    for start in range(0, known, 1_000):
        with transaction(runtime.sessions) as session:
            for i in range(start, min(known, start + 1_000)):
                person = create_customer_with_identities(
                    session, NewCustomer(), {IdentityType.PHONE: phone(i)}, now, "bench"
                )
                if i % 2 == 0:
                    coupons[i] = commerce.issue_coupon(
                        session, "BENCH10", person, now, idempotency_key=f"b{i}", source="bench"
                    ).code
                elif i % 4 == 1:
                    loyalty.adjust_points(
                        session,
                        customer_id=person,
                        points=POINTS,
                        reason="压测积分",
                        key=f"bench:{i}",
                        at=now,
                        by="bench",
                        tz=runtime.settings.tz,
                    )
    runtime.close()
    return key, coupons


def bodies(planned: list[dict[str, Any]], coupons: dict[int, str]) -> list[bytes]:
    out = []
    for n, order in enumerate(planned):
        body: dict[str, Any] = {
            "order_no": f"H{n:07d}",
            "customer": {"type": "phone", "value": phone(order["buyer"])},
            "lines": order["lines"],
            "channel": "miniapp",
        }
        if order["coupon"]:
            body["coupon_code"] = coupons[order["buyer"]]
        if order["points"]:
            body["points"] = order["points"]
        out.append(orjson.dumps(body))
    return out


def drive(port: int, key: str, payloads: list[bytes], clients: int) -> float:
    failures: list[str] = []
    pending = iter(range(len(payloads)))
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(pending, None)
            if index is None:
                break
            conn.request("POST", "/v1/orders", payloads[index], headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 201:
                failures.append(f"{response.status} {answer[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} orders failed, e.g. {failures[0]}")
    return elapsed


def floor(port: int, requests: int, clients: int) -> float:
    """Requests per second of ``GET /v1/health`` on the same server and clients."""
    pending = iter(range(requests))
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if next(pending, None) is None:
                    break
            conn.request("GET", "/v1/health")
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return requests / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_csv(path: Path, planned: list[dict[str, Any]]) -> None:
    placed_at = datetime.now(UTC).isoformat()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["order_no", "placed_at", "sku", "quantity", "phone", "channel"])
        for n, order in enumerate(planned):
            for line in order["lines"]:
                writer.writerow(
                    [
                        f"I{n:07d}",
                        placed_at,
                        line["sku"],
                        line["quantity"],
                        phone(order["buyer"]),
                        "miniapp",
                    ]
                )


def main(orders: int = 20_000, clients: int = 8) -> dict[str, float]:
    planned = plan(orders)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'liveloop.db'}"
        key, coupons = seed_store(url, orders)
        payloads = bodies(planned, coupons)
        port = _free_port()
        server = start_server(url, port)
        try:
            health_per_s = floor(port, orders, clients)
            cpu_before = cpu_seconds(server.pid)
            api_s = drive(port, key, payloads, clients)
            api_cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            server.terminate()
            server.wait(30)
        csv_path = Path(tmp) / "orders.csv"
        write_csv(csv_path, planned)
        runtime = bootstrap.open_runtime(
            Settings(database_url=url, run_workers=False), SystemClock()
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        report = import_orders(runtime.sessions, csv_path, runtime.clock.now(), runtime.settings.tz)
        import_s = time.perf_counter() - started
        import_cpu = time.process_time() - cpu_started
        runtime.close()
        db = sqlite3.connect(Path(tmp) / "liveloop.db")
        placed = db.execute("SELECT count(*) FROM orders WHERE order_no LIKE 'H%'").fetchone()[0]
        taken = db.execute("SELECT count(*) FROM coupons WHERE status = 'redeemed'")
        redeemed = taken.fetchone()[0]
        spent = db.execute("SELECT count(*) FROM orders WHERE points_used > 0").fetchone()[0]
        db.close()
    want_coupons = sum(order["coupon"] for order in planned)
    want_points = sum(bool(order["points"]) for order in planned)
    if (placed, redeemed, spent, report.imported) != (orders, want_coupons, want_points, orders):
        raise RuntimeError(
            f"{orders} orders sent: {placed} placed, {redeemed}/{want_coupons} coupons, "
            f"{spent}/{want_points} with points, {report.imported} imported"
        )
    result = {
        "orders": orders,
        "api_orders_per_s": orders / api_s,
        "import_orders_per_s": orders / import_s,
    }
    result["ratio"] = result["api_orders_per_s"] / result["import_orders_per_s"]
    result["health_per_s"] = health_per_s
    result["of_floor"] = result["api_orders_per_s"] / health_per_s
    # Orders per second of CPU the server (the importer) used: what one idle core would do,
    # a figure a loaded machine bends less than the wall clock.
    result["api_orders_per_cpu_s"] = orders / api_cpu
    result["import_orders_per_cpu_s"] = orders / import_cpu
    print(
        f"orders: POST /v1/orders {result['api_orders_per_s']:,.0f} orders/s "
        f"({orders:,} orders, {want_coupons:,} with a coupon, {want_points:,} with points, "
        f"{clients} clients); "
        f"import {result['import_orders_per_s']:,.0f} orders/s; api/import {result['ratio']:.2f}; "
        f"floor GET /v1/health {health_per_s:,.0f}/s (orders at {result['of_floor']:.2f} of it); "
        f"per CPU-second: server {result['api_orders_per_cpu_s']:,.0f}, "
        f"import {result['import_orders_per_cpu_s']:,.0f}"
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    main(args.orders, args.clients)
