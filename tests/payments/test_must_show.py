"""The issue's must-show, end to end through the APIs: an order placed with ``POST /v1/orders``
and paid by a signed WeChat Pay v3 notification shows on the profile, earns frozen points and
counts in RFM after an analytics run; the same notification replayed, a forged signature, a
stale timestamp and a tampered body each get the documented answer and change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.analytics.service import rfm_groups_of, run_analytics
from liveloop.loyalty import service as loyalty
from liveloop.payments import signatures
from liveloop.payments.keys import new_private_key_pem
from liveloop.payments.orders import CommerceOrders
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from tests.commerce.orders_fixtures import PHONE, events_named, seed
from tests.payments.conftest import install_gateway
from tests.payments.test_notify import auth, post, prepay


def test_an_api_order_paid_by_a_signed_notification_shows_everywhere_once(
    client, runtime, local_keys, local_server, provider, clock
):
    install_gateway(runtime, local_keys, local_server, provider, CommerceOrders())
    bootstrap.wire(runtime)
    buyer = seed(runtime, clock.now())["buyer"]
    placed = client.post(
        "/v1/orders",
        json={
            "order_no": "MS-1",
            "customer": {"type": "phone", "value": PHONE},
            "lines": [{"sku": "RICE-5KG", "quantity": 2}],
            "channel": "miniprogram",
        },
        headers=auth(runtime, "integrator"),
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "created"
    genuine = provider.pay(prepay(client, runtime, "MS-1")["prepay_id"])
    assert genuine is not None

    forger = signatures.load_private(new_private_key_pem())
    forged = {
        **genuine.headers,
        "Wechatpay-Signature": signatures.sign(
            forger,
            genuine.headers["Wechatpay-Timestamp"],
            genuine.headers["Wechatpay-Nonce"],
            genuine.body,
        ),
    }
    stale = provider.sign_notification(
        genuine.body, at=clock.now() - timedelta(minutes=5, seconds=1)
    )
    tampered = genuine.body.replace('"summary": "支付成功"', '"summary": "支付成功!"')
    refusals = [(forged, genuine.body), (stale, genuine.body), (genuine.headers, tampered)]

    def order_state() -> tuple[str, int, int]:
        read = client.get("/v1/orders/MS-1", headers=auth(runtime, "operator")).json()
        runtime.consumers.run_until_idle(runtime.sessions, clock)
        with transaction(runtime.read_sessions) as session:
            member = loyalty.member_of(session, buyer, clock.now())
        assert member is not None
        return read["status"], len(events_named(runtime, "Order Completed")), member.frozen

    for headers, body in refusals:  # before the genuine one: nothing is paid
        answer = post(client, headers, body)
        assert answer.status_code == 401 and answer.json()["code"] == "FAIL"
    assert order_state() == ("created", 0, 0)

    assert post(client, genuine.headers, genuine.body).status_code == 204
    paid = order_state()
    assert paid[:2] == ("paid", 1) and paid[2] > 0  # frozen points earned on the purchase

    for headers, body in [(genuine.headers, genuine.body)] * 3 + refusals:
        answer = post(client, headers, body)
        expected = 204 if body == genuine.body and headers is genuine.headers else 401
        assert answer.status_code == expected
        if expected == 401:
            assert answer.json()["code"] == "FAIL" and answer.json()["message"]
    assert order_state() == paid

    with transaction(runtime.read_sessions) as session:
        oneid = session.scalar(select(Customer.oneid).where(Customer.id == buyer))
    profile = client.get(f"/v1/profiles/{oneid}", headers=auth(runtime, "operator")).json()
    assert profile["counters"]["orders"] == 1
    run_analytics(runtime, kind="full")
    with transaction(runtime.read_sessions) as session:
        assert rfm_groups_of(session, [buyer]).get(buyer)  # counted in RFM
