"""The 导购任务 page in headless Chromium: a guide opens it from the nav, completes a task with
an outcome note through htmx (the CSRF header comes from the layout), with no script or CSP
errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from liveloop.guides.models import GuideTask
from liveloop.store.engine import transaction
from tests.e2e.conftest import browser, live_server  # noqa: F401 - fixtures
from tests.guides.test_tasks import PASSWORD, setup, task

pytestmark = pytest.mark.e2e


def test_a_guide_completes_a_task_from_the_console(live_server, browser, runtime):  # noqa: F811
    people = setup(runtime)
    mine = task(runtime, people["zhang"], "a", assignee="xiaomei")
    page = browser.new_page(locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.location["url"].endswith("/favicon.ico")
            else None
        ),
    )

    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "xiaomei")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=导购任务")
    page.wait_for_url(f"{live_server}/console/tasks")
    row = page.locator(f"#task-{mine}")
    assert "张秀英" in row.inner_text()
    assert row.locator("[data-testid=due]").inner_text() == "2026-11-21 00:00"

    row.locator("input[name=outcome]").fill("已发食谱")
    row.locator("button", has_text="完成").click()
    page.wait_for_selector(f"#task-{mine}[data-status=done]")
    assert "已完成:已发食谱" in page.locator(f"#task-{mine}").inner_text()
    with transaction(runtime.read_sessions) as session:
        done = session.scalars(select(GuideTask).where(GuideTask.id == mine)).one()
        assert (done.status, done.outcome) == ("done", "已发食谱")
    assert errors == []
