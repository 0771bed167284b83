"""Built-in journeys switched on and run end to end: messages through the channels' outbox,
coupons issued, guide tasks made, metrics that move."""

from __future__ import annotations

from sqlalchemy import select

from liveloop.channels import jobs as channels_jobs
from liveloop.channels.models import InboxMessage, Message
from liveloop.commerce.models import Coupon
from liveloop.journeys.builtin import builtins, switch_on
from liveloop.journeys.metrics import journey_metrics
from liveloop.store.engine import transaction


def switch(world, key, **kwargs):
    with transaction(world.runtime.sessions) as session:
        return switch_on(session, key, by="test", now=world.clock.now(), **kwargs)


def messages_of(world, person):
    with transaction(world.runtime.read_sessions) as session:
        return list(
            session.scalars(
                select(Message).where(Message.customer_id == person).order_by(Message.id)
            )
        )


def test_every_built_in_journey_switches_on_with_its_templates(world):
    for key in builtins():
        info = switch(world, key)
        assert info.status == "active" and info.template == key
    again = switch(world, "cart-abandonment")  # switching on twice changes nothing
    assert again.version == 1


def test_new_customer_welcome_thanks_guides_then_gives_a_coupon_on_day_three(world):
    channels_jobs.register(world.runtime)
    newcomer, regular = world.person("陈新客"), world.person("老客")
    world.order(regular)
    world.advance(days=1)
    info = switch(world, "new-customer-welcome")
    world.order(regular)  # a second order: not a new customer
    world.order(newcomer)
    world.run()
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)
    assert [m.template_code for m in messages_of(world, newcomer)] == ["welcome_thanks"]
    assert messages_of(world, regular) == []

    world.advance(days=1)
    world.advance(days=2)
    world.runtime.outbox.drain_until_idle(world.runtime.sessions, world.clock)
    sent = messages_of(world, newcomer)
    assert [m.template_code for m in sent] == ["welcome_thanks", "welcome_guide", "welcome_coupon"]
    with transaction(world.runtime.read_sessions) as session:
        (coupon,) = session.scalars(select(Coupon).where(Coupon.customer_id == newcomer))
        inbox = list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))
        metrics = journey_metrics(session, info.id)
    assert coupon.code in sent[-1].body and "陈新客" in sent[0].body
    assert {m.status for m in sent} <= {"sent", "delivered"}
    assert len(inbox) == 3
    assert metrics.entered == 1 and metrics.done == 1
    gift = next(s for s in metrics.steps if s.step == "gift_note")
    assert (gift.reached, gift.sent) == (1, 1)

    world.advance(days=2)
    world.order(newcomer, quantity=2)
    world.run()
    with transaction(world.runtime.read_sessions) as session:
        metrics = journey_metrics(session, info.id)
    assert metrics.converted == 1 and str(metrics.revenue) == "59.80"
