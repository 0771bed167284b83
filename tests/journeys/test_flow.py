"""Waits, waiting for events, goals, exits, splits and versions — the journey's control flow."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from liveloop.journeys.service import save_journey
from liveloop.profiles.models import Customer, CustomerTag
from liveloop.store.engine import transaction

CART = """
key: cart-test
name: 加购未付款
trigger: {type: event, event: Product Added}
goal: {event: Order Completed, within: 3d}
steps:
  - {id: wait_pay, type: wait_for_event, event: Order Completed, timeout: 1h,
     on_event: thank, on_timeout: nudge}
  - {id: nudge, type: tag, add: [加购未付], next: end}
  - {id: thank, type: set_trait, traits: {paid_after_cart: true}}
"""


def tags_of(world, person):
    with transaction(world.runtime.read_sessions) as session:
        return set(
            session.scalars(select(CustomerTag.tag).where(CustomerTag.customer_id == person))
        )


def traits_of(world, person):
    with transaction(world.runtime.read_sessions) as session:
        return session.scalar(select(Customer.traits).where(Customer.id == person))


def test_cart_abandoner_is_nudged_after_an_hour_and_a_buyer_is_not(store_world):
    world = store_world
    world.journey(CART)
    abandoner, buyer = world.person("张三"), world.person("李四")
    world.event(abandoner, "Product Added", sku="SKU-1")
    world.event(buyer, "Product Added", sku="SKU-1")
    world.run()
    assert [s.status for s in world.states()] == ["waiting", "waiting"]

    world.advance(minutes=10)
    world.event(buyer, "Order Completed", total="59.90")
    world.run()
    assert traits_of(world, buyer)["paid_after_cart"] is True
    assert "加购未付" not in tags_of(world, abandoner)  # not yet: the hour is not up

    world.advance(minutes=51)
    assert tags_of(world, abandoner) == {"加购未付"}
    assert "加购未付" not in tags_of(world, buyer)
    (a,) = world.states(abandoner)
    (b,) = world.states(buyer)
    assert (a.status, b.status) == ("done", "done")
    assert a.converted_at is None
    assert b.converted_at is not None and b.revenue == Decimal("59.90")
    assert world.steps_of(abandoner) == [
        ("wait_pay", "waiting"),
        ("wait_pay", "timeout"),
        ("nudge", "done"),
    ]


def test_waits_add_up_from_when_each_step_was_due_not_from_when_a_worker_woke(world):
    world.journey(
        """
key: waits
name: 等待
trigger: {type: event, event: Signed Up}
steps:
  - {id: first, type: wait, duration: 1d}
  - {id: mark1, type: tag, add: [day1]}
  - {id: second, type: wait, duration: 2d}
  - {id: mark3, type: tag, add: [day3]}
"""
    )
    person = world.person()
    world.event(person, "Signed Up")
    world.run()
    world.advance(hours=23, minutes=59)
    assert tags_of(world, person) == set()
    world.advance(days=5)  # a worker that was down catches up
    assert tags_of(world, person) == {"day1", "day3"}
    (state,) = world.states(person)
    assert state.status == "done"


def test_people_enter_once_unless_reentry_allows(world):
    world.journey(
        """
key: once
name: 一次
trigger: {type: event, event: Live Joined}
steps: [{id: mark, type: tag, add: [来过]}]
"""
    )
    world.journey(
        """
key: weekly
name: 每周一次
trigger: {type: event, event: Live Joined}
reentry: {policy: after, wait: 7d}
steps: [{id: mark, type: tag, add: [本周来过]}]
"""
    )
    person = world.person()
    for _ in range(4):  # days 0, 3, 6 and 9
        world.event(person, "Live Joined")
        world.advance(days=3)
    keys = sorted(s.journey_id for s in world.states(person))
    assert keys == [1, 2, 2]  # once; weekly at day 0 and day 9 (day 3 and 6 too soon)


def test_events_from_before_a_journey_was_switched_on_let_nobody_in(world):
    person = world.person()
    world.event(person, "Signed Up")
    world.advance(minutes=5)
    world.journey(
        "{key: late, name: 迟到, trigger: {type: event, event: Signed Up}, "
        "steps: [{id: mark, type: tag, add: [x]}]}"
    )
    world.run()
    assert world.states() == []


def test_an_exit_event_ends_the_journey_for_that_person(world):
    world.journey(
        """
key: winback
name: 召回
trigger: {type: event, event: Signed Up}
exit: {events: [Order Completed]}
steps:
  - {id: pause, type: wait, duration: 2d}
  - {id: mark, type: tag, add: [召回]}
"""
    )
    stays, leaves = world.person(), world.person()
    for person in (stays, leaves):
        world.event(person, "Signed Up")
    world.advance(days=1)
    world.event(leaves, "Order Completed", total="10")
    world.advance(days=2)
    assert tags_of(world, stays) == {"召回"}
    assert tags_of(world, leaves) == set()
    (state,) = world.states(leaves)
    assert (state.status, state.exit_reason) == ("exited", "event: Order Completed")


def test_a_split_sends_each_person_to_the_same_variant_in_stated_proportions(world):
    world.journey(
        """
