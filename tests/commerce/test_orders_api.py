"""The orders API as an integrator's shop and an operator's tools use it: placed by any
identifier, moved by its endpoints, every refusal a 4xx with a Chinese reason, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveloop.access.service import create_api_key
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from tests.commerce.orders_fixtures import PHONE, seed


def auth(runtime, role: str) -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"{role}-key", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


ADDRESS = {
    "name": "张秀英",
    "phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "detail": "体育西路 1 号",
}


def body(no: str = "W1", **kw) -> dict:
    return {
        "order_no": no,
        "customer": {"type": "phone", "value": PHONE},
        "lines": [{"sku": "RICE-5KG", "quantity": 1}, {"sku": "SOY-500", "quantity": 2}],
        "channel": "miniapp",
        "address": ADDRESS,
    } | kw


@pytest.fixture
def shop(client, runtime):
    seeded = seed(runtime, runtime.clock.now())
    return client, seeded, auth(runtime, "integrator")


def test_an_order_is_placed_paid_shipped_delivered_and_confirmed_over_http(shop):
    http, seeded, key = shop
    placed = http.post("/v1/orders", json=body(coupon_code=seeded["coupons"][0]), headers=key)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["status"], order["status_label"]) == ("created", "待付款")
    assert order["refunded_amount"] == "0.00" and order["lines"][0]["refunded_amount"] == "0.00"
    assert (order["subtotal"], order["coupon_discount"], order["total"]) == (
        "99.70",
        "10.00",
        "89.70",
    )
    # The address is kept whole; each role reads it as access lets it see personal data.
    assert order["address"]["detail"] == "***" and order["address"]["city"] == "广州市"
    whole = http.get("/v1/orders/W1", headers=auth(http.app.state.runtime, "operator")).json()
    assert whole["address"] == ADDRESS
    again = http.post("/v1/orders", json=body(coupon_code=seeded["coupons"][0]), headers=key)
    assert again.status_code == 200 and again.json()["created"] is False
    pay = {"amount": "89.70", "transaction_id": "42000001"}
    paid = http.post("/v1/orders/W1/pay", json=pay, headers=key)
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    assert http.post("/v1/orders/W1/pay", json=pay, headers=key).json()["changed"] is False
    shipped = http.post(
        "/v1/orders/W1/ship", json={"carrier": "顺丰", "tracking_no": "SF100"}, headers=key
    )
    assert shipped.json()["status_label"] == "已发货"
    assert http.post("/v1/orders/W1/deliver", headers=key).json()["status"] == "delivered"
    done = http.post("/v1/orders/W1/confirm", headers=key).json()
    assert (done["status"], done["status_label"]) == ("completed", "已完成")
    read = http.get("/v1/orders/W1", headers=auth(http.app.state.runtime, "analyst"))
    assert read.status_code == 200
    masked = read.json()["address"]
    assert masked["phone"] != ADDRESS["phone"] and masked["detail"] == "***"
    assert masked["name"] == "张**"


def test_an_unknown_buyer_is_created_as_an_import_would_and_a_oneid_must_exist(shop, runtime):
    http, _, key = shop
    with transaction(runtime.sessions) as session:
        before = session.scalar(select(func.count(Customer.id)))
    fresh = body("W2", customer={"type": "unionid", "value": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"})
    assert http.post("/v1/orders", json=fresh, headers=key).status_code == 201
    with transaction(runtime.sessions) as session:
        assert session.scalar(select(func.count(Customer.id))) == before + 1
        oneid = session.scalar(select(Customer.oneid).order_by(Customer.id.desc()).limit(1))
    by_oneid = body("W3", customer={"type": "oneid", "value": oneid})
    placed = http.post("/v1/orders", json=by_oneid, headers=key)
    assert placed.status_code == 201 and placed.json()["customer"] == oneid
    listed = http.get("/v1/orders", params={"customer": oneid}, headers=key).json()
    assert [o["order_no"] for o in listed["rows"]] == ["W3", "W2"]
    nobody = body("W4", customer={"type": "oneid", "value": "NOSUCHONEID"})
    assert http.post("/v1/orders", json=nobody, headers=key).status_code == 404


def test_refunds_over_http_by_amount_and_by_lines(shop):
    http, _, key = shop
    http.post("/v1/orders", json=body(), headers=key)
    http.post("/v1/orders/W1/pay", json={"amount": "99.70", "transaction_id": "T1"}, headers=key)
    lines = {"refund_no": "R1", "lines": [{"sku": "SOY-500", "quantity": 1}], "reason": "漏液"}
    first = http.post("/v1/orders/W1/refund", json=lines, headers=key)
    assert first.status_code == 201, first.text
    assert first.json()["amount"] == "19.90" and first.json()["status"] == "requested"
    assert http.post("/v1/orders/W1/refund", json=lines, headers=key).status_code == 200
    order = http.get("/v1/orders/W1", headers=key).json()
    assert order["refunded_amount"] == "19.90" and order["status_label"] == "已付款·部分退款"
    too_much = {"refund_no": "R2", "amount": "79.81", "reason": "x"}
    refused = http.post("/v1/orders/W1/refund", json=too_much, headers=key)
    assert refused.status_code == 409 and "超过可退金额" in refused.json()["reason"]
    rest = {"refund_no": "R3", "amount": "79.80", "reason": "整单退"}
    assert http.post("/v1/orders/W1/refund", json=rest, headers=key).json()["fully_refunded"]
    assert http.get("/v1/orders/W1", headers=key).json()["status_label"] == "已退款"


@pytest.mark.parametrize(
    ("path", "payload", "status", "reason"),
    [
        ("/v1/orders", body("W9", lines=[]), 422, None),
        ("/v1/orders", body("W9", lines=[{"sku": "NOPE", "quantity": 1}]), 422, "没有这个商品"),
        ("/v1/orders", body("W9", lines=[{"sku": "SOY-500", "quantity": 0}]), 422, None),
        ("/v1/orders", body("W9", points=100), 409, "积分不足"),
        ("/v1/orders", body("W9", customer={"type": "phone", "value": "12"}), 422, "客户标识无效"),
        ("/v1/orders", body("W9", customer={"type": "qq", "value": "12345"}), 422, None),
        ("/v1/orders", body("W9", coupon_code="AAAA"), 404, None),
        ("/v1/orders", body("有中文"), 422, None),
        ("/v1/orders", body("W9", extra=1), 422, None),
        ("/v1/orders", body("W9", live_session_id=999), 422, "没有这个直播场次"),
        ("/v1/orders/NOPE/pay", {"amount": "1.00", "transaction_id": "T"}, 404, "没有这个订单"),
        ("/v1/orders/W1/pay", {"amount": "1.00", "transaction_id": "T"}, 409, "不符"),
        ("/v1/orders/W1/pay", {"amount": "1.001", "transaction_id": "T"}, 422, None),
        ("/v1/orders/W1/pay", {"amount": "-1", "transaction_id": "T"}, 422, None),
        ("/v1/orders/W1/ship", None, 409, "不能发货"),
        ("/v1/orders/W1/deliver", None, 409, "不能送达"),
        ("/v1/orders/W1/confirm", None, 409, "不能确认收货"),
        ("/v1/orders/W1/cancel", {}, 422, None),
        ("/v1/orders/W1/refund", {"refund_no": "R1", "amount": "1", "reason": "x"}, 409, "未付款"),
        ("/v1/orders/W1/refund", {"refund_no": "R1", "reason": "x"}, 422, None),
        (
            "/v1/orders/W1/refund",
            {"refund_no": "R1", "lines": [{"quantity": 1}], "reason": "x"},
            422,
            None,
        ),
        ("/v1/orders/W1/refund", {"refund_no": "R 1", "amount": "1", "reason": "x"}, 422, None),
    ],
)
def test_every_refusal_is_a_4xx_with_a_reason(shop, path, payload, status, reason):
    http, _, key = shop
    assert http.post("/v1/orders", json=body(), headers=key).status_code == 201
    answer = http.post(path, json=payload, headers=key)
    assert answer.status_code == status, answer.text
    assert answer.json()["reason"]
    if reason is not None:
        assert reason in answer.json()["reason"]
    order = http.get("/v1/orders/W1", headers=key).json()
    assert order["status"] == "created" and order["refunds"] == []


def test_same_order_number_with_other_content_is_a_409(shop):
    http, _, key = shop
    http.post("/v1/orders", json=body(), headers=key)
    other = http.post("/v1/orders", json=body(channel="live"), headers=key)
    assert other.status_code == 409 and "订单号已存在" in other.json()["reason"]


def test_orders_list_by_status_with_keyset_pages(shop):
    http, _, key = shop
    for i in range(3):
        http.post("/v1/orders", json=body(f"K{i}"), headers=key)
    http.post("/v1/orders/K0/cancel", json={"reason": "不要了"}, headers=key)
    page = http.get("/v1/orders", params={"limit": 2}, headers=key).json()
    assert [o["order_no"] for o in page["rows"]] == ["K2", "K1"] and page["next_after"]
    rest = http.get(
        "/v1/orders", params={"limit": 2, "after": page["next_after"]}, headers=key
    ).json()
    assert [o["order_no"] for o in rest["rows"]] == ["K0"] and rest["next_after"] is None
    cancelled = http.get("/v1/orders", params={"status": "cancelled"}, headers=key).json()
    assert [o["status_label"] for o in cancelled["rows"]] == ["已取消"]
    assert http.get("/v1/orders", params={"status": "lost"}, headers=key).status_code == 422


def test_a_host_may_not_read_orders_and_a_guide_may_not_move_them(shop, runtime):
    http, _, key = shop
    http.post("/v1/orders", json=body(), headers=key)
    assert http.get("/v1/orders/W1", headers=auth(runtime, "host")).status_code == 403
    guide = auth(runtime, "guide")
    assert http.get("/v1/orders/W1", headers=guide).status_code == 200
    answer = http.post("/v1/orders/W1/cancel", json={"reason": "x"}, headers=guide)
    assert answer.status_code == 403
