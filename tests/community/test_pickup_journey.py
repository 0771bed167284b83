"""The built-in journey 自提提醒 sends the buyer of an order waiting at its pickup point their
pickup code and the point, once a day, and nothing once they have collected."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.channels.models import Message
from liveloop.journeys.builtin import switch_on
from liveloop.store.engine import transaction
from tests.community.conftest import local
from tests.community.test_scans import TODAY, TOMORROW, _ready


def bodies(town, person: int) -> list[str]:
    with transaction(town.runtime.read_sessions) as session:
        return list(
            session.scalars(
                select(Message.body).where(Message.customer_id == person).order_by(Message.id)
            )
        )


def test_the_pickup_reminder_sends_the_code_daily_until_the_order_is_collected(town):
    (waiting, collected), batch_id = _ready(town, buyers=("甲", "乙"))
    bootstrap.wire(town.runtime)
    with transaction(town.runtime.sessions) as session:
        switch_on(session, "pickup-reminder", by="test", now=local(TODAY, 8))
    town.clock.current = local(TOMORROW, 9)
    town.arrive(batch_id)
    town.scan(town.pickup(collected).code)

    def tick(at) -> None:
        town.clock.current = at
        for task in town.runtime.tasks:
            task.last_run = None
        town.runtime.run_tasks_until_idle()
        town.runtime.outbox.drain_until_idle(town.runtime.sessions, town.clock)

    tick(local(TOMORROW, 14))
    (first,) = bodies(town, town.people["甲"])
    assert town.pickup(waiting).code in first and "自提" in first and "{{" not in first
    assert bodies(town, town.people["乙"]) == []  # collected at once: never reminded
    tick(local(TOMORROW + timedelta(days=1), 10))
    assert len(bodies(town, town.people["甲"])) == 2
    town.scan(town.pickup(waiting).code)
    tick(local(TOMORROW + timedelta(days=1), 12))
    assert len(bodies(town, town.people["甲"])) == 2
