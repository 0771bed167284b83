"""Scheduling a campaign template for a year: a live show on the calendar day with a shelf
from the brand's catalog, and a journey that invites the audience — once per (template, year),
whatever is retried; and the journey running on its days."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from liveloop.campaigns import service as campaigns
from liveloop.campaigns.events import CAMPAIGN_SCHEDULED
from liveloop.campaigns.templates import templates
from liveloop.channels.models import Message
from liveloop.journeys import service as journeys
from liveloop.live import service as lives
from liveloop.live.models import LiveSession
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.almanac.conftest import api_key


def schedule(world, template="dongzhi-dumplings", year=2026, **options):
    with transaction(world.runtime.sessions) as session:
        return campaigns.schedule_campaign(
            session,
            template,
            year,
            room="main",
            now=world.clock.now(),
            by="ops",
            tz=world.runtime.settings.tz,
            **options,
        )


def count(world, query):
    with transaction(world.runtime.read_sessions) as session:
        return session.scalar(query)


def test_the_shipped_templates_are_the_five_seasonal_campaigns():
    names = {t.key: (t.name, t.day) for t in templates().values()}
    assert names == {
        "dongzhi-dumplings": ("冬至 饺子专场", "冬至"),
        "laba-porridge": ("腊八 粥", "腊八"),
        "duanwu-zongzi": ("端午 粽子", "端午"),
        "zhongqiu-mooncake": ("中秋 月饼", "中秋"),
        "liqiu-autumn-fat": ("立秋 贴秋膘", "立秋"),
    }


def test_scheduling_dongzhi_makes_the_show_and_the_journey_once(store_brand):
    world = store_brand
    first = schedule(world)
    assert first.created and first.day.isoformat() == "2026-12-22"
    # 冬至 evening 19:30 in Shanghai.
    assert first.show_at == datetime(2026, 12, 22, 11, 30, tzinfo=UTC)
    assert first.show_title == "2026 冬至 饺子专场" and first.show_status == "scheduled"
    assert first.journey_key == "dongzhi-dumplings-2026" and first.journey_status == "active"
    assert first.invite_at is not None
    assert first.invite_at.astimezone(world.runtime.settings.tz).isoformat() == (
        "2026-12-19T10:00:00+08:00"
    )
    with transaction(world.runtime.read_sessions) as session:
        shelf = {item.sku: item.live_price for item in lives.shelf_of(session, first.show_id)}
        trigger = journeys.journey_definition(session, first.journey_key)["trigger"]
    assert shelf == {"PORK-BELLY": Decimal("74.80"), "VINEGAR-500": Decimal("13.52")}
    assert (trigger["type"], trigger["day"], trigger["year"], trigger["offset_days"]) == (
        "calendar",
        "冬至",
        2026,
        -3,
    )
    assert trigger["properties"]["show_time"] == "12月22日(周二) 19:30"

    again = schedule(world)
    assert (again.created, again.id, again.show_id) == (False, first.id, first.show_id)
    assert count(world, select(func.count()).select_from(LiveSession)) == 1
    scheduled = select(func.count()).select_from(Event).where(Event.name == CAMPAIGN_SCHEDULED)
    assert count(world, scheduled) == 1


def test_a_refused_show_leaves_no_campaign_behind(brand):
    with pytest.raises(lives.LiveRefused, match="已经过去"):
        schedule(brand, year=2025)  # 冬至 2025 is past on the world's clock
    with pytest.raises(lives.UnknownRoom), transaction(brand.runtime.sessions) as session:
        campaigns.schedule_campaign(
            session,
            "dongzhi-dumplings",
            2026,
            room="nowhere",
            now=brand.clock.now(),
            by="ops",
            tz=brand.runtime.settings.tz,
        )
    with transaction(brand.runtime.read_sessions) as session:
        assert campaigns.list_campaigns(session, tz=brand.runtime.settings.tz) == []
        assert journeys.list_journeys(session) == []


def test_the_campaign_journey_invites_buyers_and_follows_up_those_who_missed_the_show(brand):
    world = brand
    buyer, watcher, stranger = world.person("买过的"), world.person("来看的"), world.person("路人")
    world.order(buyer, "MILK-1")
    world.order(watcher, "MILK-1")
    campaign = schedule(world)

    world.clock.current = datetime(2026, 12, 19, 1, 59, tzinfo=UTC)  # 09:59 in Shanghai
    world.run()
    assert world.states() == []
    world.clock.current = datetime(2026, 12, 19, 2, 1, tzinfo=UTC)
    world.run()
    assert sorted(s.customer_id for s in world.states()) == [buyer, watcher]
    assert world.states(stranger) == []
    (state,) = world.states(buyer)
    assert state.context["trigger"]["live_session_id"] == campaign.show_id

    world.clock.current = datetime(2026, 12, 22, 11, 40, tzinfo=UTC)  # the show is on
    world.event(watcher, "Live Joined", live_session_id=campaign.show_id)
    world.run()
    world.clock.current = datetime(2026, 12, 23, 2, 5, tzinfo=UTC)  # next morning, 10:05
    world.run()
    missed = world.steps_of(buyer)
    assert [step for step, _ in missed] == ["invite", "watch", "watch", "morning", "gift", "nudge"]
    assert ("watch", "timeout") in missed and ("gift", "issued") in missed
    with transaction(world.runtime.read_sessions) as session:
        bodies = list(
            session.scalars(
                select(Message.body).where(Message.customer_id == buyer).order_by(Message.id)
            )
        )
    assert "12月22日(周二) 19:30「2026 冬至 饺子专场」" in bodies[0]
    assert "饺子券" in bodies[1]
    came = world.steps_of(watcher)
    assert [step for step, _ in came] == ["invite", "watch", "watch"] and came[-1][1] == "event"


def test_the_campaigns_api_schedules_idempotently_and_lists(client, brand):
    headers = api_key(brand.runtime, "operator")
    body = {"template": "dongzhi-dumplings", "year": 2026, "room": "main"}
    created = client.post("/v1/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.text
    again = client.post("/v1/campaigns", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]

    listed = client.get("/v1/campaigns", params={"from": "2026-12-01"}, headers=headers).json()
    assert [(c["name"], c["day"]) for c in listed] == [("冬至 饺子专场", "2026-12-22")]
    found = client.get("/v1/campaigns/templates", headers=headers).json()
    by_key = {t["key"]: t for t in found}
    assert by_key["dongzhi-dumplings"]["scheduled_years"] == [2026]
    assert by_key["laba-porridge"]["scheduled_years"] == []

    unknown = client.post("/v1/campaigns", json={**body, "template": "qixi"}, headers=headers)
    assert unknown.status_code == 404 and "没有活动模板" in unknown.json()["reason"]
    past = client.post("/v1/campaigns", json={**body, "year": 2025}, headers=headers)
    assert past.status_code == 422 and "已经过去" in past.json()["reason"]
    analyst = api_key(brand.runtime, "analyst")
    assert client.post("/v1/campaigns", json=body, headers=analyst).status_code == 403


def test_two_operators_scheduling_at_once_make_one_campaign(store_brand):
    """Both press 安排 at the same moment: the unique (template, year) row lets one through;
    the other waits for it and answers the same campaign, with no second show."""
    world = store_brand
    start = threading.Barrier(2)
    answers: list[campaigns.CampaignView] = []

    def press() -> None:
        start.wait()
        answers.append(schedule(world))

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 2 and answers[0].id == answers[1].id
    assert sorted(a.created for a in answers) == [False, True]
    assert count(world, select(func.count()).select_from(LiveSession)) == 1
