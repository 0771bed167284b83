"""A month of the demo brand with every built-in journey switched on, run in seconds on an
injected clock: dated and scheduled journeys let the right people in, and the guard rails hold
across journeys — at most two marketing messages per person per local day, nothing marketing
sent in quiet hours, WeCom's monthly mass-send quota, SMS marketing only with opt-in."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.analytics.models import RepurchasePrediction
from liveloop.channels.models import Message
from liveloop.clock import ManualClock
from liveloop.journeys.builtin import builtins, switch_on
from liveloop.journeys.models import Journey, JourneyState
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from tests.conftest import BRAND_NOW, make_settings

DAYS = 30
SENT = ("sent", "delivered")


@pytest.fixture(scope="module")
def month(analysed_store, tmp_path_factory):
    clock = ManualClock(BRAND_NOW)
    path = tmp_path_factory.mktemp("month") / "brand.db"
    shutil.copyfile(analysed_store, path)
    # One marketing message a day, so a month of overlapping journeys meets the cap.
    runtime = bootstrap.open_runtime(
        make_settings(f"sqlite:///{path}", marketing_daily_cap=1), clock
    )
    bootstrap.wire(runtime)
    with transaction(runtime.sessions) as session:
        for key in builtins():
            switch_on(session, key, by="test", now=clock.now())
    start = clock.now()
    for _ in range(DAYS * 12):
        clock.advance(hours=2)
        runtime.run_tasks_until_idle()
        runtime.outbox.drain_until_idle(runtime.sessions, clock)
    yield runtime, start
    runtime.close()


def local(moment, runtime):
    return moment.astimezone(runtime.settings.tz)


def test_birthdays_in_the_month_get_their_gift_once(month):
    runtime, start = month
    tz = runtime.settings.tz
    first, last = local(start, runtime).date(), local(runtime.clock.now(), runtime).date()
    with transaction(runtime.read_sessions) as session:
        people = session.execute(
            select(Customer.id, Customer.birthday).where(
                Customer.birthday.is_not(None), Customer.merged_into_id.is_(None)
            )
        ).all()
        entered = Counter(
            session.scalars(
                select(JourneyState.customer_id)
                .join(Journey, Journey.id == JourneyState.journey_id)
                .where(Journey.key == "birthday-gift")
            )
        )
    due = set()
    for person, birthday in people:
        for year in {first.year, last.year}:
            try:
                day = date(year, birthday.month, birthday.day)
            except ValueError:  # 29 February
                continue
            # today's 09:00 slot had passed when the journey was switched on (20:00)
            if first < day <= last:
                due.add(person)
    assert tz.key == "Asia/Shanghai" and local(start, runtime).hour >= 9
    assert due, "the brand should have birthdays in a month"
    assert set(entered) == due
    assert set(entered.values()) == {1}


def test_repurchase_reminders_enter_three_days_before_each_predicted_run_out(month):
    runtime, start = month
    with transaction(runtime.read_sessions) as session:
        predictions = session.execute(
            select(RepurchasePrediction.customer_id, RepurchasePrediction.runout_at)
        ).all()
        entered = set(
            session.scalars(
                select(JourneyState.customer_id)
                .join(Journey, Journey.id == JourneyState.journey_id)
                .where(Journey.key == "repurchase-reminder")
            )
        )
    first = local(start, runtime).date()
    last = local(runtime.clock.now(), runtime).date()
    due = {
        person
        for person, runout in predictions
        if first < local(runout, runtime).date() - timedelta(days=3) <= last
    }
    assert due and due <= entered


def test_guard_rails_hold_across_all_journeys(month):
    runtime, _ = month
    with transaction(runtime.read_sessions) as session:
        messages = list(session.scalars(select(Message)))
    assert messages, "a month of journeys sends messages"
    marketing = [m for m in messages if m.purpose == "marketing" and m.status in SENT]
    per_day = Counter((m.customer_id, local(m.sent_at, runtime).date()) for m in marketing)
    assert max(per_day.values()) <= runtime.settings.marketing_daily_cap
    for message in marketing:
        at = local(message.sent_at, runtime).time()
        assert not (
            at.hour * 60 + at.minute >= 21 * 60 + 30 or at.hour * 60 + at.minute < 8 * 60 + 30
        )
    wecom = Counter(
        (m.customer_id, local(m.sent_at, runtime).strftime("%Y-%m"))
        for m in marketing
        if m.channel == "wecom"
    )
    assert max(wecom.values()) <= runtime.settings.wecom_monthly_quota
    reasons = Counter(m.reason for m in messages if m.status == "suppressed")
    assert any("cap" in (r or "") or "quota" in (r or "") for r in reasons), reasons
    sms = [m for m in messages if m.channel == "sms" and m.purpose == "marketing"]
    assert all(m.status == "suppressed" for m in sms)  # nobody in the brand opted in to SMS


def test_nothing_is_left_behind(month):
    runtime, _ = month
    now = runtime.clock.now()
    with transaction(runtime.read_sessions) as session:
        overdue = session.scalars(
            select(JourneyState.id).where(
                JourneyState.status.in_(("active", "waiting")), JourneyState.due_at <= now
            )
        ).all()
        failed = session.scalars(select(JourneyState.id).where(JourneyState.status == "failed"))
        stuck = session.scalars(select(Message.id).where(Message.status == "queued")).all()
    assert overdue == [] and list(failed) == [] and stuck == []
