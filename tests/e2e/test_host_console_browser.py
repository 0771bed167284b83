"""直播中控 in Chromium, as a newcomer sees it: a show on air in room main, a short simulated
show replayed through the real signed webhook into a real server whose background work runs
(the live feed, the consumers), and the host console moving with it — figures, question
clusters, a 金卡 member's arrival (a customer of the store, known by her member number), the
planted viewer drop and its one-click action, the shortcut help, a ``<script>`` comment shown as
text; then the show ends and its report shows figures and follow-up audiences.
Both pages hold at 1366 px and at a tablet's 1024 px."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from liveloop import bootstrap
from liveloop.access.service import create_user
from liveloop.commerce.service import ProductSpec, products_by_sku, upsert_product
from liveloop.identity import service as identity
from liveloop.identity.contracts import IdentityType
from liveloop.live import service as lives
from liveloop.profiles import service as profiles
from liveloop.runtime import Runtime
from liveloop.sim import rooms
from liveloop.sim.catalog import CATALOG
from liveloop.sim.config import SimConfig
from liveloop.sim.replay import Webhook, deliver, replay_show
from liveloop.sim.shows import ShowConfig, generate_show
from liveloop.store.engine import transaction
from tests.conftest import make_settings
from tests.helpers import running_server
from tests.live.helpers import live_platform

pytestmark = pytest.mark.e2e

BRAND = SimConfig(customers=60, seed=3)
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>好吃吗'


@pytest.fixture
def working_runtime(sqlite_url) -> Iterator[Runtime]:
    """A runtime on the real clock (the webhook refuses signatures 5 minutes off its clock)
    whose server runs the background work as ``liveloop serve`` does: the live feed thread
    with the room processors, the consumers (reports, audiences), the outbox."""
    settings = make_settings(sqlite_url).model_copy(
        update={"run_workers": True, "worker_poll_seconds": 0.1, "analytics_schedule": False}
    )
    rt = bootstrap.open_runtime(settings)
    # The comment classifier is trained once per process; train it before the show, as a
    # process about to read a live show does, so the feed's first comment does not wait on it.
    lives.warm_understanding()
    yield rt
    rt.close()


def _wait(what: str, check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _page_width(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_the_host_console_follows_a_show_and_its_report_follows_the_end(
    working_runtime, browser, tmp_path
):
    runtime = working_runtime
    show = generate_show(ShowConfig(seed=4, brand=BRAND, minutes=20, viewers=60, products=2))
    now = runtime.clock.now()
    began = now - timedelta(seconds=show.seconds + 60)  # the replay at speed 0 ends now
    with transaction(runtime.sessions) as session:
        create_user(session, "wang", "operator", now, password="s3cret-pass")
        identity.create_customer_with_identities(
            session,
            profiles.NewCustomer(name="王金卡", member_tier="金卡"),
            {IdentityType.MEMBER_NO: "M0001"},
            now,
            source="test",
        )
        for s in CATALOG:
            upsert_product(
                session, ProductSpec(s.sku, s.name, s.category, s.price, s.shelf_life_days), now
            )
        rooms.ensure_rooms(session, now)
        rooms.ensure_offers(session, now)
        on_air = lives.schedule_show(
            session,
            lives.ShowSpec(
                room="main",
                title="主食健康课 · 浏览器测试",
                series=rooms.SERIES,
                scheduled_at=began,
                host="小禾",
                planned_minutes=show.seconds // 60,
            ),
            began,
        )
        known = products_by_sku(session, [p.sku for p in show.truth.shelf])
        lives.set_shelf(
            session,
            on_air.id,
            [
                lives.ShelfItemSpec(p.sku, min(p.price, known[p.sku].price), 500)
                for p in show.truth.shelf
                if p.sku in known
            ],
        )
        coupon = next(o for o in rooms.OFFERS if o.kind == "coupon")
        lives.set_offers(session, on_air.id, [coupon], began)
        lives.start_show(session, on_air.id, began)
    platform = live_platform(runtime, "模拟直播平台")
    shots = os.environ.get("LIVELOOP_SCREENSHOTS") or str(tmp_path)

    with running_server(runtime) as url:
        webhook = Webhook(url, "main", platform.write_key, platform.signing_secret or "")
        page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        dialogs: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc.stack or exc}"))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{url}/console/login")
        page.fill("input[name=username]", "wang")
        page.fill("input[name=password]", "s3cret-pass")
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/console")

        page.goto(f"{url}/console/live/{on_air.id}/host")
        # (generous: on a loaded 2-core machine the first page and its stream are slow)
        page.wait_for_selector("[data-testid=stream-status]:has-text('实时')", timeout=60_000)
        online = "[data-testid=figures] [data-figure=online] .value"
        page.wait_for_selector(online)
        before = page.inner_text(online)

        # The show, replayed through the signed webhook while the page watches: up to the
        # planted drop first (viewers are on air), then the rest.
        split = show.truth.drop_minute * 60
        first = dataclasses.replace(show, events=tuple(e for e in show.events if e.at < split))
        rest = dataclasses.replace(show, events=tuple(e for e in show.events if e.at >= split))
        sent = replay_show(first, webhook, speed=0, live_session_id=on_air.id)
        page.wait_for_function(
            "([sel, before]) => { const n = document.querySelector(sel); return n"
            " && n.textContent !== before && Number(n.textContent.replace(/,/g, '')) > 0; }",
            arg=[online, before],
            timeout=20_000,
        )
        sent_rest = replay_show(rest, webhook, speed=0, live_session_id=on_air.id)
        assert sent.sent + sent_rest.sent == len(show.events)
        with httpx.Client(timeout=10) as http:
            deliver(
                http,
                webhook,
                [
                    {
                        "id": "gold-member-joins",
                        "type": "viewer_joined",
                        "occurred_at": datetime.now(UTC).isoformat(),
                        "viewer": {"user_id": "M0001", "nickname": "王金卡"},
                        "live_session_id": on_air.id,
                    },
                    {
                        "id": "script-comment-1",
                        "type": "comment",
                        "occurred_at": datetime.now(UTC).isoformat(),
                        "viewer": {"anonymous_id": "curious-1", "nickname": "<b>小明</b>"},
                        "data": {"text": SCRIPT},
                        "live_session_id": on_air.id,
                    },
                ],
            )

        # Questions clustered.
        # (the lists are redrawn on each frame, so they are read whole rather than by element)
        page.wait_for_function(
            "() => /\\d+ 人在问/.test(document.getElementById('questions').textContent)",
            timeout=30_000,
        )
        # The planted viewer drop, with its suggested action.
        drop = (
            page.locator("[data-testid=alerts] li.alert", has_text="在线人数")
            .filter(has=page.locator("button.suggest"))
            .first
        )
        drop.wait_for(timeout=20_000)
        assert "下降" in drop.inner_text()
        # The <script> comment: its text shown literally, nothing run.
        comment = page.wait_for_selector(
            "[data-testid=comments] li:has-text('好吃吗')", timeout=20_000
        )
        assert SCRIPT in comment.inner_text()
        assert "<b>小明</b>" in comment.inner_text()
        assert page.query_selector("[data-testid=comments] script") is None
        assert page.query_selector("[data-testid=comments] img") is None
        # The 金卡 member's arrival: an alert with what to thank her for, and her badge.
        welcome = page.locator("[data-testid=alerts] li.alert", has_text="金卡").first
        welcome.wait_for(timeout=20_000)
        assert "进入直播间" in welcome.inner_text()
        badge = page.locator("[data-testid=people] li", has_text="金卡").first
        badge.wait_for(timeout=20_000)
        page.screenshot(path=f"{shots}/live-host.png", full_page=True)
        assert _page_width(page) <= 1366

        # One click on the drop alert's suggestion: executed, and in the show's audit log.
        label = drop.locator("button.suggest").inner_text()
        drop.locator("button.suggest").click()
        page.wait_for_function(
            "() => document.getElementById('toast').textContent.includes('已执行')",
            timeout=15_000,
        )
        assert page.inner_text("#toast").startswith("已执行：" + label), page.inner_text("#toast")
        with transaction(runtime.read_sessions) as session:
            taken = lives.actions_of(session, on_air.id)
        pushed = [a for a in taken if a.kind == "push_coupon"]
        assert pushed and pushed[-1].by == "wang" and pushed[-1].detail.get("alert")
        assert pushed[-1].detail.get("offer_id")  # the show's prepared coupon

        # The shortcut help.
        page.click("[data-testid=figures]")
        page.keyboard.press("?")
        assert page.is_visible("dialog#keys")
        page.keyboard.press("Escape")

        # A tablet beside the host.
        page.set_viewport_size({"width": 1024, "height": 768})
        page.wait_for_timeout(300)
        assert _page_width(page) <= 1024
        page.screenshot(path=f"{shots}/live-host-tablet.png", full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})

        # The end, and the report made by the live-reports consumer.
        with transaction(runtime.sessions) as session:
            lives.end_show(session, on_air.id, runtime.clock.now())

        def audiences_saved() -> bool:
            with transaction(runtime.read_sessions) as session:
                if lives.report_of(session, on_air.id) is None:
                    return False
            html = page.context.request.get(f"{url}/console/live/{on_air.id}/report").text()
            return "生成中" not in html

        _wait("the report and its audiences", audiences_saved, 45)
        page.goto(f"{url}/console/live/{on_air.id}/report")
        assert "直播复盘" in page.content()
        figures = page.inner_text("[data-testid=report-figures]")
        assert "¥" in figures or any(ch.isdigit() for ch in figures)
        links = page.query_selector_all(
            "[data-testid=report-audiences] a[href*='/console/segments/']"
        )
        assert links, page.inner_text("[data-testid=report-audiences]")
        assert "生成中" not in page.inner_text("[data-testid=report-audiences]")
        page.screenshot(path=f"{shots}/live-report.png", full_page=True)
        assert _page_width(page) <= 1366
        page.set_viewport_size({"width": 1024, "height": 768})
        page.wait_for_timeout(300)
        assert _page_width(page) <= 1024

    assert dialogs == [] and errors == []
