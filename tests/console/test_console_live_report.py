"""The console's 直播复盘 page: the report of a show sent through the real webhook, read the way
an operator (and a printer) sees it, and closed to roles that have no business with it."""

from __future__ import annotations

import pytest

from tests.console.test_console_analytics import add_user, login
from tests.live.test_report import ended_show


@pytest.fixture
def show(runtime, client):
    return ended_show(runtime, client)


@pytest.fixture
def operator(runtime, client):
    add_user(runtime, "ops", "operator")
    login(client, "ops")
    return client


def test_the_report_page_shows_the_show_in_chinese_with_its_audiences(operator, show):
    page = operator.get(f"/console/live/{show}/report")
    assert page.status_code == 200, page.text
    text = page.text
    assert "直播复盘 · 主食健康课" in text
    assert "¥119.80" in text and "100.0%" in text  # GMV, and no question answered
    assert "适合炖吗" in text and "发货太慢" in text
    for name in ("已购买", "看了未买", "点了未付款", "提问未获回复", "预约未到场", "有投诉"):
        assert name in text
    assert "生成中" not in text  # every audience is a segment by the time the page opens
    assert "watched_not_bought" not in text and "{{" not in text


def test_the_printable_page_has_no_navigation(operator, show):
    page = operator.get(f"/console/live/{show}/report?print=1")
    assert page.status_code == 200
    assert 'class="printable"' in page.text and 'class="nav"' not in page.text


def test_a_show_without_a_report_is_a_clear_404(operator, runtime):
    page = operator.get("/console/live/999/report")
    assert page.status_code == 404 and "还没有复盘报告" in page.text


def test_a_guide_may_not_open_a_report(runtime, client, show):
    add_user(runtime, "guide1", "guide")
    login(client, "guide1")
    assert client.get(f"/console/live/{show}/report").status_code == 403
