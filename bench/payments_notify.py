"""WeChat Pay v3 notifications end to end: every order paid once however often, in whatever
order and however concurrently its notification arrives.

liveloop: ``uvicorn liveloop.app:create_app`` in its own process (one on the embedded SQLite
store; ``--workers 2`` on PostgreSQL), in-process workers off, no WeChat credentials — so the
notify endpoint verifies with the local provider's keys from the data dir (the platform key,
the APIv3 key), exactly as with WeChat's. Before the clock starts: N orders placed through
commerce (``place_order``), their prepays written as ``payments`` rows (as ``POST
/v1/payments/wechatpay/jsapi`` writes them; the local provider is not asked N times), and each
order's TRANSACTION.SUCCESS notification encrypted (AEAD_AES_256_GCM). Then each notification
is sent 1–16 times (uniform), all sends shuffled, by C concurrent keep-alive senders; a send
is signed (SHA256-with-RSA, the platform key) the first time and again once its signature is
four minutes old, as WeChat re-signs a retry. Every answer must be 204.

Checks after the run: every order paid (commerce's ``orders.paid_at``), every payment paid,
one ``payment_notifications`` row and one ``Order Completed`` per order.

Baseline, in the same run and server: a tenth as many other orders, sent the same way by one
sender (no concurrency: no replay ever races another). On a shared machine the wall-clock
rate follows the load; the run also says how many notifications the app's processes handle
per CPU-second they used (PostgreSQL's own processes not counted).

``python -m bench.payments_notify [--orders N] [--senders C] [--store sqlite|postgresql|both]``
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from bench.ingest_batch import _free_port
from liveloop import bootstrap
from liveloop.clock import SystemClock
from liveloop.commerce import events as commerce_events
from liveloop.commerce import service as commerce
from liveloop.commerce.models import Order
from liveloop.config import Settings
from liveloop.payments.keys import LocalKeys
from liveloop.payments.localpay.provider import LocalWeChatPay, rfc3339
from liveloop.payments.models import Payment, PaymentNotification
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

PG_ADMIN_URL = os.environ.get(
    "LIVELOOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PATH = "/v1/payments/wechatpay/notify"
RESIGN_AFTER = 240  # seconds: well inside WeChat's (and our) 5-minute window
SKU = "RICE-5KG"


@dataclass
class Prepared:
    order_no: str
    body: str
    headers: dict[str, str] | None = None
    signed_at: float = 0.0


def place(url: str, keys_dir: Path, prefix: str, count: int) -> list[str]:
    """``count`` orders placed through commerce, their prepays as payments rows."""
    settings = Settings(database_url=url, run_workers=False, wechatpay_local_dir=keys_dir)
    runtime = bootstrap.open_runtime(settings, SystemClock())
    now = datetime.now(UTC)
    numbers = []
    try:
        with transaction(runtime.sessions) as session:
            commerce.upsert_product(
                session,
                commerce.ProductSpec(SKU, "五常大米 5kg", "粮油", Decimal("59.00"), 365),
                now,
            )
        for start in range(0, count, 500):
            with transaction(runtime.sessions) as session:
                rows = []
                for n in range(start, min(count, start + 500)):
                    order_no = f"{prefix}{n:07d}"
                    buyer = create_customer(session, NewCustomer(name=f"买家{n}"), now, "bench")
                    order = commerce.place_order(
                        session,
                        commerce.OrderRequest(
                            order_no=order_no,
                            customer_id=buyer,
                            lines=(commerce.OrderLine(SKU, 1 + n % 3),),
                            channel="miniprogram",
                        ),
                        at=now,
                        source="bench",
                    )
                    rows.append(
                        {
                            "out_trade_no": order_no,
                            "amount": order.total,
                            "openid": f"o{n:027d}",
                            "description": "五常大米 5kg",
                            "state": "prepaid",
                            "prepay_id": f"wx{uuid.uuid4().hex[:30]}",
                            "created_at": now,
                        }
                    )
                    numbers.append(order_no)
                session.execute(insert(Payment), rows)
    finally:
        runtime.close()
    return numbers


def notifications(url: str, keys: LocalKeys, numbers: list[str]) -> dict[str, Prepared]:
    """Each order's TRANSACTION.SUCCESS notification, encrypted (not yet signed)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        amounts = dict(
            connection.execute(
                select(Payment.out_trade_no, Payment.amount).where(
                    Payment.out_trade_no.in_(numbers)
                )
            ).all()
        )
    engine.dispose()
    provider = LocalWeChatPay(keys)
    now = rfc3339(datetime.now(UTC))
    out = {}
    for order_no in numbers:
        total = int(amounts[order_no] * 100)
        provider.orders[order_no] = {
            "appid": keys.appid,
            "mchid": keys.mchid,
            "out_trade_no": order_no,
            "transaction_id": "42" + uuid.uuid4().hex[:26],
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "success_time": now,
            "payer": {"openid": "o" + order_no},
            "amount": {"total": total, "currency": "CNY"},
            "notification_id": uuid.uuid4().hex,
            "notify_url": PATH,
        }
        out[order_no] = Prepared(order_no, provider.notification(order_no).body)
    return out


