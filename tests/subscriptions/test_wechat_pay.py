"""Through the real payment path (the local WeChat Pay v3 server): a cycle's order the
customer pays by JSAPI is the cycle renewed, once however often the notification comes;
cancelling refunds the paid cycle not shipped, and a membership's pro-rata refund goes to
WeChat under one refund number, retried while the server refuses, settled once."""

from __future__ import annotations

from decimal import Decimal

from liveloop.commerce import service as commerce
from liveloop.payments.orders import CommerceOrders
from liveloop.store.engine import transaction
from liveloop.subscriptions import events
from liveloop.subscriptions import service as subs
from tests.payments.conftest import install_gateway
from tests.payments.test_notify import post, prepay
from tests.subscriptions.conftest import build_shop
from tests.subscriptions.test_memberships import membership


def drain(shop, rounds: int = 8) -> None:
    for _ in range(rounds):
        shop.run()
        shop.runtime.outbox.drain_until_idle(shop.runtime.sessions, shop.clock)
        shop.clock.advance(minutes=2)


def test_a_cycle_paid_through_wechat_renews_once_and_cancelling_refunds_it(
    client,
    runtime,
    local_keys,
    local_server,
    provider,
):
    shop = build_shop(runtime)
    shop.charger.refusals = 99  # no stored payer: the customer pays the order themselves
    install_gateway(runtime, local_keys, local_server, provider, CommerceOrders())
    sub = shop.subscribe()
    shop.run()  # the cycle's order is placed; the first attempt finds it unpaid
    order_no = f"SUB{sub.id}-1"
    notification = provider.pay(prepay(client, runtime, order_no)["prepay_id"])
    assert notification is not None
    for _ in range(3):
        assert post(client, notification.headers, notification.body).status_code == 204
    shop.run()
    view = shop.subscription(sub.id)
    assert [(c.status, c.order_no) for c in view.cycles] == [("paid", order_no)]
    assert len(shop.events(events.SUBSCRIPTION_RENEWED)) == 1

    provider.refuse_refunds = 2
    with transaction(runtime.sessions) as session:
        cancelled = subs.cancel(session, sub.id, reason="不要了", at=shop.clock.now(), source="t")
    assert cancelled.refunded == Decimal("79.90")
    drain(shop)
    assert provider.refund_requests == [order_no] * 3
    with transaction(runtime.read_sessions) as session:
        order = commerce.get_order(session, order_no)
    assert order is not None and order.status == "cancelled"
    assert [(r.refund_no, r.amount, r.status) for r in order.refunds] == [
        (order_no, Decimal("79.90"), "succeeded")
    ]


def test_a_membership_refund_goes_to_wechat_pro_rata_under_one_number(
    client,
    runtime,
    local_keys,
    local_server,
    provider,
):
    shop = build_shop(runtime)
    install_gateway(runtime, local_keys, local_server, provider, CommerceOrders())
    with transaction(runtime.sessions) as session:
        commerce.place_order(
            session,
            commerce.OrderRequest(
                "SO-M1", shop.customer, (commerce.OrderLine("MEMBER-VINEGAR", 1),), "mini_program"
            ),
            at=shop.clock.now(),
            source="test",
        )
    notification = provider.pay(prepay(client, runtime, "SO-M1")["prepay_id"])
    assert notification is not None
    assert post(client, notification.headers, notification.body).status_code == 204
    shop.run()
    m = membership(shop)
    assert m.deliveries_granted == 4
    with transaction(runtime.sessions) as session:
        subs.use_delivery(session, m.id, address={}, at=shop.clock.now(), source="t")
    provider.refuse_refunds = 3
    with transaction(runtime.sessions) as session:
        subs.refund_membership(session, m.id, reason="退会", at=shop.clock.now(), source="t")
    drain(shop, rounds=10)
    assert provider.refund_requests == ["SO-M1-R1"] * 4
    with transaction(runtime.read_sessions) as session:
        order = commerce.get_order(session, "SO-M1")
    assert order is not None
    assert [(r.refund_no, r.amount, r.status) for r in order.refunds] == [
        ("SO-M1-R1", Decimal("149.25"), "succeeded")
    ]
