"""The journeys' hard cases: the awaited event arriving before the state waits for it, OneID
merging two people who are both inside, one order inside two overlapping entries."""

from __future__ import annotations

from datetime import date

from liveloop.identity.resolve import merge
from liveloop.store.engine import transaction
from tests.journeys.test_flow import CART, tags_of


def test_a_cart_paid_before_the_engine_looked_is_not_reminded(world):
    world.journey(CART)
    buyer = world.person("秒付")
    world.event(buyer, "Product Added", sku="SKU-1")
    world.clock.advance(minutes=2)  # the consumer takes both events in one pass, before any step
    world.event(buyer, "Order Completed", total="20")
    world.advance(hours=2)
    assert "加购未付" not in tags_of(world, buyer)
    assert world.steps_of(buyer)[0] == ("wait_pay", "event")
    assert world.traits_of(buyer)["paid_after_cart"] is True


def test_a_timeout_that_finds_the_event_in_the_log_takes_the_event_path(world):
    world.journey(CART)
    buyer = world.person("晚到的事件")
    world.event(buyer, "Product Added", sku="SKU-1")
    world.run()
    world.clock.advance(minutes=30)
    world.event(buyer, "Order Completed", total="20")
    world.clock.advance(hours=1)
    # the engine wakes the timeout before the consumer has read the order
    world.engine.run_until_idle(world.runtime.sessions, world.clock)
    assert "加购未付" not in tags_of(world, buyer)
    assert ("wait_pay", "event") in world.steps_of(buyer)


def test_merging_two_people_inside_the_same_scheduled_entry_keeps_one(world):
    from liveloop.profiles.service import change_tags

    twin_a, twin_b = world.person("微信号身份"), world.person("手机号身份")
    with transaction(world.runtime.sessions) as session:
        for person in (twin_a, twin_b):
            change_tags(session, person, add=["粉丝"], source="manual", at=world.clock.now())
    tomorrow = world.clock.now().astimezone(world.runtime.settings.tz).isoweekday() % 7 + 1
    world.journey(
        f"""
key: weekly-merge
name: 每周
trigger: {{type: schedule, every: week, weekday: {tomorrow}, at: "10:00",
          audience: {{type: tag, tag: 粉丝}}}}
steps:
  - {{id: pause, type: wait, duration: 1d}}
  - {{id: mark, type: tag, add: [周推]}}
"""
    )
    world.advance(hours=15)  # tomorrow 11:00 local: both entered by the same slot
    assert len(world.states()) == 2
    with transaction(world.runtime.sessions) as session:
        merge(session, twin_a, twin_b, world.clock.now(), {"by": "test"})
    world.advance(days=1)
    survivor, merged = world.states(twin_a), world.states(twin_b)
    assert [s.status for s in survivor] == ["done"]
    assert [(s.status, s.exit_reason) for s in merged] == [("exited", "merged")]
    assert tags_of(world, twin_a) >= {"周推"}


def test_a_merged_persons_waiting_state_is_woken_by_the_survivors_event(world):
    world.journey(CART)
    duplicate, survivor = world.person("设备身份"), world.person("会员身份")
    world.event(duplicate, "Product Added", sku="SKU-1")
    world.run()
    with transaction(world.runtime.sessions) as session:
        merge(session, survivor, duplicate, world.clock.now(), {"by": "test"})
    world.run()  # the journeys consumer reads "Identities Merged" and adopts the state
    (state,) = world.states()
    assert (state.customer_id, state.status) == (survivor, "waiting")
    world.advance(minutes=5)
    world.event(survivor, "Order Completed", total="30")
    world.advance(hours=2)
    assert world.traits_of(survivor)["paid_after_cart"] is True
    assert "加购未付" not in tags_of(world, survivor)


def test_one_order_converts_only_the_latest_of_two_overlapping_entries(world):
    world.journey(
        """
key: overlap
name: 重叠
trigger: {type: event, event: Product Added}
reentry: {policy: always}
goal: {event: Order Completed, within: 3d}
steps: [{id: mark, type: tag, add: [加购]}]
"""
    )
    person = world.person()
    world.event(person, "Product Added", sku="A")
    world.advance(hours=5)
    world.event(person, "Product Added", sku="B")
    world.advance(hours=1)
    world.event(person, "Order Completed", total="88")
    world.run()
    converted = [(s.converted_at is not None, str(s.revenue)) for s in world.states(person)]
    assert converted == [(False, "0.00"), (True, "88.00")]


def test_a_29_february_birthday_is_celebrated_on_the_28th_in_common_years(world):
    leapling = world.person("闰日宝宝", birthday=date(2004, 2, 29))
    world.journey(
        """
key: bday-leap
name: 生日
trigger: {type: date, date: birthday, at: "09:00"}
reentry: {policy: always}
steps: [{id: mark, type: tag, add: [生日快乐]}]
"""
    )
    world.clock.current = world.clock.current.replace(year=2027, month=2, day=27, hour=20)
    world.run()
    assert world.states() == []
    world.advance(hours=14)  # 28 February 2027, 10:00 local
    assert [s.customer_id for s in world.states()] == [leapling]
