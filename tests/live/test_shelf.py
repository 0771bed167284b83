"""A show's shelf and prepared offers: catalog products at live prices within the list price,
stock allocated, one item per SKU; coupons and 福袋 from usable coupon templates; every item
checked before anything is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop.access.contracts import Role
from liveloop.live import service as lives
from liveloop.store.engine import transaction
from tests.live.showkit import keys, schedule, seed_catalog, seed_room


@pytest.fixture
def show(runtime):
    seed_catalog(runtime)
    seed_room(runtime)
    return schedule(runtime)


def _shelf(runtime, show_id, items):
    with transaction(runtime.sessions) as session:
        return lives.set_shelf(session, show_id, items)


def test_a_shelf_is_set_in_order_and_replaced_keeping_items_by_sku(runtime, show):
    first = _shelf(
        runtime,
        show.id,
        [
            lives.ShelfItemSpec("RICE-5KG", Decimal("49.90"), 200),
            lives.ShelfItemSpec("NOODLE-1KG", Decimal("25.00"), 80, on_shelf=False),
        ],
    )
    assert [(i.sku, i.name, i.list_price, i.live_price, i.stock, i.position) for i in first] == [
        ("RICE-5KG", "五常大米 5kg", Decimal("59.90"), Decimal("49.90"), 200, 1),
        ("NOODLE-1KG", "荞麦面 1kg", Decimal("29.90"), Decimal("25.00"), 80, 2),
    ]
    second = _shelf(
        runtime,
        show.id,
        [
            lives.ShelfItemSpec("OATS-1KG", Decimal("35.00"), 50),
            lives.ShelfItemSpec("RICE-5KG", Decimal("45.00"), 150),
        ],
    )
    assert [(i.sku, i.live_price, i.position) for i in second] == [
        ("OATS-1KG", Decimal("35.00"), 1),
        ("RICE-5KG", Decimal("45.00"), 2),
    ]
    with transaction(runtime.sessions) as session:
        off = lives.set_on_shelf(session, show.id, "RICE-5KG", False)
        assert not off.on_shelf and lives.shelf_of(session, show.id)[1] == off


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ([("NOPE-1", "9.90", 1)], "商品不存在"),
        ([("RICE-5KG", "0", 1)], "大于 0"),
        ([("RICE-5KG", "-1", 1)], "大于 0"),
        ([("RICE-5KG", "59.91", 1)], "高于原价"),
        ([("RICE-5KG", "9.999", 1)], "两位小数"),
        ([("RICE-5KG", "49.90", -1)], "库存"),
        ([("RICE-5KG", "49.90", 1), ("RICE-5KG", "39.90", 1)], "重复"),
    ],
)
def test_a_bad_shelf_is_refused_whole(runtime, show, items, reason):
    _shelf(runtime, show.id, [lives.ShelfItemSpec("OATS-1KG", Decimal("30.00"), 5)])
    specs = [lives.ShelfItemSpec(sku, Decimal(price), stock) for sku, price, stock in items]
    with pytest.raises(lives.LiveRefused) as refused:
        _shelf(runtime, show.id, [lives.ShelfItemSpec("NOODLE-1KG", Decimal("20"), 5), *specs])
    assert reason in str(refused.value)
    with transaction(runtime.read_sessions) as session:
        assert [i.sku for i in lives.shelf_of(session, show.id)] == ["OATS-1KG"]


def test_an_ended_shows_shelf_and_offers_are_history(runtime, show):
    with transaction(runtime.sessions) as session:
        lives.start_show(session, show.id, runtime.clock.now())
        lives.end_show(session, show.id, runtime.clock.now())
    with pytest.raises(lives.LiveConflict):
        _shelf(runtime, show.id, [])
    with transaction(runtime.sessions) as session, pytest.raises(lives.LiveConflict):
        lives.set_offers(session, show.id, [], runtime.clock.now())
    with transaction(runtime.sessions) as session, pytest.raises(lives.UnknownShow):
        lives.set_shelf(session, 999, [])


def _offers(runtime, show_id, offers):
    with transaction(runtime.sessions) as session:
        return lives.set_offers(session, show_id, offers, runtime.clock.now())


COUPON = lives.OfferSpec(kind="coupon", title="满99减10", quantity=200, coupon_template="LIVE10")
BAG = lives.OfferSpec(
    kind="lucky_bag",
    title="整点福袋",
    quantity=5,
    prize_sku="RICE-5KG",
    conditions=lives.OfferConditions(comment_keyword="主食健康", watch_minutes=5),
)


def test_a_coupon_and_a_lucky_bag_are_prepared_and_keep_their_ids_by_title(runtime, show):
    made = _offers(runtime, show.id, [COUPON, BAG])
    assert [(o.kind, o.title, o.coupon_name, o.prize_name, o.conditions) for o in made] == [
        ("coupon", "满99减10", "直播间满99减10", None, {}),
        (
            "lucky_bag",
            "整点福袋",
            None,
            "五常大米 5kg",
            {"comment_keyword": "主食健康", "watch_minutes": 5},
        ),
    ]
    again = _offers(runtime, show.id, [BAG])
    assert [(o.id, o.position) for o in again] == [(made[1].id, 1)]


@pytest.mark.parametrize(
    ("offer", "reason"),
    [
        (lives.OfferSpec(kind="coupon", title="券", quantity=1, coupon_template="NONE"), "不存在"),
        (lives.OfferSpec(kind="coupon", title="券", quantity=1, coupon_template="OFF"), "已停用"),
        (
            lives.OfferSpec(kind="coupon", title="券", quantity=501, coupon_template="LIVE10"),
            "只剩 500 张",
        ),
        (lives.OfferSpec(kind="coupon", title="券", quantity=1), "需要优惠券模板"),
        (
            lives.OfferSpec(kind="lucky_bag", title="袋", quantity=1, prize_sku="RICE-5KG"),
            "参与条件",
        ),
        (
            lives.OfferSpec(
                kind="lucky_bag",
                title="袋",
                quantity=1,
                prize_sku="RICE-5KG",
                coupon_template="LIVE10",
                conditions=lives.OfferConditions(watch_minutes=3),
            ),
            "二选一",
        ),
        (lives.OfferSpec(kind="coupon", title="券", quantity=0, coupon_template="LIVE10"), "数量"),
        (lives.OfferSpec(kind="red_packet", title="券", quantity=1), "未知的权益类型"),
    ],
)
def test_an_offer_that_cannot_be_given_is_refused_with_the_reason(runtime, show, offer, reason):
    with pytest.raises(lives.LiveRefused) as refused:
        _offers(runtime, show.id, [COUPON, offer])
    assert reason in str(refused.value)
    with transaction(runtime.read_sessions) as session:
        assert lives.offers_of(session, show.id) == []


def test_two_offers_with_one_title_are_refused(runtime, show):
    with pytest.raises(lives.LiveRefused, match="重复"):
        _offers(runtime, show.id, [COUPON, COUPON])


def test_shelf_and_offers_over_http(client, runtime, show):
    headers = keys(runtime, ("ops", Role.OPERATOR), ("xiaohe", Role.HOST))
    url = f"/v1/live-sessions/{show.id}"
    shelf = {
        "items": [
            {"sku": "RICE-5KG", "live_price": "49.90", "stock": 200},
            {"sku": "NOODLE-1KG", "live_price": "25.00", "stock": 80, "on_shelf": False},
        ]
    }
    put = client.put(f"{url}/shelf", json=shelf, headers=headers["ops"])
    assert put.status_code == 200 and [i["sku"] for i in put.json()] == ["RICE-5KG", "NOODLE-1KG"]
    offers = {
        "offers": [
            {"kind": "coupon", "title": "满99减10", "quantity": 200, "coupon_template": "LIVE10"},
            {
                "kind": "lucky_bag",
                "title": "整点福袋",
                "quantity": 5,
                "prize_sku": "RICE-5KG",
                "conditions": {"comment_keyword": "主食健康"},
            },
        ]
    }
    assert client.put(f"{url}/offers", json=offers, headers=headers["ops"]).status_code == 200
    detail = client.get(url, headers=headers["xiaohe"]).json()
    assert [i["live_price"] for i in detail["shelf"]] == ["49.90", "25.00"]
    assert [o["title"] for o in detail["offers"]] == ["满99减10", "整点福袋"]
    assert client.put(f"{url}/shelf", json=shelf, headers=headers["xiaohe"]).status_code == 403

    for bad, status in [
        ({"items": [{"sku": "NOPE", "live_price": "1.00", "stock": 1}]}, 422),
        ({"items": [{"sku": "RICE-5KG", "live_price": "0", "stock": 1}]}, 422),
        ({"items": [{"sku": "RICE-5KG", "live_price": "1", "stock": 1}] * 2}, 422),
        ({"items": [{"sku": "RICE-5KG", "live_price": "99.00", "stock": 1}]}, 422),
        ({"items": [{"sku": "RICE-5KG", "live_price": "1", "stock": 1.5}]}, 422),
    ]:
        answer = client.put(f"{url}/shelf", json=bad, headers=headers["ops"])
        assert answer.status_code == status and answer.json()["reason"], bad
    assert (
        client.put("/v1/live-sessions/999/shelf", json=shelf, headers=headers["ops"]).status_code
        == 404
    )
    bad_offer = {
        "offers": [{"kind": "coupon", "title": "券", "quantity": 1, "coupon_template": "NONE"}]
    }
    answer = client.put(f"{url}/offers", json=bad_offer, headers=headers["ops"])
    assert answer.status_code == 422 and "NONE" in answer.json()["reason"]
    assert [i["stock"] for i in client.get(url, headers=headers["ops"]).json()["shelf"]] == [
        200,
        80,
    ]
