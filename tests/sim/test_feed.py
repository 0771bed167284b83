"""The demo feed keeps the brand trading through the real doors, and journeys react to it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from liveloop.channels import jobs as channels_jobs
from liveloop.channels.models import Message
from liveloop.journeys.builtin import switch_on
from liveloop.journeys.models import JourneyState
from liveloop.sim.feed import DemoFeed
from liveloop.store.engine import transaction
from tests.conftest import open_copy
from tests.journeys.conftest import build_world


def test_the_feed_trades_and_the_built_in_journeys_follow(brand_store, tmp_path, clock):
    runtime = open_copy(brand_store, tmp_path, clock)
    world = build_world(runtime)
    channels_jobs.register(runtime)
    with transaction(runtime.sessions) as session:
        for key in ("new-customer-welcome", "cart-abandonment", "post-live-follow-up"):
            switch_on(session, key, by="test", now=clock.now())
    feed = DemoFeed(runtime, seed=3)
    kinds = Counter()
    for _ in range(60):
        kinds[feed.step().kind] += 1
        clock.advance(minutes=1)
        world.run()
    world.advance(hours=2)
    runtime.outbox.drain_until_idle(runtime.sessions, clock)
    assert set(kinds) == {"order", "cart", "live", "newcomer"}
    with transaction(runtime.read_sessions) as session:
        entered = session.scalar(select(func.count()).select_from(JourneyState))
        sent = session.scalar(select(func.count()).where(Message.status.in_(("sent", "delivered"))))
    assert entered >= kinds["newcomer"] and sent > 0
    runtime.close()
