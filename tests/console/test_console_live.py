"""Console page 直播: the rooms, the schedule (on air, upcoming, ended), a show's detail with
its shelf, offers, costs, host and 场控; scheduling a show and editing its shelf by form, with
reasons in Chinese; a host sees only the shows of their rooms."""

from __future__ import annotations

import re
from decimal import Decimal

from liveloop.access.service import create_user
from liveloop.live import service as lives
from liveloop.store.engine import transaction
from tests.live.showkit import schedule, seed_catalog, seed_room

PASSWORD = "s3cret-密码-ok"


def _login(client, runtime, username, role):
    with transaction(runtime.sessions) as session:
        create_user(session, username, role, runtime.clock.now(), password=PASSWORD)
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    return re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/console").text).group(1)


def _brand(runtime):
    seed_catalog(runtime)
    seed_room(runtime)
    seed_room(runtime, "channels", "视频号直播间")
    show = schedule(runtime, host="xiaohe", controllers=("ck",))
    with transaction(runtime.sessions) as session:
        lives.set_shelf(session, show.id, [lives.ShelfItemSpec("RICE-5KG", Decimal("49.90"), 200)])
        lives.set_offers(
            session,
            show.id,
            [
                lives.OfferSpec(
                    kind="coupon", title="满99减10", quantity=100, coupon_template="LIVE10"
                ),
                lives.OfferSpec(
                    kind="lucky_bag",
                    title="整点福袋",
                    quantity=5,
                    prize_sku="OATS-1KG",
                    conditions=lives.OfferConditions(comment_keyword="主食健康"),
                ),
            ],
            runtime.clock.now(),
        )
        lives.set_costs(session, show.id, {"主播费": Decimal("800"), "投流": Decimal("300")})
    other = schedule(runtime, room="channels", host="axian", title="视频号专场")
    return show, other


def test_the_live_page_shows_rooms_and_the_schedule_in_chinese(client, runtime):
    show, _ = _brand(runtime)
    _login(client, runtime, "wang", "operator")
    page = client.get("/console/live")
    assert page.status_code == 200
    html = page.text
    assert "官方直播间" in html and "视频号直播间" in html and "视频号" in html
    assert "直播排期" in html and "正在直播" in html and "已结束" in html
    assert f'href="/console/live/{show.id}"' in html and "视频号专场" in html
    assert 'href="/console/live" class="active"' in html
    assert "安排一场直播" in html

    detail = client.get(f"/console/live/{show.id}").text
    assert "五常大米 5kg" in detail and 'value="49.90"' in detail and 'value="200"' in detail
    # The prepared offers in their form: the coupon template chosen, the 福袋's prize and 口令.
    assert '<option value="LIVE10" selected>直播间满99减10</option>' in detail
    assert 'value="OATS-1KG"' in detail and 'value="主食健康"' in detail
    assert "¥800.00" in detail and "¥1,100.00" in detail
    assert "xiaohe" in detail and "ck" in detail and "未开播" in detail


