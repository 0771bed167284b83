"""分群 in a real browser: an operator clicks two preset conditions, previews through htmx
(count and sample drawn), and saves the segment."""

import json

import pytest

from liveloop.access.service import create_user
from liveloop.store.engine import transaction
from tests.segments.conftest import build_world

pytestmark = pytest.mark.e2e


def test_operator_builds_previews_and_saves_a_segment(live_server, browser, runtime, tmp_path):
    with transaction(runtime.sessions) as session:
        create_user(
            session,
            "wang",
            "operator",
            runtime.clock.now(),
            password="s3cret-pass",
            display_name="王运营",
        )
    build_world(runtime)

    page = browser.new_page(locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", "s3cret-pass")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=分群")
    page.wait_for_url(f"{live_server}/console/segments")

    page.click("button:has-text('标签 烘焙爱好者')")
    page.click("button:has-text('7天内未购买')")
    rule = json.loads(page.input_value("[data-testid=rule]"))
    assert rule == {
        "and": [
            {"type": "tag", "tag": "烘焙爱好者"},
            {"not": {"type": "order", "within": {"days": 7}}},
        ]
    }
    page.click("[data-testid=preview]")
    page.wait_for_selector("[data-testid=preview-count]")
    assert page.inner_text("[data-testid=preview-count]") == "2"
    page.screenshot(path=str(tmp_path / "segments.png"), full_page=True)

    page.fill("input[name=name]", "沉睡烘焙爱好者")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=message]")
    assert "当前 2 人" in page.inner_text("[data-testid=message]")
    assert "沉睡烘焙爱好者" in page.inner_text("[data-testid=segments]")
    assert errors == []
