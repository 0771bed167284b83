"""The leader's portal in Chromium on a phone (390 × 844): a leader logs in, lands on 今日,
confirms today's batch arrived, scans a customer's pickup code and sees it handed over; every
portal page fits the screen without horizontal scrolling — on the phone, a tablet and a
1366 px desktop."""

from __future__ import annotations

import pytest

from tests.community.conftest import make_community
from tests.community.portal.conftest import PASSWORD, make_portal

pytestmark = pytest.mark.e2e
PAGES = (
    "/console/leader",
    "/console/leader/customers",
    "/console/leader/materials",
    "/console/leader/ranking",
)
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def test_a_leader_scans_a_pickup_on_a_phone_without_horizontal_scroll(
    live_server, browser, runtime, clock, tmp_path
):
    portal = make_portal(make_community(runtime, clock))
    code = portal.code(portal.today_orders["赵六"])
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "tz_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/console/leader")
    assert "今日" in page.inner_text("h1")
    assert page.evaluate(OVERFLOW) <= 0

    page.click("[data-testid=arrive]")
    page.wait_for_selector("[data-testid=arrival-message]")
    assert code in page.inner_text("[data-testid=queue]")

    box = page.locator("[data-testid=scan-submit]").bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 300  # a thumb's target
    page.fill("[data-testid=scan-code]", code.lower())
    page.click("[data-testid=scan-submit]")
    message = page.inner_text("[data-testid=scan-message]")
    assert "取货成功" in message and "赵*" in message
    assert code not in page.inner_text("[data-testid=queue]")
    page.screenshot(path=str(tmp_path / "leader-phone.png"), full_page=True)

    page.fill("[data-testid=scan-code]", "ZZZ-ZZZ")
    page.click("[data-testid=scan-submit]")
    assert "不存在" in page.inner_text("[data-testid=scan-message]")

    for path in PAGES:
        page.goto(f"{live_server}{path}")
        assert page.evaluate(OVERFLOW) <= 0, path
    phone.close()

    for width, height in ((820, 1180), (1366, 768)):
        wide = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        other = wide.new_page()
        other.on("pageerror", lambda exc: errors.append(str(exc)))
        other.goto(f"{live_server}/console/login")
        other.fill("input[name=username]", "tz_a")
        other.fill("input[name=password]", PASSWORD)
        other.click("button[type=submit]")
        other.wait_for_url(f"{live_server}/console/leader")
        for path in PAGES:
            other.goto(f"{live_server}{path}")
            assert other.evaluate(OVERFLOW) <= 0, (width, path)
        wide.close()
    assert errors == []
