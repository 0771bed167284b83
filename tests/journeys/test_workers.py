"""Two workers on PostgreSQL share due states with FOR UPDATE SKIP LOCKED: every person's step
runs once, whichever worker takes it, and both do part of the work."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from liveloop import bootstrap
from liveloop.channels.models import Message
from liveloop.journeys import stepper
from liveloop.journeys.models import JourneyStepRun
from liveloop.journeys.steps import EXECUTORS
from liveloop.profiles.models import CustomerTag
from liveloop.store.engine import transaction

pytestmark = pytest.mark.postgres
PEOPLE = 600


@pytest.fixture
def pg_world(postgres_url, clock):
    from tests.conftest import make_settings
    from tests.journeys.conftest import build_world

    runtime = bootstrap.open_runtime(make_settings(postgres_url), clock)
    yield build_world(runtime)
    runtime.close()


def test_two_workers_share_the_due_states_and_run_each_once(pg_world):
    world = pg_world
    from liveloop.channels.service import TemplateSpec, save_template

    with transaction(world.runtime.sessions) as session:
        save_template(
            session,
            TemplateSpec("hello", "问候", "console", "service", "{{ customer.name }}您好"),
            world.clock.now(),
        )
    world.journey(
        """
key: shared
name: 共享
trigger: {type: event, event: Signed Up}
steps:
  - {id: mark, type: tag, add: [处理过]}
  - {id: hello, type: send, channel: console, template: hello, purpose: service}
"""
    )
    people = [world.person(f"客{i}") for i in range(PEOPLE)]
    for person in people:
        world.event(person, "Signed Up")
    world.runtime.consumers.run_until_idle(world.runtime.sessions, world.clock)

    by_worker: Counter[str] = Counter()
    start = threading.Barrier(2)

    def work(name: str) -> None:
        book = stepper.Book()
        start.wait()
        while True:
            batch = stepper.run_due(
                world.runtime.sessions, world.clock, book, EXECUTORS, world.runtime.settings.tz, 50
            )
            if not batch.states:
                return
            by_worker[name] += batch.states

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sum(by_worker.values()) == PEOPLE
    assert by_worker["a"] > 0 and by_worker["b"] > 0
    with transaction(world.runtime.read_sessions) as session:
        runs = Counter(session.execute(select(JourneyStepRun.state_id, JourneyStepRun.step)).all())
        tagged = session.scalar(select(func.count()).where(CustomerTag.tag == "处理过"))
        messages = session.scalar(select(func.count()).select_from(Message))
    assert set(runs.values()) == {1} and len(runs) == 2 * PEOPLE
    assert tagged == PEOPLE and messages == PEOPLE