key: ab
name: AB
trigger: {type: event, event: Signed Up}
reentry: {policy: always}
steps:
  - id: pick
    type: split
    variants:
      - {name: A, percent: 45, next: a}
      - {name: B, percent: 45, next: b}
      - {name: control, percent: 10, next: end}
  - {id: a, type: tag, add: [A], next: end}
  - {id: b, type: tag, add: [B]}
"""
    )
    people = [world.person(f"客{i}") for i in range(400)]
    for person in people:
        world.event(person, "Signed Up")
    world.run()
    variants = {s.customer_id: s.variant for s in world.states()}
    share = {v: list(variants.values()).count(v) / len(people) for v in ("A", "B", "control")}
    assert abs(share["A"] - 0.45) < 0.08 and abs(share["B"] - 0.45) < 0.08
    assert 0.04 < share["control"] < 0.17
    for person in people[:20]:  # again: same person, same variant
        world.event(person, "Signed Up")
    world.run()
    for person in people[:20]:
        assert {s.variant for s in world.states(person)} == {variants[person]}


def test_editing_a_journey_moves_new_entrants_only(world):
    first = """
key: versions
name: 版本
trigger: {type: event, event: Signed Up}
reentry: {policy: always}
steps:
  - {id: pause, type: wait, duration: 1d}
  - {id: mark, type: tag, add: [v1]}
"""
    world.journey(first)
    early = world.person()
    world.event(early, "Signed Up")
    world.run()
    with transaction(world.runtime.sessions) as session:
        info = save_journey(
            session, first.replace("[v1]", "[v2]"), by="test", now=world.clock.now()
        )
    assert (info.version, info.status) == (2, "active")
    late = world.person()
    world.event(late, "Signed Up")
    world.advance(days=1)
    assert tags_of(world, early) == {"v1"}
    assert tags_of(world, late) == {"v2"}


def test_a_person_merged_into_another_goes_on_as_the_survivor(world):
    world.journey(
        """
key: merged
name: 合并
trigger: {type: event, event: Signed Up}
steps:
  - {id: pause, type: wait, duration: 1d}
  - {id: mark, type: tag, add: [跟进]}
"""
    )
    duplicate, survivor = world.person("手机号身份"), world.person("微信身份")
    world.event(duplicate, "Signed Up")
    world.run()
    from liveloop.profiles.service import absorb

    with transaction(world.runtime.sessions) as session:
        absorb(session, survivor, duplicate)
    world.advance(days=1)
    assert tags_of(world, survivor) == {"跟进"}
    assert tags_of(world, duplicate) == set()
    (state,) = world.states()
    assert (state.customer_id, state.status) == (survivor, "done")


def test_a_person_whose_step_breaks_is_retried_later_and_the_rest_go_on(world):
    from liveloop.journeys import stepper, steps

    world.journey(
        """
key: fragile
name: 容错
trigger: {type: event, event: Signed Up}
steps: [{id: mark, type: tag, add: [过了]}]
"""
    )
    people = [world.person(f"客{i}") for i in range(5)]
    broken = people[2]
    for person in people:
        world.event(person, "Signed Up")
    world.runtime.consumers.run_until_idle(world.runtime.sessions, world.clock)

    def tag_unless_broken(wake, step):
        if wake.state.customer_id == broken:
            raise ConnectionError("the tag store is down for this one")
        return steps.tag(wake, step)

    executors = {**steps.EXECUTORS, "tag": tag_unless_broken}
    batch = stepper.run_due(
        world.runtime.sessions, world.clock, world.engine.book, executors, world.runtime.settings.tz
    )
    assert batch.states == 5
    for person in people:
        assert tags_of(world, person) == (set() if person == broken else {"过了"})
    (state,) = world.states(broken)
    assert (state.status, state.attempts) == ("active", 1)
    assert "tag store is down" in state.last_error
    assert state.due_at > world.clock.now()
    world.advance(minutes=5)  # retried with the real steps: it goes through
    assert tags_of(world, broken) == {"过了"}


THANKS = """
key: thanks-test
name: 购后感谢
reentry: {policy: always}
trigger: {type: event, event: Order Completed}
steps:
  - {id: mark, type: tag, add: [已感谢]}
"""


def test_one_order_enters_a_journey_once_though_two_events_tell_of_it(world):
    # An order-ledger source's Order Completed, then the one commerce logs as it records the
    # same order: one purchase, one entry. Another order enters again.
    world.journey(THANKS)
    buyer = world.person()
    world.event(buyer, "Order Completed", order_id="YZ-9", total="59.90")
    world.run()
    world.event(buyer, "Order Completed", order_id="YZ-9", total="59.90")
    world.run()
    assert [s.status for s in world.states(buyer)] == ["done"]
    world.event(buyer, "Order Completed", order_id="YZ-10", total="19.90")
    world.run()
    assert len(world.states(buyer)) == 2
