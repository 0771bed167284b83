"""Payments over commerce's own orders: an order placed in commerce is paid by its signed
notification once (the order paid, ``Order Completed`` once, the profile counting one order);
a refund commerce opens is sent by payments with its refund number until WeChat says done,
while the local server refuses the first three attempts, and settled in commerce once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.commerce import service as commerce
from liveloop.payments.contracts import NOTIFY_PATH
from liveloop.payments.orders import CommerceOrders
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from tests.commerce.orders_fixtures import events_named, request, seed
from tests.payments.conftest import install_gateway
from tests.payments.test_notify import auth, post, prepay


def test_a_commerce_order_is_paid_once_by_its_notification_and_shows_on_the_profile(
    client, runtime, local_keys, local_server, provider
):
    install_gateway(runtime, local_keys, local_server, provider, CommerceOrders())
    buyer = seed(runtime, runtime.clock.now())["buyer"]
    with transaction(runtime.sessions) as session:
        placed = commerce.place_order(
            session, request("SO-C1", buyer), at=runtime.clock.now(), source="test"
        )
    assert placed.status == "created"
    order = prepay(client, runtime, "SO-C1")
    assert provider.orders["SO-C1"]["amount"]["total"] == int(placed.total * 100)
    notification = provider.pay(order["prepay_id"])
    assert notification is not None
    for _ in range(3):
        assert post(client, notification.headers, notification.body).status_code == 204
    with transaction(runtime.read_sessions) as session:
        paid = commerce.get_order(session, "SO-C1")
        oneid = session.scalar(select(Customer.oneid).where(Customer.id == buyer))
    assert paid is not None and paid.status == "paid"
    assert paid.transaction_id == provider.orders["SO-C1"]["transaction_id"]
    assert paid.paid_via == "wechatpay"
    assert len(events_named(runtime, "Order Completed")) == 1

    bootstrap.wire(runtime)
    runtime.consumers.run_until_idle(runtime.sessions, runtime.clock)
    profile = client.get(f"/v1/profiles/{oneid}", headers=auth(runtime, "operator")).json()
    assert profile["counters"]["orders"] == 1
    assert Decimal(profile["counters"]["spend"]) == placed.total

    # A paid order asks no second prepay; a forged replay changes nothing either.
    again = client.post(
        "/v1/payments/wechatpay/jsapi",
        json={"order_no": "SO-C1", "openid": "oX"},
        headers=auth(runtime),
    )
    assert again.status_code == 409
    forged = {**notification.headers, "Wechatpay-Signature": "AAAA"}
    assert client.post(NOTIFY_PATH, content=notification.body, headers=forged).status_code == 401
    assert len(events_named(runtime, "Order Completed")) == 1


def test_a_commerce_refund_is_retried_with_one_refund_number_until_wechat_says_done(
    client, runtime, local_keys, local_server, provider, clock
):
    install_gateway(runtime, local_keys, local_server, provider, CommerceOrders())
    bootstrap.wire(runtime)
    buyer = seed(runtime, clock.now())["buyer"]
    with transaction(runtime.sessions) as session:
        commerce.place_order(session, request("SO-C2", buyer), at=clock.now(), source="test")
    notification = provider.pay(prepay(client, runtime, "SO-C2")["prepay_id"])
    assert notification is not None
    assert post(client, notification.headers, notification.body).status_code == 204

    provider.refuse_refunds = 3
    with transaction(runtime.sessions) as session:
        commerce.refund_order_part(
            session,
            "SO-C2",
            refund_no="SO-C2-R1",
            amount=Decimal("20.00"),
            reason="拼团差价",
            at=clock.now(),
            source="test",
        )
    for _ in range(8):
        runtime.consumers.run_until_idle(runtime.sessions, clock)
        runtime.outbox.drain_until_idle(runtime.sessions, clock)
        clock.advance(minutes=2)
    assert provider.refund_requests == ["SO-C2-R1"] * 4
    assert len(provider.refunds) == 1
    with transaction(runtime.read_sessions) as session:
        order = commerce.get_order(session, "SO-C2")
    assert order is not None
    assert [(r.refund_no, r.status) for r in order.refunds] == [("SO-C2-R1", "succeeded")]
    shown = client.get("/v1/payments/SO-C2", headers=auth(runtime, "operator")).json()
    assert [(r["state"], r["attempts"]) for r in shown["refunds"]] == [("succeeded", 4)]


def test_money_collected_for_an_order_another_transaction_paid_goes_back_in_full(
    client, runtime, local_keys, local_server, provider, clock
):
    # The buyer opened WeChat Pay, then paid the order at the counter; WeChat collects too.
    install_gateway(runtime, local_keys, local_server, provider, CommerceOrders())
    bootstrap.wire(runtime)
    buyer = seed(runtime, clock.now())["buyer"]
    with transaction(runtime.sessions) as session:
        placed = commerce.place_order(session, request("SO-C3", buyer), at=clock.now(), source="t")
    order = prepay(client, runtime, "SO-C3")
    with transaction(runtime.sessions) as session:
        commerce.pay_order(
            session,
            "SO-C3",
            amount=placed.total,
            transaction_id="POS-88",
            paid_at=clock.now(),
            source="门店收银",
        )
    notification = provider.pay(order["prepay_id"])
    assert notification is not None
    for _ in range(2):  # answered as done (WeChat stops sending), replayed harmlessly
        assert post(client, notification.headers, notification.body).status_code == 204
    for _ in range(3):
        runtime.consumers.run_until_idle(runtime.sessions, clock)
        runtime.outbox.drain_until_idle(runtime.sessions, clock)
        clock.advance(minutes=2)
    assert provider.refund_requests == ["DUP-wx-SO-C3"]
    with transaction(runtime.read_sessions) as session:
        kept = commerce.get_order(session, "SO-C3")
    assert kept is not None and (kept.status, kept.transaction_id) == ("paid", "POS-88")
    assert kept.refunds == ()  # the order's own money is untouched
    assert len(events_named(runtime, "Order Completed")) == 1
    shown = client.get("/v1/payments/SO-C3", headers=auth(runtime, "operator")).json()
    assert shown["state"] == "duplicate"
    assert [(r["amount"], r["state"]) for r in shown["refunds"]] == [
        (str(placed.total), "succeeded")
    ]
