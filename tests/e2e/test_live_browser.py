"""The 直播 page in Chromium at 1366 px: the schedule and a show's shelf fit the width, and an
operator edits the shelf by form."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from liveloop.access.service import create_user
from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.live import service as lives
from liveloop.sim.catalog import CATALOG
from liveloop.sim.rooms import prepare_next_show
from liveloop.store.engine import transaction

pytestmark = pytest.mark.e2e


def test_the_live_pages_hold_at_1366_px_and_the_shelf_is_edited(
    live_server, browser, runtime, tmp_path
):
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        create_user(session, "wang", "operator", now, password="s3cret-pass")
        for s in CATALOG:
            upsert_product(
                session, ProductSpec(s.sku, s.name, s.category, s.price, s.shelf_life_days), now
            )
        show = prepare_next_show(session, now, runtime.settings.tz)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", "s3cret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=直播")
    page.wait_for_url(f"{live_server}/console/live")
    assert "每周三晚8点 主食健康课" in page.inner_text("[data-testid=upcoming]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shots = os.environ.get("LIVELOOP_SCREENSHOTS") or str(tmp_path)
    page.screenshot(path=f"{shots}/live.png", full_page=True)

    page.click(f"a[href='/console/live/{show.id}']")
    page.wait_for_url(f"{live_server}/console/live/{show.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.fill("[data-testid=shelf-item][data-sku=OAT-1KG] input[name=live_price]", "35.00")
    page.click("text=保存货架")
    page.wait_for_url(f"{live_server}/console/live/{show.id}")
    page.screenshot(path=f"{shots}/live-show.png", full_page=True)
    with transaction(runtime.read_sessions) as session:
        oats = next(i for i in lives.shelf_of(session, show.id) if i.sku == "OAT-1KG")
    assert oats.live_price == Decimal("35.00")
    assert errors == []