def send_all(
    port: int, keys: LocalKeys, prepared: dict[str, Prepared], senders: int, seed: int
) -> tuple[int, float]:
    """Every notification 1–16 times, shuffled, by ``senders`` threads; (sends, seconds)."""
    rng = random.Random(seed)
    sends = [no for no in prepared for _ in range(rng.randint(1, 16))]
    rng.shuffle(sends)
    provider = LocalWeChatPay(keys, now=lambda: datetime.now(UTC))
    pending = iter(sends)
    lock = threading.Lock()
    failures: list[str] = []

    def sender() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                order_no = next(pending, None)
            if order_no is None:
                break
            note = prepared[order_no]
            if note.headers is None or time.time() - note.signed_at > RESIGN_AFTER:
                note.headers = provider.sign_notification(note.body)
                note.signed_at = time.time()
            conn.request("POST", PATH, note.body.encode(), note.headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 204:
                failures.append(f"{response.status} {answer[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} notifications failed, e.g. {failures[0]}")
    return len(sends), elapsed


def start_server(url: str, keys_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LIVELOOP_DATABASE_URL": url,
        "LIVELOOP_RUN_WORKERS": "false",
        "LIVELOOP_MODE": "dev",
        "LIVELOOP_WECHATPAY_LOCAL_DIR": str(keys_dir),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "liveloop.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    command += ["--log-level", "warning", "--workers", str(workers)]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (uvicorn's workers) so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        pending += [int(child) for child in children]
    return total


def check(url: str, count: int) -> None:
    engine = create_engine(url)
    with engine.connect() as connection:
        paid = connection.scalar(
            select(func.count()).select_from(Order).where(Order.paid_at.is_not(None))
        )
        payments = connection.scalar(
            select(func.count()).select_from(Payment).where(Payment.state == "paid")
        )
        noted = connection.scalar(select(func.count()).select_from(PaymentNotification))
        completed = connection.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.name == commerce_events.ORDER_COMPLETED)
        )
    engine.dispose()
    if not paid == payments == noted == completed == count:
        raise RuntimeError(
            f"{count} orders: {paid} paid, {payments} payments paid, {noted} notifications, "
            f"{completed} Order Completed"
        )


def run(store: str, orders: int, senders: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        keys_dir = Path(tmp) / "wechatpay"
        keys = LocalKeys.load_or_create(keys_dir)
        admin = None
        if store == "postgresql":
            name = f"liveloop_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        else:
            url = f"sqlite:///{Path(tmp) / 'liveloop.db'}"
        try:
            baseline_n = max(1, orders // 10)
            main_orders = notifications(url, keys, place(url, keys_dir, "SO", orders))
            base_orders = notifications(url, keys, place(url, keys_dir, "SB", baseline_n))
            port = _free_port()
            server = start_server(url, keys_dir, port, 2 if store == "postgresql" else 1)
            try:
                cpu_before = cpu_seconds(server.pid)
                sent, seconds = send_all(port, keys, main_orders, senders, seed=1)
                cpu = cpu_seconds(server.pid) - cpu_before
                base_sent, base_seconds = send_all(port, keys, base_orders, 1, seed=2)
            finally:
                server.terminate()
                server.wait(30)
            check(url, orders + baseline_n)
        finally:
            if admin is not None:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    result = {
        "orders": orders,
        "notifications": sent,
        "notifications_per_s": sent / seconds,
        "one_sender_per_s": base_sent / base_seconds,
        "per_server_cpu_s": sent / cpu if cpu > 0 else 0.0,
        "load": os.getloadavg()[0],
    }
    result["ratio"] = result["notifications_per_s"] / result["one_sender_per_s"]
    workers = "2 workers" if store == "postgresql" else "1 worker"
    print(
        f"payments notify ({store}, {workers}): {orders:,} orders, {sent:,} notifications "
        f"(1-16 each, {senders} senders) at {result['notifications_per_s']:,.0f}/s, every "
        f"order paid once; one sender {result['one_sender_per_s']:,.0f}/s; "
        f"ratio {result['ratio']:.2f}; {result['per_server_cpu_s']:,.0f} per CPU-second of "
        f"the app's processes; load {result['load']:.1f}"
    )
    return result


def main(orders: int = 100_000, senders: int = 8, store: str = "both") -> list[dict[str, float]]:
    stores = ("sqlite", "postgresql") if store == "both" else (store,)
    return [run(each, orders, senders) for each in stores]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    main(args.orders, args.senders, args.store)
