"""The outbox's Deferred and RetryAfter outcomes (added for held and throttled messages)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop.store.engine import transaction
from liveloop.store.outbox import Deferred, DrainReport, Outbox, OutboxMessage, RetryAfter, enqueue


def _row(rt) -> OutboxMessage:
    with transaction(rt.sessions) as session:
        return session.scalars(select(OutboxMessage)).one()


def test_a_deferred_send_is_rescheduled_without_using_an_attempt(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    box = Outbox(max_attempts=2)
    calls = []

    def sender(envelope):
        calls.append(envelope.attempts)
        if len(calls) <= 3:
            raise Deferred(clock.now() + timedelta(hours=1), "quiet hours")

    box.register("message", sender)
    with transaction(rt.sessions) as session:
        enqueue(session, "message", "k1", {}, clock.now())
    for _ in range(3):
        assert box.drain(rt.sessions, clock) == DrainReport(deferred=1)
        row = _row(rt)
        assert row.status == "pending" and row.attempts == 0
        assert row.next_attempt_at == clock.now() + timedelta(hours=1)
        assert box.drain(rt.sessions, clock) == DrainReport()  # not due yet
        clock.advance(hours=1)
    assert box.drain(rt.sessions, clock) == DrainReport(sent=1)
    assert calls == [1, 1, 1, 1]  # deferrals never counted towards max_attempts=2


def test_retry_after_waits_the_delay_the_receiver_named(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    box = Outbox()

    def sender(envelope):
        raise RetryAfter(timedelta(seconds=60), "errcode 45009")

    box.register("message", sender)
    with transaction(rt.sessions) as session:
        enqueue(session, "message", "k1", {}, clock.now())
    assert box.drain(rt.sessions, clock) == DrainReport(retrying=1)
    row = _row(rt)
    assert row.attempts == 1 and row.next_attempt_at == clock.now() + timedelta(seconds=60)
    assert "45009" in row.last_error
