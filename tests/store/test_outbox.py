"""The outbox sends a side effect exactly when its transaction committed, at least once, always
with its idempotency key, retrying with backoff until it is sent or dead."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveloop.profiles.models import Customer
from liveloop.runtime import Runtime
from liveloop.store import outbox
from liveloop.store.engine import transaction
from liveloop.store.outbox import (
    LEASE,
    DrainReport,
    Envelope,
    Outbox,
    OutboxMessage,
    PermanentFailure,
)

THANKS = {"to": "wx-zhang", "text": "张女士,您的脐橙已签收,附上一份果酱食谱 🍊"}


class RecordingSender:
    """A WeCom stand-in: records every envelope, failing the first ``failures`` with ``error``."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.received: list[Envelope] = []
        self.failures = failures
        self.error = error or ConnectionError("企业微信接口超时")

    def __call__(self, envelope: Envelope) -> None:
        self.received.append(envelope)
        if len(self.received) <= self.failures:
            raise self.error


def enqueue(rt: Runtime, key: str = "thanks:SO1", payload: dict | None = None) -> None:
    with transaction(rt.sessions) as session:
        outbox.enqueue(session, "wecom", key, payload or THANKS, rt.clock.now())


def message(rt: Runtime, key: str = "thanks:SO1") -> OutboxMessage:
    with transaction(rt.sessions) as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()


def message_count(rt: Runtime) -> int:
    with transaction(rt.sessions) as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def wecom_outbox(sender, max_attempts: int = 10) -> Outbox:
    box = Outbox(max_attempts=max_attempts)
    box.register("wecom", sender)
    return box


def test_message_enqueued_in_a_rolled_back_transaction_is_never_sent(store_runtime):
    rt = store_runtime
    sender = RecordingSender()

    with pytest.raises(RuntimeError), transaction(rt.sessions) as session:
        outbox.enqueue(session, "wecom", "thanks:SO1", THANKS, rt.clock.now())
        raise RuntimeError("the order failed to save")

    assert wecom_outbox(sender).drain_until_idle(rt.sessions, rt.clock) == 0
    assert sender.received == []
    assert message_count(rt) == 0


def test_committed_message_is_sent_once_with_its_idempotency_key(store_runtime):
    rt = store_runtime
    sender = RecordingSender()
    box = wecom_outbox(sender)
    enqueue(rt)

    assert box.drain(rt.sessions, rt.clock) == DrainReport(sent=1)
    assert box.drain_until_idle(rt.sessions, rt.clock) == 0

    [envelope] = sender.received
    assert (envelope.kind, envelope.idempotency_key, envelope.payload) == (
        "wecom",
        "thanks:SO1",
        THANKS,
    )
    sent = message(rt)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (
        "sent",
        1,
        rt.clock.now(),
        None,
    )


def test_enqueueing_the_same_key_twice_keeps_one_message(store_runtime):
    rt = store_runtime
    sender = RecordingSender()
    enqueue(rt, payload=THANKS)
    enqueue(rt, payload={"text": "重复"})
    with transaction(rt.sessions) as session:
        for _ in range(2):
            outbox.enqueue(session, "wecom", "thanks:SO2", THANKS, rt.clock.now())

    assert message_count(rt) == 2
    assert message(rt).payload == THANKS  # the first one stands
    assert wecom_outbox(sender).drain_until_idle(rt.sessions, rt.clock) == 2
    assert sorted(e.idempotency_key for e in sender.received) == ["thanks:SO1", "thanks:SO2"]


def test_failed_send_is_retried_after_backoff_until_it_succeeds(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    sender = RecordingSender(failures=2)
    box = wecom_outbox(sender)
    enqueue(rt)

    assert box.drain(rt.sessions, clock) == DrainReport(retrying=1)
    pending = message(rt)
    assert (pending.status, pending.attempts) == ("pending", 1)
    assert pending.last_error == "ConnectionError: 企业微信接口超时"
    assert pending.next_attempt_at == clock.now() + timedelta(seconds=2)

    # Before the backoff runs out nothing is sent.
    clock.advance(seconds=1.9)
    assert box.drain(rt.sessions, clock) == DrainReport()
    assert len(sender.received) == 1

    clock.advance(seconds=0.1)
    assert box.drain(rt.sessions, clock) == DrainReport(retrying=1)
    assert message(rt).next_attempt_at == clock.now() + timedelta(seconds=4)

    clock.advance(seconds=4)
    assert box.drain(rt.sessions, clock) == DrainReport(sent=1)

    assert [e.attempts for e in sender.received] == [1, 2, 3]
    assert {e.idempotency_key for e in sender.received} == {"thanks:SO1"}
    sent = message(rt)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 3, None)


