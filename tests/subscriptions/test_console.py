"""Console page 订阅: plans, subscriptions with their next cycle, failed charges waiting for
their retry, paid memberships with deliveries used and left — in Chinese, no raw codes."""

from __future__ import annotations

from liveloop.store.engine import transaction
from liveloop.subscriptions import service as subs
from tests.console.test_console import _user, login
from tests.subscriptions.conftest import build_shop
from tests.subscriptions.test_memberships import buy, membership


def test_the_subscriptions_page_shows_plans_subscriptions_retries_and_memberships(client, runtime):
    shop = build_shop(runtime)
    shop.charger.refusals = 1
    shop.subscribe()
    paused = shop.subscribe(key="k2")
    with transaction(runtime.sessions) as session:
        subs.pause(session, paused.id, at=shop.clock.now(), tz=shop.tz)
    shop.run()
    buy(shop, "SO-M1")
    with transaction(runtime.sessions) as session:
        subs.use_delivery(session, membership(shop).id, address={}, at=shop.clock.now(), source="t")
    _user(runtime)
    login(client)
    page = client.get("/console/subscriptions")
    assert page.status_code == 200
    html = page.text
    assert "每月一袋 五常大米 5kg" in html and "每月" in html and "¥79.90" in html
    assert "生效中" in html and "已暂停" in html and "顾客暂停" in html
    assert "扣款失败,等待重试" in html and "余额不足" in html and "1 次" in html
    assert "醋文化会员" in html and "¥49.75" in html and "晋源定制醋礼盒" in html
    for raw in ("monthly", "awaiting_payment", "payment_failed", ">active<", ">paused<"):
        assert raw not in html
    assert 'href="/console/subscriptions" class="active"' in html


def test_a_host_is_refused_the_page(client, runtime):
    _user(runtime, role="host")
    login(client)
    assert client.get("/console/subscriptions").status_code == 403
