"""The console's 订单 page: the list with its Chinese statuses, filter and pages, and one
order's lines, money, refunds and moves in time order."""

from __future__ import annotations

from decimal import Decimal

from liveloop.commerce.service import (
    RefundLineRequest,
    cancel_order,
    pay_order,
    place_order,
    refund_order_part,
    ship_order,
)
from liveloop.store.engine import transaction
from tests.commerce.orders_fixtures import request, seed
from tests.console.test_console import _user, login

ADDRESS = {
    "name": "张秀英",
    "phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "detail": "体育西路 1 号",
}


def _orders(runtime) -> None:
    seeded = seed(runtime, runtime.clock.now())
    buyer = seeded["buyer"]
    with transaction(runtime.sessions) as session:
        for no in ("C1", "C2", "C3"):
            place_order(
                session, request(no, buyer, address=ADDRESS), at=runtime.clock.now(), source="t"
            )
        runtime.clock.advance(minutes=5)
        pay_order(
            session,
            "C2",
            amount=Decimal("99.70"),
            transaction_id="4200000001",
            paid_at=runtime.clock.now(),
            source="t",
        )
        runtime.clock.advance(minutes=5)
        refund_order_part(
            session,
            "C2",
            refund_no="RF-1",
            lines=[RefundLineRequest(quantity=1, sku="SOY-500")],
            reason="瓶子破了",
            at=runtime.clock.now(),
            source="t",
        )
        runtime.clock.advance(hours=1)
        ship_order(session, "C2", at=runtime.clock.now(), source="t", carrier="顺丰")
        cancel_order(session, "C3", reason="拍错了", at=runtime.clock.now(), source="t")


def test_the_orders_page_lists_orders_with_chinese_statuses_and_filters(client, runtime):
    _orders(runtime)
    _user(runtime, "guide")
    login(client)
    page = client.get("/console/orders")
    assert page.status_code == 200
    html = page.text
    assert "订单" in html and "待付款" in html and "已发货·部分退款" in html and "已取消" in html
    assert "created" not in html.split("<table", 1)[1]  # no raw status codes in the table
    cancelled = client.get("/console/orders", params={"status": "cancelled"}).text
    assert "C3" in cancelled and "C1" not in cancelled
    partly = client.get("/console/orders", params={"status": "partly_refunded"}).text
    assert "C2" in partly and "C1" not in partly


def test_an_order_page_shows_its_lines_money_refunds_and_moves_in_order(client, runtime):
    _orders(runtime)
    _user(runtime, "guide")
    login(client)
    html = client.get("/console/orders/C2").text
    assert "¥99.70" in html and "¥19.90" in html and "RF-1" in html and "瓶子破了" in html
    assert "退款中" in html
    moves = html.split('data-testid="moves"', 1)[1]
    order = [moves.index(word) for word in ("下单", "付款", "申请退款", "发货")]
    assert order == sorted(order)
    address = html.split('data-testid="address">', 1)[1].split("<", 1)[0]
    assert "体育西路" not in address and "13800138000" not in address and "张秀英" in address
    assert client.get("/console/orders/NOPE").status_code == 404


def test_a_host_does_not_see_the_orders_page(client, runtime):
    _user(runtime, "host")
    login(client)
    assert client.get("/console/orders").status_code == 403
