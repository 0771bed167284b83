"""Arrival and pickup scans (each harmless twice), a wrong code's clear refusal, reminders once
per order per day, and the confirmation 2 days after arrival through commerce."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from liveloop.community import jobs
from liveloop.community import service as community
from liveloop.community.contracts import CommunityConflict, UnknownPickup
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.community.conftest import local

TODAY = date(2026, 11, 20)
TOMORROW = TODAY + timedelta(days=1)


def _ready(town, buyers=("甲",)) -> tuple[list[str], int]:
    leader = town.leader("王姐")
    town.point("P1", leader.code)
    orders = [town.paid_order(b, local(TODAY, 10)) for b in buyers]
    for order_no in orders:
        town.to_point(order_no, "P1")
    town.build(TOMORROW)
    return orders, town.batches(TOMORROW)[0].batch_id


def _events(town, name: str) -> list[Event]:
    with transaction(town.runtime.read_sessions) as session:
        return list(session.scalars(select(Event).where(Event.name == name)))


def test_arrival_delivers_the_orders_and_pickup_confirms_them_each_scan_harmless_twice(town):
    (order_no,), batch_id = _ready(town)
    code = town.pickup(order_no).code
    with pytest.raises(CommunityConflict, match="还未到达"):
        town.scan(code)
    town.clock.current = local(TOMORROW, 9)
    assert town.arrive(batch_id).changed is True
    assert town.arrive(batch_id).changed is False
    assert town.order(order_no).status == "delivered"
    picked = town.scan(code.lower().replace("-", ""))
    assert picked.changed and picked.picked_up_at == town.clock.now()
    again = town.scan(code)
    assert again.changed is False and again.picked_up_at == picked.picked_up_at
    assert town.order(order_no).status == "completed"
    assert len(_events(town, "Order Picked Up")) == 1
    assert len(_events(town, "Batch Arrived")) == 1


def test_a_wrong_code_is_a_clear_404(town, client):
    _ready(town)
    with pytest.raises(UnknownPickup, match="取货码 K7M-4Q9 不存在"):
        town.scan("K7M-4Q9")
    from liveloop.access.service import create_api_key

    with transaction(town.runtime.sessions) as session:
        key = create_api_key(session, "op", "operator", town.clock.now())[1]
    answer = client.post(
        "/v1/community/scans/pickup",
        json={"code": "K7M-4Q9"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 404 and "取货码" in answer.json()["reason"]
    bad = client.post(
        "/v1/community/scans/pickup",
        json={"code": "OOO-111"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert bad.status_code == 422 and "取货码格式不对" in bad.json()["reason"]


def test_uncollected_orders_are_reminded_once_a_day_and_confirmed_two_days_after_arrival(town):
    (waiting, collected), batch_id = _ready(town, buyers=("甲", "乙"))
    jobs.register(town.runtime)
    town.clock.current = local(TOMORROW, 9)
    town.arrive(batch_id)
    town.scan(town.pickup(collected).code)

    def tick(at: datetime) -> None:
        town.clock.current = at
        for task in town.runtime.tasks:
            task.last_run = None
        town.runtime.run_tasks_until_idle()

    tick(local(TOMORROW, 12))  # three hours after arrival: not yet
    assert _events(town, "Pickup Reminder Due") == []
    tick(local(TOMORROW, 14))
    tick(local(TOMORROW, 20))  # the same day again: no second reminder
    reminders = _events(town, "Pickup Reminder Due")
    assert [e.properties["order_id"] for e in reminders] == [waiting]
    tick(local(TOMORROW + timedelta(days=1), 10))
    assert len(_events(town, "Pickup Reminder Due")) == 2
    assert town.order(waiting).status == "delivered"
    tick(local(TOMORROW + timedelta(days=2), 8, 59))  # 2 days after arrival less a minute
    assert town.order(waiting).status == "delivered"
    assert len(_events(town, "Pickup Reminder Due")) == 3  # a new day: reminded again
    tick(local(TOMORROW + timedelta(days=2), 9))
    assert town.order(waiting).status == "completed"
    assert town.pickup(waiting).confirmed_at == town.clock.now()
    assert town.pickup(waiting).picked_up_at is None
    confirmed = [e for e in _events(town, "Order Confirmed") if e.properties.get("by") == "auto"]
    assert [e.properties["order_id"] for e in confirmed] == [waiting]
    tick(local(TOMORROW + timedelta(days=3), 10))  # confirmed: no more reminders
    assert len(_events(town, "Pickup Reminder Due")) == 3


def test_a_batch_that_arrived_takes_no_more_orders(town):
    _, batch_id = _ready(town)
    town.arrive(batch_id)
    late = town.paid_order("乙", local(TODAY, 11))
    town.to_point(late, "P1")
    report = town.build(TOMORROW)
    assert (report.added, report.carried) == (0, 1)
    assert town.pickup(late).delivery_date == (TOMORROW + timedelta(days=1)).isoformat()
    with transaction(town.runtime.read_sessions) as session:
        assert community.get_batch(session, batch_id).orders == 1