def test_send_that_keeps_failing_is_dead_after_max_attempts(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    sender = RecordingSender(failures=100)
    box = wecom_outbox(sender, max_attempts=3)
    enqueue(rt)

    reports = []
    for _ in range(5):
        reports.append(box.drain(rt.sessions, clock))
        clock.advance(hours=1)

    assert reports == [
        DrainReport(retrying=1),
        DrainReport(retrying=1),
        DrainReport(dead=1),
        DrainReport(),
        DrainReport(),
    ]
    assert len(sender.received) == 3
    dead = message(rt)
    assert (dead.status, dead.attempts, dead.sent_at) == ("dead", 3, None)
    assert dead.last_error == "ConnectionError: 企业微信接口超时"


def test_permanent_failure_is_dead_at_once(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    sender = RecordingSender(failures=1, error=PermanentFailure("40003 invalid external_userid"))
    box = wecom_outbox(sender)
    enqueue(rt)

    assert box.drain(rt.sessions, clock) == DrainReport(dead=1)
    clock.advance(days=1)
    assert box.drain(rt.sessions, clock) == DrainReport()

    assert len(sender.received) == 1
    dead = message(rt)
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error == "permanent: 40003 invalid external_userid"


def test_message_of_a_kind_without_sender_is_dead_not_lost(store_runtime):
    rt = store_runtime
    with transaction(rt.sessions) as session:
        outbox.enqueue(session, "sms", "sms:SO1", {"phone": "+8613800138000"}, rt.clock.now())

    assert wecom_outbox(RecordingSender()).drain(rt.sessions, rt.clock) == DrainReport(dead=1)
    dead = message(rt, "sms:SO1")
    assert dead.status == "dead"
    assert "no sender registered for kind 'sms'" in dead.last_error


def test_message_claimed_by_a_worker_that_died_is_resent_after_the_lease(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    sender = RecordingSender()
    box = wecom_outbox(sender)
    enqueue(rt)

    # A worker claims the message, then dies before sending or recording anything.
    [lost] = box._claim(rt.sessions, clock.now(), 10)
    assert message(rt).status == "sending"

    # While the lease holds, no other worker touches it.
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert box.drain(rt.sessions, clock) == DrainReport()
    assert sender.received == []

    clock.advance(seconds=1)
    assert box.drain(rt.sessions, clock) == DrainReport(sent=1)
    assert box.drain_until_idle(rt.sessions, clock) == 0

    [envelope] = sender.received
    assert envelope.idempotency_key == lost.idempotency_key == "thanks:SO1"
    assert message(rt).status == "sent"


def test_a_message_that_kills_its_worker_every_time_goes_dead(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    box = wecom_outbox(RecordingSender(), max_attempts=3)
    enqueue(rt)
    for _ in range(3):  # claimed, then the worker dies mid-send, three times
        assert len(box._claim(rt.sessions, clock.now(), 10)) == 1
        clock.advance(seconds=LEASE.total_seconds())
    assert box._claim(rt.sessions, clock.now(), 10) == []
    dead = message(rt)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert "worker stopped" in dead.last_error


def test_a_late_result_does_not_overwrite_the_worker_that_took_over(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    box = wecom_outbox(RecordingSender())
    enqueue(rt)
    [slow] = box._claim(rt.sessions, clock.now(), 10)
    clock.advance(seconds=LEASE.total_seconds() + 1)
    # The lease ran out; another worker sends it and records success.
    assert box.drain(rt.sessions, clock) == DrainReport(sent=1)
    sent_at = message(rt).sent_at
    # The slow worker's send finally times out; its lease is gone, so its outcome is dropped.
    outcome = box._settle(rt.sessions, slow, "TimeoutError: 企业微信接口超时", False, clock.now())
    assert outcome == "superseded"
    assert message(rt).status == "sent" and message(rt).sent_at == sent_at


def test_watch_wakes_the_drainer_after_a_commit_that_enqueued(store_runtime):
    rt = store_runtime
    wake = rt.outbox.wake  # Runtime.open has the outbox watch the runtime's sessions
    wake.clear()

    with transaction(rt.sessions) as session:
        session.add(Customer(oneid="C0001", traits={}))
    assert not wake.is_set()

    with pytest.raises(RuntimeError), transaction(rt.sessions) as session:
        outbox.enqueue(session, "wecom", "thanks:SO1", THANKS, rt.clock.now())
        raise RuntimeError("rolled back")
    assert not wake.is_set()

    with transaction(rt.sessions) as session:
        outbox.enqueue(session, "wecom", "thanks:SO2", THANKS, rt.clock.now())
        assert not wake.is_set()  # not before the message is visible to the drainer
    assert wake.is_set()


@pytest.mark.postgres
def test_concurrent_drainers_send_each_message_once(pg_runtime):
    rt = pg_runtime
    with transaction(rt.sessions) as session:
        for n in range(60):
            outbox.enqueue(session, "wecom", f"thanks:SO{n:03d}", THANKS, rt.clock.now())
    sends: Counter[str] = Counter()
    lock = threading.Lock()

    def sender(envelope: Envelope) -> None:
        with lock:
            sends[envelope.idempotency_key] += 1

    box = wecom_outbox(sender)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def drainer() -> None:
        try:
            start.wait(10)
            for _ in range(10):
                box.drain(rt.sessions, rt.clock, limit=4)
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=drainer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    box.drain_until_idle(rt.sessions, rt.clock)

    assert errors == []
    assert len(sends) == 60
    assert set(sends.values()) == {1}
    with transaction(rt.sessions) as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}
