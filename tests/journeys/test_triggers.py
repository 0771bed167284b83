"""Segment, date and schedule triggers, branch conditions and exit conditions — the parts of a
journey that read segment rules."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from liveloop.analytics.models import RepurchasePrediction
from liveloop.journeys.models import JourneyState
from liveloop.profiles.service import change_tags
from liveloop.segments.service import create_segment, refresh_memberships
from liveloop.store.engine import transaction
from tests.journeys.test_flow import tags_of


def tag(world, person, *tags):
    with transaction(world.runtime.sessions) as session:
        change_tags(session, person, add=list(tags), source="manual", at=world.clock.now())


def test_entering_a_segment_starts_the_journey(world):
    with transaction(world.runtime.sessions) as session:
        create_segment(
            session,
            name="烘焙爱好者",
            rule={"type": "tag", "tag": "烘焙爱好者"},
            created_by="test",
            now=world.clock.now(),
        )
    world.journey(
        """
key: bakers
name: 烘焙欢迎
trigger: {type: segment_entered, segment: 烘焙爱好者}
steps: [{id: mark, type: tag, add: [已欢迎烘焙]}]
"""
    )
    baker, other = world.person("烘焙张"), world.person("路人")
    tag(world, baker, "烘焙爱好者")
    with transaction(world.runtime.sessions) as session:
        refresh_memberships(session, world.clock.now())
    world.run()
    assert "已欢迎烘焙" in tags_of(world, baker)
    assert "已欢迎烘焙" not in tags_of(world, other)


def test_a_branch_reads_the_person_at_the_moment_it_is_reached(world):
    world.journey(
        """
key: vip-branch
name: 分支
trigger: {type: event, event: Signed Up}
steps:
  - {id: pause, type: wait, duration: 1d}
  - {id: check, type: branch, condition: {type: tag, tag: VIP}, then: vip, else: normal}
  - {id: vip, type: tag, add: [走VIP], next: end}
  - {id: normal, type: tag, add: [走普通]}
"""
    )
    early_vip, plain = world.person(), world.person()
    for person in (early_vip, plain):
        world.event(person, "Signed Up")
    world.run()
    tag(world, early_vip, "VIP")  # became VIP while waiting
    world.advance(days=1)
    assert "走VIP" in tags_of(world, early_vip)
    assert "走普通" in tags_of(world, plain)


def test_an_exit_condition_ends_the_journey_at_the_next_wake(world):
    world.journey(
        """
key: exit-rule
name: 退出条件
trigger: {type: event, event: Signed Up}
exit: {condition: {type: tag, tag: 已退订营销}}
steps:
  - {id: pause, type: wait, duration: 1d}
  - {id: mark, type: tag, add: [继续]}
"""
    )
    leaver, stayer = world.person(), world.person()
    for person in (leaver, stayer):
        world.event(person, "Signed Up")
    world.run()
    tag(world, leaver, "已退订营销")
    world.advance(days=1)
    assert "继续" not in tags_of(world, leaver)
    assert "继续" in tags_of(world, stayer)
    (state,) = world.states(leaver)
    assert state.exit_reason == "exit condition met"


def test_birthdays_enter_on_the_day_at_the_local_time_once(world):
    today = world.clock.now().astimezone(world.runtime.settings.tz).date()
    birthday_girl = world.person("寿星", birthday=date(1990, today.month, today.day))
    world.person("别人", birthday=date(1990, 1, 1) if today.month != 1 else date(1990, 6, 1))
    world.journey(
        """
key: bday
name: 生日
trigger: {type: date, date: birthday, at: "09:00"}
reentry: {policy: always}
steps: [{id: mark, type: tag, add: [生日快乐]}]
"""
    )
    world.advance(hours=1)  # 21:00 in Shanghai: today's 09:00 slot was before the switch-on
    assert world.states() == []
    world.advance(hours=13)  # next day 10:00 local: a new slot, but not their birthday
    assert world.states() == []
    world.advance(days=364)
    world.advance(minutes=1)
    people = [s.customer_id for s in world.states()]
    assert people == [birthday_girl]
    world.advance(minutes=30)  # the same slot again lets nobody in twice
    assert len(world.states()) == 1


def test_repurchase_reminder_enters_three_days_before_run_out_with_the_sku(world):
    person = world.person()
    tz = world.runtime.settings.tz
    local_today = world.clock.now().astimezone(tz).date()
    runout = local_today + timedelta(days=5)
    with transaction(world.runtime.sessions) as session:
        session.add(
            RepurchasePrediction(
                customer_id=person,
                sku="MILK-1",
                run_id=1,
                purchases=3,
                interval_days=10.0,
                last_purchase_at=world.clock.now() - timedelta(days=6),
                runout_at=world.clock.now() + timedelta(days=5),
                remind_at=world.clock.now() + timedelta(days=1),
            )
        )
    world.journey(
        """
key: refill
name: 复购
trigger: {type: date, date: repurchase_runout, offset_days: -3, at: "10:00"}
steps: [{id: mark, type: tag, add: [该补货了]}]
"""
    )
    world.advance(days=1)  # run-out is 4 days away
    assert world.states() == []
    world.advance(days=1)
    (state,) = world.states()
    assert state.context["trigger"]["sku"] == "MILK-1"
    assert state.context["trigger"]["runout_on"] == runout.isoformat()


def test_a_weekly_schedule_enters_the_audience_at_its_slot(world):
    fans = [world.person(f"粉丝{i}") for i in range(3)]
    world.person("路人")
    for person in fans:
        tag(world, person, "直播粉丝")
    weekday = world.clock.now().astimezone(world.runtime.settings.tz) + timedelta(days=1)
    world.journey(
        f"""
key: weekly-fans
name: 每周粉丝
trigger:
  type: schedule
  every: week
  weekday: {weekday.isoweekday()}
  at: "10:00"
  audience: {{type: tag, tag: 直播粉丝}}
reentry: {{policy: always}}
steps: [{{id: mark, type: tag, add: [周推]}}]
"""
    )
    world.advance(hours=13)  # tomorrow 09:00 local: not yet
    assert world.states() == []
    world.advance(hours=1, minutes=1)
    with transaction(world.runtime.read_sessions) as session:
        entered = sorted(session.scalars(select(JourneyState.customer_id)))
    assert entered == fans
    world.advance(days=7)
    assert len(world.states()) == 6
