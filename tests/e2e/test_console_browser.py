import pytest

from liveloop.access.service import create_user
from liveloop.store.engine import transaction
from tests.helpers import seed_small_brand

pytestmark = pytest.mark.e2e


def test_operator_logs_in_and_sees_the_overview_with_a_drawn_chart(
    live_server, browser, runtime, tmp_path
):
    with transaction(runtime.sessions) as session:
        create_user(
            session,
            "wang",
            "operator",
            runtime.clock.now(),
            password="s3cret-pass",
            display_name="王运营",
        )
    seed_small_brand(runtime, runtime.clock.now())

    page = browser.new_page(locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/console")
    assert page.url.endswith("/console/login")

    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("[role=alert]")

    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", "s3cret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/console")
    assert page.inner_text("h1") == "经营概览"
    assert page.inner_text("[data-testid=current-user]") == "王运营"
    assert page.inner_text("[data-testid=stat-customers] .value") == "2"
    assert page.inner_text("[data-testid=stat-gmv] .value") == "¥89.70"
    # ECharts really drew the GMV line into a canvas.
    page.wait_for_selector("#gmv-chart[data-rendered=true] canvas")
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    # htmx refresh keeps working with the session (and re-draws the chart).
    page.evaluate("htmx.ajax('GET', '/console/partials/overview', '#overview-cards')")
    page.wait_for_selector("#gmv-chart[data-rendered=true] canvas")

    page.click("text=退出登录")
    page.wait_for_url(f"{live_server}/console/login")
    page.goto(f"{live_server}/console")
    assert page.url.endswith("/console/login")
    assert errors == []
