"""Test helpers shared across packages: build a little brand through the real services."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import uvicorn

from liveloop.app import create_app
from liveloop.commerce.service import OrderLine, ProductSpec, record_order, upsert_product
from liveloop.identity.contracts import IdentityType
from liveloop.identity.service import create_customer_with_identities
from liveloop.live.service import close_live, schedule_live
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction


def seed_small_brand(runtime: Runtime, now: datetime) -> dict[str, object]:
    """Two customers, three orders (one 40 days old), one live held. Returns what was planted."""
    with transaction(runtime.sessions) as session:
        upsert_product(
            session,
            ProductSpec("SOY-500", "零添加酱油 500ml", "调味品", Decimal("19.90"), 540),
            now,
        )
        upsert_product(
            session,
            ProductSpec("MILK-WEEK-7", "鲜牛奶周卡 7瓶", "乳品", Decimal("49.90"), 7, True),
            now,
        )
        zhang = create_customer_with_identities(
            session,
            NewCustomer(name="张秀英", province="广东省"),
            {IdentityType.PHONE: "+8613800138000"},
            now,
            "test",
        )
        li = create_customer(session, NewCustomer(name="李静"), now, "test")
        record_order(
            session,
            order_no="SO1",
            customer_id=zhang,
            lines=[OrderLine("SOY-500", 2)],
            placed_at=now - timedelta(days=1),
            channel="live",
            source="test",
        )
        record_order(
            session,
            order_no="SO2",
            customer_id=li,
            lines=[OrderLine("MILK-WEEK-7", 1)],
            placed_at=now - timedelta(days=3),
            channel="wecom",
            source="test",
        )
        record_order(
            session,
            order_no="SO-OLD",
            customer_id=li,
            lines=[OrderLine("MILK-WEEK-7", 1)],
            placed_at=now - timedelta(days=40),
            channel="wecom",
            source="test",
        )
        live = schedule_live(
            session,
            room="main",
            title="主食健康课",
            host="小禾",
            scheduled_at=now - timedelta(days=2),
        )
        close_live(
            session,
            live,
            started_at=now - timedelta(days=2),
            ended_at=now - timedelta(days=2, minutes=-90),
            peak_viewers=300,
        )
    return {"customers": 2, "orders_30d": 2, "gmv_30d": Decimal("89.70"), "lives": 1}


@contextmanager
def running_server(runtime: Runtime) -> Iterator[str]:
    """The real app on a free local port, served by uvicorn in a thread; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(runtime=runtime), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
