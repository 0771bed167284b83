"""旅程 in a real browser: an operator switches on the new-customer welcome, a first order comes
in, and the journey's page shows the person in its flow and the message it sent."""

import pytest

from liveloop.access.service import create_user
from liveloop.channels import jobs as channels_jobs
from liveloop.store.engine import transaction
from tests.journeys.conftest import build_world

pytestmark = pytest.mark.e2e


def test_operator_switches_on_a_built_in_journey_and_watches_it_move(
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
    world = build_world(runtime)
    channels_jobs.register(runtime)

    page = browser.new_page(locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", "s3cret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=旅程")
    page.wait_for_url(f"{live_server}/console/journeys")
    page.click("[data-key=new-customer-welcome] >> button:has-text('开启')")
    page.wait_for_url(f"{live_server}/console/journeys/new-customer-welcome")
    assert page.inner_text("[data-testid=journey-metrics] [data-testid=entered]") == "0"

    world.order(world.person("孙新客"))
    world.run()
    runtime.outbox.drain_until_idle(runtime.sessions, runtime.clock)
    page.reload()
    assert page.inner_text("[data-testid=journey-metrics] [data-testid=entered]") == "1"
    thanks = page.locator("[data-step=thanks]")
    assert thanks.locator("[data-testid=reached]").inner_text() == "1"
    assert thanks.locator("[data-testid=sent]").inner_text() == "1"
    page.screenshot(path=str(tmp_path / "journey.png"), full_page=True)

    page.click("nav >> text=旅程")
    row = page.locator("[data-testid=journey][data-key=new-customer-welcome]")
    assert row.locator("[data-testid=entered]").inner_text() == "1"
    assert errors == []
