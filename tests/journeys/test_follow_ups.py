"""Built-in follow-ups that pick a product for the person: after a live (the product they looked
at most, an 85折 coupon valid 24 hours) and cross-sell (the basket rules' recommendation)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from liveloop.analytics.models import AnalyticsReport, AnalyticsRun
from liveloop.channels import jobs as channels_jobs
from liveloop.channels.models import Message
from liveloop.commerce.models import Coupon
from liveloop.commerce.service import ProductSpec, upsert_product
from liveloop.store.engine import transaction
from tests.journeys.test_builtins import messages_of, switch


def products(world, *specs):
    with transaction(world.runtime.sessions) as session:
        for sku, name in specs:
            upsert_product(
                session,
                ProductSpec(sku, name, "乳品", Decimal("39.90"), 10, True),
                world.clock.now(),
            )


def test_post_live_buyers_get_a_recipe_and_watchers_a_24_hour_85_coupon_on_what_they_eyed(world):
    channels_jobs.register(world.runtime)
    products(world, ("MILK-1", "鲜牛奶"), ("YOG-2", "希腊酸奶"))
    switch(world, "post-live-follow-up")
    watcher, buyer = world.person("只看不买"), world.person("下单客")
    for sku in ("YOG-2", "MILK-1", "YOG-2"):
        world.event(watcher, "Live Product Clicked", sku=sku, live_session_id=7)
    world.event(watcher, "Live Left", live_session_id=7, watch_seconds=1500)
    world.order(buyer, "MILK-1")
    world.event(buyer, "Live Left", live_session_id=7, watch_seconds=900)
    world.run()
    world.advance(minutes=59)
    assert messages_of(world, watcher) == []
    world.advance(minutes=2)
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)

    (recipe,) = messages_of(world, buyer)
    assert recipe.template_code == "live_thanks_recipe" and recipe.purpose == "service"
    (nudge,) = messages_of(world, watcher)
    with transaction(world.runtime.read_sessions) as session:
        (coupon,) = session.scalars(select(Coupon).where(Coupon.customer_id == watcher))
    assert nudge.template_code == "live_coupon"
    assert "希腊酸奶" in nudge.body and coupon.code in nudge.body
    assert coupon.skus == ["YOG-2"]
    assert coupon.valid_until - coupon.valid_from == timedelta(hours=24)
    with transaction(world.runtime.read_sessions) as session:
        assert session.scalar(select(Message.id).where(Message.customer_id == buyer)) is not None


def test_cross_sell_recommends_what_the_basket_rules_pair_with_the_order(world):
    channels_jobs.register(world.runtime)
    products(world, ("MILK-1", "鲜牛奶"), ("OAT-3", "即食燕麦"), ("EGG-4", "土鸡蛋"))
    with transaction(world.runtime.sessions) as session:
        run = AnalyticsRun(
            kind="full",
            engine="duckdb",
            jobs=["baskets"],
            status="succeeded",
            as_of=world.clock.now(),
            started_at=world.clock.now(),
            finished_at=world.clock.now(),
            diagnostics={},
        )
        session.add(run)
        session.flush()
        for position, (left, right) in enumerate([("EGG-4", "MILK-1"), ("MILK-1", "OAT-3")]):
            session.add(
                AnalyticsReport(
                    run_id=run.id,
                    report="basket_rules",
                    position=position,
                    data={"antecedents": left, "consequents": right, "lift": 3.0 - position},
                )
            )
    switch(world, "cross-sell")
    milk, eggs_and_milk = world.person("买奶"), world.person("买蛋奶")
    world.order(milk, "MILK-1")
    world.run()
    world.advance(days=3, minutes=1)
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)
    (message,) = messages_of(world, milk)
    assert "即食燕麦" in message.body
    assert messages_of(world, eggs_and_milk) == []


def test_a_booked_live_missed_gets_its_highlights_an_hour_after_it_ends_not_before(world):
    channels_jobs.register(world.runtime)
    switch(world, "live-invitee-highlights")
    came, missed = world.person("来了"), world.person("没来")
    ends = (world.clock.now() + timedelta(days=1, hours=2)).isoformat()
    for person in (came, missed):
        world.event(person, "Live Reminder Set", live_session_id=9, live_ends_at=ends)
    world.run()
    world.advance(days=1)  # the live is on
    world.event(came, "Live Joined", live_session_id=9)
    world.advance(hours=2, minutes=30)  # it ended half an hour ago
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)
    assert messages_of(world, missed) == []
    world.advance(hours=13)  # an hour after the end fell in quiet hours; held until morning
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)
    assert [m.template_code for m in messages_of(world, missed)] == ["live_highlights"]
    assert messages_of(world, came) == []
