"""Journeys that start on a day of the marketing calendar (冬至, the brand's 会员日 …): the
audience enters on the right local day and time, once per occurrence, never twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liveloop.almanac.service import add_brand_date
from liveloop.journeys.definition import DefinitionError
from liveloop.journeys.service import save_journey
from liveloop.profiles.service import change_tags
from liveloop.segments.service import create_segment
from liveloop.store.engine import transaction
from tests.journeys.test_flow import tags_of

# 冬至 2026 is at 2026-12-22 04:50 Beijing time; three days before at 10:00 Shanghai is
# 2026-12-19 02:00 UTC. The world's clock starts on 2026-11-20.
DONGZHI_MINUS_3 = datetime(2026, 12, 19, 2, 0, tzinfo=UTC)


def tag(world, person, *tags):
    with transaction(world.runtime.sessions) as session:
        change_tags(session, person, add=list(tags), source="manual", at=world.clock.now())


def at(world, moment: datetime) -> None:
    world.clock.current = moment
    world.run()


WINTER = """
key: dongzhi-warmup
name: 冬至预热
trigger: {calendar: 冬至, offset_days: -3, at: "10:00", audience: {type: tag, tag: 爱吃饺子}}
reentry: {policy: always}
steps: [{id: mark, type: tag, add: [冬至已邀约]}]
"""


def test_a_calendar_journey_enters_its_audience_three_days_before_the_day_once(store_world):
    world = store_world
    fans = [world.person(f"饺子粉{i}") for i in range(3)]
    other = world.person("路人")
    for person in fans:
        tag(world, person, "爱吃饺子")
    world.journey(WINTER)

    at(world, datetime(2026, 12, 18, 2, 30, tzinfo=UTC))  # four days before: not yet
    assert world.states() == []
    at(world, DONGZHI_MINUS_3.replace(hour=1, minute=59))  # the day, 09:59 local: not yet
    assert world.states() == []
    at(world, DONGZHI_MINUS_3.replace(minute=1))
    states = world.states()
    assert sorted(s.customer_id for s in states) == fans
    trigger = states[0].context["trigger"]
    assert (trigger["event"], trigger["day"], trigger["date"]) == ("calendar", "冬至", "2026-12-22")
    assert trigger["moment"].startswith("2026-12-22T04:50")
    assert "冬至已邀约" in tags_of(world, fans[0]) and "冬至已邀约" not in tags_of(world, other)

    at(world, DONGZHI_MINUS_3.replace(minute=40))  # the same slot again
    at(world, DONGZHI_MINUS_3.replace(day=20, minute=1))  # the next day
    assert len(world.states()) == 3
    # A new version that fires a day later finds everyone already let in for this 冬至.
    world.journey(WINTER.replace("offset_days: -3", "offset_days: -2"))
    at(world, DONGZHI_MINUS_3.replace(day=20, hour=2, minute=30))
    at(world, DONGZHI_MINUS_3.replace(day=21, minute=1))
    assert len(world.states()) == 3

    # 冬至 2027 is on 22 December too: the same people, once more, a year later.
    at(world, datetime(2027, 12, 20, 2, 1, tzinfo=UTC))
    assert len(world.states()) == 6
    assert {s.context["trigger"]["date"] for s in world.states()} == {"2026-12-22", "2027-12-22"}


def test_a_campaign_year_keeps_the_trigger_to_that_year(world):
    person = world.person()
    tag(world, person, "爱吃饺子")
    world.journey(WINTER.replace("offset_days: -3,", "offset_days: -3, year: 2027,"))
    at(world, DONGZHI_MINUS_3.replace(minute=1))
    assert world.states() == []
    at(world, datetime(2027, 12, 19, 2, 1, tzinfo=UTC))
    (state,) = world.states()
    assert state.context["trigger"]["date"] == "2027-12-22"


def test_a_monthly_brand_date_lets_a_saved_segment_in_each_month(world):
    members = [world.person("会员甲"), world.person("会员乙")]
    world.person("非会员")
    for person in members:
        tag(world, person, "会员")
    with transaction(world.runtime.sessions) as session:
        add_brand_date(session, name="会员日", rule="每月18日", now=world.clock.now(), by="test")
        create_segment(
            session,
            name="会员",
            rule={"type": "tag", "tag": "会员"},
            created_by="test",
            now=world.clock.now(),
        )
    world.journey(
        """
key: member-day
name: 会员日提醒
trigger: {type: calendar, day: 会员日, at: "09:00", segment: 会员,
          properties: {offer: 会员日满100减20}}
reentry: {policy: always}
steps: [{id: mark, type: tag, add: [会员日已提醒]}]
"""
    )
    at(world, datetime(2026, 12, 18, 1, 1, tzinfo=UTC))  # 09:01 in Shanghai on the 18th
    states = world.states()
    assert sorted(s.customer_id for s in states) == members
    assert states[0].context["trigger"]["offer"] == "会员日满100减20"
    assert states[0].context["trigger"]["kind"] == "品牌日"
    at(world, datetime(2026, 12, 19, 1, 1, tzinfo=UTC))
    assert len(world.states()) == 2
    at(world, datetime(2027, 1, 18, 1, 1, tzinfo=UTC))
    assert len(world.states()) == 4


@pytest.mark.parametrize(
    ("trigger", "path", "words"),
    [
        (
            "{calendar: 冬至节, audience: {type: tag, tag: x}}",
            "trigger.day",
            "日历上没有「冬至节」",
        ),
        ("{calendar: 冬至}", "trigger.calendar", "二选一"),
        ("{calendar: 冬至, offset_days: 90, audience: {type: tag, tag: x}}", "offset_days", "-60"),
        ("{calendar: 冬至, at: 25:00, audience: {type: tag, tag: x}}", "at", "24 小时制"),
        ("{calendar: 冬至, audience: {type: tag, tag: x}, when: 1}", "when", "不认识这一项"),
        ("{calendar: 冬至, year: 3000, audience: {type: tag, tag: x}}", "year", "1901-2199"),
    ],
)
def test_a_calendar_trigger_that_cannot_run_is_refused_in_chinese(world, trigger, path, words):
    document = f"key: bad\nname: 坏的\ntrigger: {trigger}\nsteps: [{{id: a, type: tag, add: [x]}}]"
    with (
        transaction(world.runtime.sessions) as session,
        pytest.raises(DefinitionError) as refused,
    ):
        save_journey(session, document, by="test", now=world.clock.now())
    (detail,) = refused.value.details
    assert detail["path"].endswith(path)
    assert words in detail["reason"]
