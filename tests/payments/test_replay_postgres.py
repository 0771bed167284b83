"""Replays racing each other on PostgreSQL: every notification sent 1–8 times in random order
by concurrent senders (several connections, as several API workers would have) pays each order
exactly once; every answer is WeChat's success."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from starlette.datastructures import Headers

from liveloop import bootstrap
from liveloop.payments import gateway as gateways
from liveloop.payments import service
from liveloop.payments.api import receive_notification
from liveloop.payments.models import Payment, PaymentNotification
from liveloop.store.engine import transaction
from tests.conftest import make_settings
from tests.payments.conftest import install_gateway
from tests.payments.test_notify import OPENID

ORDERS = 40


@pytest.mark.postgres
def test_concurrent_replays_pay_each_order_once_on_postgres(
    postgres_url, clock, local_keys, local_server, provider, book
):
    runtime = bootstrap.open_runtime(make_settings(postgres_url), clock)
    try:
        gateway = install_gateway(runtime, local_keys, local_server, provider, book)
        notifications = []
        for n in range(ORDERS):
            order_no = f"PG{n:03d}"
            book.place(order_no, f"{n + 1}.00")
            order = service.request_jsapi(
                runtime.sessions, runtime.read_sessions, gateway, order_no, OPENID, clock.now()
            )
            notification = provider.pay(order.prepay_id)
            assert notification is not None
            notifications.append(notification)
        rng = random.Random(13)
        sends = [n for n in notifications for _ in range(rng.randint(1, 8))]
        rng.shuffle(sends)

        def send(notification) -> int:
            headers = Headers(headers=notification.headers)
            return receive_notification(runtime, headers, notification.body.encode()).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, sends))
        assert set(statuses) == {204}
        assert sorted(no for no, _, _ in book.payments) == [f"PG{n:03d}" for n in range(ORDERS)]
        with transaction(runtime.read_sessions) as session:
            assert session.scalar(select(func.count()).select_from(PaymentNotification)) == ORDERS
            states = session.scalars(select(Payment.state)).all()
        assert states == ["paid"] * ORDERS
    finally:
        gateways.forget(runtime)
        runtime.close()
