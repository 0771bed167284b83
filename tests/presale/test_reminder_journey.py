"""The built-in journey 预售尾款提醒 messages each buyer whose balance is due, before the window
opens and before it closes, and no one who has paid."""

from __future__ import annotations

from sqlalchemy import select

from liveloop import bootstrap
from liveloop.channels.models import Message
from liveloop.journeys.builtin import switch_on
from liveloop.store.engine import transaction


def messages_of(counter, person):
    with transaction(counter.runtime.read_sessions) as session:
        return [
            (m.template_code, m.body)
            for m in session.scalars(
                select(Message).where(Message.customer_id == person).order_by(Message.id)
            )
        ]


def test_the_balance_reminder_journey_messages_buyers_who_have_not_paid(counter):
    bootstrap.wire(counter.runtime)
    with transaction(counter.runtime.sessions) as session:
        switch_on(session, "presale-balance-reminder", by="test", now=counter.clock.now())
    counter.presale(opens_in_days=3, open_days=4, remind_hours=24)
    payer = counter.deposit("王阿姨")
    forgetter = counter.deposit("李叔")
    counter.clock.advance(days=2)  # a day before the window opens
    counter.run()
    counter.runtime.outbox.drain_until_idle(counter.runtime.sessions, counter.clock)
    for person in (counter.person("王阿姨"), counter.person("李叔")):
        ((template, body),) = messages_of(counter, person)
        assert template == "presale_balance_due"
        assert "中秋月饼礼盒 预售" in body and "¥108.00" in body and "即将开始支付" in body
    counter.clock.advance(days=1)
    counter.balance(payer.deposit_order_no)
    counter.clock.advance(days=3)  # a day before the window closes
    counter.run()
    counter.runtime.outbox.drain_until_idle(counter.runtime.sessions, counter.clock)
    assert len(messages_of(counter, counter.person("王阿姨"))) == 1
    closing = messages_of(counter, counter.person("李叔"))
    assert len(closing) == 2 and "即将截止" in closing[1][1]
    assert forgetter.status == "deposit_paid"
