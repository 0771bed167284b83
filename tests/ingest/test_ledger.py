"""A source marked as an order ledger: its Segment e-commerce Order Completed / Order Refunded
become orders and refunds on the right person, once each; what cannot become an order is kept
in the log and its reason recorded, and the consumer goes on."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.commerce import service as commerce
from liveloop.commerce.models import Order
from liveloop.ingest.service import ledger_refusals, refusal_counts, set_order_ledger
from liveloop.profiles.models import ProfileCounters
from liveloop.store.consumers import failures
from liveloop.store.engine import transaction
from tests.ingest.conftest import basic, make_source


def shop(runtime, *, ledger=True):
    with transaction(runtime.sessions) as session:
        for sku, price in (("RICE-XIAN-5KG", "69.90"), ("MILK-1L", "19.90")):
            commerce.upsert_product(
                session,
                commerce.ProductSpec(sku, sku, "大米杂粮", Decimal(price), 365),
                runtime.clock.now(),
            )
    source = make_source(runtime, "有赞商城", kind="server", order_ledger=ledger)
    return basic(source.write_key)


def send(client, auth, body):
    answer = client.post("/v1/track", json=body, headers=auth)
    assert answer.status_code == 200, answer.text


def drain(runtime):
    bootstrap.wire(runtime)
    runtime.consumers.run_until_idle(runtime.sessions, runtime.clock)


def completed(order_id, products, **extra):
    return {
        "userId": "M1",
        "event": "Order Completed",
        "properties": {"order_id": order_id, "products": products, **extra},
    }


def orders(runtime):
    with transaction(runtime.read_sessions) as session:
        return {
            o.order_no: (o.status, o.total, o.discount, len(o.items), o.customer_id)
            for o in session.scalars(select(Order))
        }


def test_order_completed_from_a_ledger_source_becomes_one_order(store_client, store_runtime):
    auth = shop(store_runtime)
    store_client.post(
        "/v1/identify", json={"userId": "M1", "traits": {"phone": "13800138000"}}, headers=auth
    )
    body = completed(
        "YZ-1001",
        [{"sku": "RICE-XIAN-5KG", "quantity": 2, "price": 65}, {"product_id": "MILK-1L"}],
        discount="10",
        revenue=139.7,
        coupon="YZ-NEW",
    )
    send(store_client, auth, body)
    send(store_client, auth, body)  # re-sent with a new messageId: still one order
    drain(store_runtime)

    found = orders(store_runtime)
    assert list(found) == ["YZ-1001"]
    status, total, discount, lines, person = found["YZ-1001"]
    assert (status, total, discount, lines) == ("paid", Decimal("139.90"), Decimal("10.00"), 2)
    with transaction(store_runtime.read_sessions) as session:
        # Counted once on the profile: commerce's own Order Completed, not the source's.
        assert session.get(ProfileCounters, person).orders == 1
        order = session.scalar(select(Order).where(Order.order_no == "YZ-1001"))
        assert order.attributes["reported_coupon"] == "YZ-NEW"
        assert failures(session) == [] and ledger_refusals(session) == []


def test_order_refunded_refunds_the_order_once(client, runtime):
    auth = shop(runtime)
    send(client, auth, completed("YZ-2", [{"sku": "MILK-1L", "quantity": 1}]))
    refund = {"userId": "M1", "event": "Order Refunded", "properties": {"order_id": "YZ-2"}}
    runtime.clock.advance(minutes=5)
    send(client, auth, {**refund, "timestamp": runtime.clock.now().isoformat()})
    send(client, auth, {**refund, "timestamp": runtime.clock.now().isoformat()})
    drain(runtime)

    assert orders(runtime)["YZ-2"][0] == "refunded"
    with transaction(runtime.read_sessions) as session:
        person = orders(runtime)["YZ-2"][4]
        assert session.get(ProfileCounters, person).refunds == 1
        assert ledger_refusals(session) == []


def test_what_cannot_become_an_order_is_kept_with_its_reason_and_the_rest_goes_on(
    store_client, store_runtime
):
    auth = shop(store_runtime)
    send(store_client, auth, completed("YZ-9", [{"sku": "CAVIAR-50G", "quantity": 1}]))
    send(store_client, auth, completed("YZ-10", [{"sku": "MILK-1L", "quantity": "lots"}]))
    send(
        store_client,
        auth,
        {"userId": "M1", "event": "Order Refunded", "properties": {"order_id": "NEVER-SEEN"}},
    )
    send(store_client, auth, completed("YZ-11", [{"sku": "MILK-1L"}]))
    send(
        store_client,
        auth,
        {
            "userId": "M1",
            "event": "Order Refunded",
            "properties": {"order_id": "YZ-11", "total": "500.00"},
        },
    )
    drain(store_runtime)

    assert list(orders(store_runtime)) == ["YZ-11"]
    assert orders(store_runtime)["YZ-11"][0] == "paid"
    with transaction(store_runtime.read_sessions) as session:
        refused = {r.order_no: r.reason for r in ledger_refusals(session)}
        assert failures(session) == []
        assert refusal_counts(session) == {"有赞商城": 4}
    assert "CAVIAR-50G" in refused["YZ-9"] and "数量" in refused["YZ-10"]
    assert "NEVER-SEEN" in refused and "YZ-11" in refused
    # The events themselves stay in the log.
    drain(store_runtime)
    with transaction(store_runtime.read_sessions) as session:
        assert len(ledger_refusals(session)) == 4


def test_only_a_source_marked_as_a_ledger_makes_orders(client, runtime):
    auth = shop(runtime, ledger=False)
    send(client, auth, completed("YZ-5", [{"sku": "MILK-1L"}]))
    drain(runtime)
    assert orders(runtime) == {}

    with transaction(runtime.sessions) as session:
        assert set_order_ledger(session, "有赞商城", True).order_ledger is True
    send(client, auth, completed("YZ-6", [{"sku": "MILK-1L"}]))
    drain(runtime)
    assert list(orders(runtime)) == ["YZ-6"]


def test_the_api_switches_a_source_to_a_ledger_and_lists_its_refusals(client, runtime):
    from tests.commerce.test_coupons_api import auth as api_auth

    write = shop(runtime, ledger=False)
    op = api_auth(runtime, "operator")
    listed = client.get("/v1/sources", headers=op).json()
    assert [(s["name"], s["order_ledger"]) for s in listed] == [("有赞商城", False)]
    on = client.put("/v1/sources/有赞商城/order-ledger", json={"order_ledger": True}, headers=op)
    assert on.status_code == 200 and on.json()["order_ledger"] is True
    assert "write_key" not in on.json()

    send(client, write, completed("YZ-7", [{"sku": "NOPE"}]))
    drain(runtime)
    refused = client.get("/v1/sources/有赞商城/ledger-refusals", headers=op).json()
    assert [(r["order_no"], r["event_name"]) for r in refused] == [("YZ-7", "Order Completed")]

    missing = client.put("/v1/sources/nope/order-ledger", json={"order_ledger": True}, headers=op)
    assert missing.status_code == 404
    guide = api_auth(runtime, "guide")
    assert client.get("/v1/sources", headers=guide).status_code == 403


def test_the_sources_page_switches_a_ledger_and_shows_what_it_refused(client, runtime):
    from tests.console.test_console import _csrf, _user, login

    write = shop(runtime, ledger=False)
    _user(runtime)
    login(client)
    page = client.get("/console/sources")
    assert "设为订单来源" in page.text
    switched = client.post(
        "/console/sources/ledger",
        data={"csrf_token": _csrf(page.text), "name": "有赞商城", "on": "true"},
    )
    assert switched.status_code == 200 and "取消" in switched.text
    send(client, write, completed("YZ-8", [{"sku": "NOPE"}]))
    drain(runtime)
    page = client.get("/console/sources")
    assert "未入账的订单事件" in page.text and "YZ-8" in page.text and "NOPE" in page.text
    assert "未入账 1 条" in page.text


def test_the_cli_marks_a_source_as_a_ledger(cli):
    created = cli("sources", "create", "ERP", "--order-ledger")
    assert created.exit_code == 0, created.output
    assert (
        "Order ledgers (their Order Completed become orders): ERP" in cli("sources", "list").output
    )
    assert cli("sources", "ledger", "ERP", "--off").exit_code == 0
    assert "Order ledgers" not in cli("sources", "list").output
    assert cli("sources", "ledger", "nope").exit_code == 2


def test_a_partial_refund_by_products_or_amount_refunds_only_that_once(store_client, store_runtime):
    auth = shop(store_runtime)
    lines = [{"sku": "RICE-XIAN-5KG", "quantity": 2}, {"sku": "MILK-1L", "quantity": 1}]
    send(store_client, auth, completed("YZ-20", lines))
    part = {
        "userId": "M1",
        "event": "Order Refunded",
        "properties": {
            "order_id": "YZ-20",
            "refund_id": "RF-1",
            "products": [{"sku": "RICE-XIAN-5KG", "quantity": 1}],
        },
    }
    send(store_client, auth, part)
    send(store_client, auth, part)  # re-sent: the same refund number, refunded once
    drain(store_runtime)
    with transaction(store_runtime.read_sessions) as session:
        order = commerce.get_order(session, "YZ-20")
        assert order.status == "paid" and order.refunded_amount == Decimal("69.90")
        assert ledger_refusals(session) == []

    rest = {"userId": "M1", "event": "Order Refunded", "properties": {"order_id": "YZ-20"}}
    send(store_client, auth, rest)
    drain(store_runtime)
    with transaction(store_runtime.read_sessions) as session:
        order = commerce.get_order(session, "YZ-20")
        assert order.status == "refunded" and order.refunded_amount == order.total
