"""The built-in journeys turn subscriptions' events into messages: the reminder before a
cycle, and the failed charge with its reason and what happens next."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop.channels import jobs as channels_jobs
from liveloop.channels.models import Message
from liveloop.journeys import jobs as journeys_jobs
from liveloop.journeys.builtin import switch_on
from liveloop.store.engine import transaction


def bodies(shop) -> list[str]:
    with transaction(shop.runtime.read_sessions) as session:
        return [
            m.body
            for m in session.scalars(
                select(Message).where(Message.customer_id == shop.customer).order_by(Message.id)
            )
        ]


def test_the_customer_is_reminded_before_a_cycle_and_told_when_its_charge_fails(shop):
    channels_jobs.register(shop.runtime)
    engine = journeys_jobs.register(shop.runtime)
    with transaction(shop.runtime.sessions) as session:
        for key in ("subscription-cycle-due", "subscription-payment-failed"):
            switch_on(session, key, by="test", now=shop.clock.now())
    shop.charger.refusals = 99
    shop.subscribe(first_on=shop.today() + timedelta(days=2))

    def run() -> None:
        shop.run()
        engine.run_until_idle(shop.runtime.sessions, shop.clock)
        shop.runtime.outbox.drain_until_idle(shop.runtime.sessions, shop.clock)

    run()
    (reminder,) = bodies(shop)
    assert "每月一袋 五常大米 5kg" in reminder and "第1期" in reminder and "¥79.90" in reminder
    shop.clock.advance(days=2)
    run()
    assert "扣款未成功（余额不足）" in bodies(shop)[-1] and "自动再试" in bodies(shop)[-1]
    for hours in (1, 6, 24):
        shop.clock.advance(hours=hours)
        run()
    sent = bodies(shop)
    assert len(sent) == 5 and "订阅已暂停" in sent[-1]
