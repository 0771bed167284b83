"""The 分析 page in headless Chromium: an analyst logs in, opens it from the nav and sees the
charts drawn, the funnel's break point and the basket rules, with no script or CSP errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from liveloop.runtime import Runtime
from tests.conftest import open_copy
from tests.console.test_console_analytics import PASSWORD, add_user

pytestmark = pytest.mark.e2e

CHARTS = ("rfm-chart", "lifecycle-chart", "churn-chart", "holdout-chart", "funnel-chart")


@pytest.fixture
def runtime(analysed_store, tmp_path, clock) -> Iterator[Runtime]:
    """The analysed brand, served by ``live_server``."""
    rt = open_copy(analysed_store, tmp_path, clock)
    yield rt
    rt.close()


def test_an_analyst_opens_analytics_and_sees_drawn_charts_and_tables(
    live_server, browser, runtime, tmp_path
):
    add_user(runtime, "li", "analyst", "李分析")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def console_error(message) -> None:
        # the console has no favicon, and Chromium asks for one on every page
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{message.text} at {message.location['url']}")

    page.on("console", console_error)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "li")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=分析")
    page.wait_for_url(f"{live_server}/console/analytics")
    assert page.inner_text("h1") == "客户分析"
    assert "全量" in page.inner_text("[data-testid=latest-run]")

    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-rendered=true] canvas")
        box = page.locator(f"#{chart} canvas").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, chart

    assert "在" in page.inner_text("[data-testid=break-point]")
    assert page.inner_text("[data-testid=break-point]").endswith("环节流失")
    rules = page.locator("[data-testid=rules] tbody tr")
    assert 1 <= rules.count() <= 10
    assert "→" in rules.first.inner_text()
    assert page.locator("[data-testid=cohort-table] tbody tr").count() > 1
    assert "r" in page.inner_text("[data-testid=bgnbd]")
    page.screenshot(path=str(tmp_path / "analytics.png"), full_page=True)
    assert errors == []