def test_an_operator_schedules_a_show_and_edits_its_shelf_by_form(client, runtime):
    show, _ = _brand(runtime)
    csrf = _login(client, runtime, "wang", "operator")
    made = client.post(
        "/console/live",
        data={
            "csrf_token": csrf,
            "room": "channels",
            "title": "周五 荞麦面专场",
            "series": "主食健康课",
            "at": "2026-11-27T20:00",
            "minutes": "60",
            "host": "axian",
            "controllers": "ck1 ck2",
            "early_tier": "金卡",
            "early_minutes": "10",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    new_page = client.get(made.headers["location"]).text
    assert (
        "周五 荞麦面专场" in new_page
        and "ck1、ck2" in new_page
        and "金卡及以上提前 10 分钟" in new_page
    )

    refused = client.post(
        "/console/live",
        data={"csrf_token": csrf, "room": "main", "title": "过去的课", "at": "2020-01-01T20:00"},
    )
    assert refused.status_code == 422 and "开播时间已经过去" in refused.text

    saved = client.post(
        f"/console/live/{show.id}/shelf",
        data={
            "csrf_token": csrf,
            "sku": ["RICE-5KG", "NOODLE-1KG", ""],
            "live_price": ["45.00", "25.00", ""],
            "stock": ["150", "60", ""],
            "on_shelf": ["on", "off", "on"],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with transaction(runtime.read_sessions) as session:
        shelf = lives.shelf_of(session, show.id)
    assert [(i.sku, i.live_price, i.stock, i.on_shelf) for i in shelf] == [
        ("RICE-5KG", Decimal("45.00"), 150, True),
        ("NOODLE-1KG", Decimal("25.00"), 60, False),
    ]
    too_dear = client.post(
        f"/console/live/{show.id}/shelf",
        data={"csrf_token": csrf, "sku": ["RICE-5KG"], "live_price": ["99"], "stock": ["1"]},
    )
    assert too_dear.status_code == 422 and "高于原价" in too_dear.text
    with transaction(runtime.read_sessions) as session:
        assert len(lives.shelf_of(session, show.id)) == 2


def test_an_operator_prepares_the_shows_coupons_and_lucky_bags_by_form(client, runtime):
    show, _ = _brand(runtime)
    csrf = _login(client, runtime, "wang", "operator")
    page = client.get(f"/console/live/{show.id}").text
    assert 'data-testid="offers-form"' in page and "直播间满99减10" in page  # templates listed
    saved = client.post(
        f"/console/live/{show.id}/offers",
        data={
            "csrf_token": csrf,
            "kind": ["coupon", "lucky_bag", "coupon"],
            "title": ["满99减10", "口令福袋", ""],
            "coupon_template": ["LIVE10", "LIVE10", ""],
            "prize_sku": ["", "", ""],
            "quantity": ["100", "20", ""],
            "comment_keyword": ["", "健康课", ""],
            "watch_minutes": ["", "5", ""],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with transaction(runtime.read_sessions) as session:
        offers = lives.offers_of(session, show.id)
    assert [(o.kind, o.title, o.quantity, dict(o.conditions)) for o in offers] == [
        ("coupon", "满99减10", 100, {}),
        ("lucky_bag", "口令福袋", 20, {"comment_keyword": "健康课", "watch_minutes": 5}),
    ]
    # A 福袋 for everyone is refused with the reason, and nothing changes.
    refused = client.post(
        f"/console/live/{show.id}/offers",
        data={
            "csrf_token": csrf,
            "kind": ["lucky_bag"],
            "title": ["人人有份"],
            "coupon_template": ["LIVE10"],
            "quantity": ["5"],
        },
    )
    assert refused.status_code == 422 and "福袋" in refused.text
    bad_number = client.post(
        f"/console/live/{show.id}/offers",
        data={
            "csrf_token": csrf,
            "title": ["券"],
            "coupon_template": ["LIVE10"],
            "quantity": ["x"],
        },
    )
    assert bad_number.status_code == 422 and "数量需要是正整数" in bad_number.text
    with transaction(runtime.read_sessions) as session:
        assert len(lives.offers_of(session, show.id)) == 2


def test_a_host_sees_only_their_rooms_and_puts_their_show_on_air(client, runtime):
    show, other = _brand(runtime)
    csrf = _login(client, runtime, "xiaohe", "host")
    html = client.get("/console/live").text
    assert "主食健康课" in html and "视频号专场" not in html and "安排一场直播" not in html
    assert client.get(f"/console/live/{other.id}").status_code == 404
    detail = client.get(f"/console/live/{show.id}").text
    assert 'name="live_price"' not in detail and "¥49.90" in detail and "开播" in detail
    started = client.post(
        f"/console/live/{show.id}/start", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert started.status_code == 303
    assert "直播中" in client.get("/console/live").text
    again = client.post(f"/console/live/{show.id}/start", data={"csrf_token": csrf})
    assert again.status_code == 409 and "直播中,不能开播" in again.text
    assert (
        client.post(
            f"/console/live/{show.id}/shelf", data={"csrf_token": csrf, "sku": ["RICE-5KG"]}
        ).status_code
        == 403
    )
