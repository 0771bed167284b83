"""At-least-once delivery without visible repeats, and caps that hold across workers."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from liveloop.channels import jobs as channels_jobs
from liveloop.channels.models import InboxMessage
from liveloop.store.engine import transaction
from liveloop.store.outbox import LEASE
from tests.channels.conftest import drain, message, open_runtime, queue, seed


def test_a_send_whose_worker_died_before_recording_it_is_resent_once_visible(channel_runtime):
    rt = channel_runtime
    sent = queue(rt, "promo-1", "promo_wecom")
    sender = channels_jobs.register(rt)
    # A worker claims the message, the provider (the console outbox) accepts it, and the worker
    # dies before recording anything.
    [envelope] = rt.outbox._claim(rt.sessions, rt.clock.now(), 10)
    prepared = sender._prepare(int(envelope.payload["message_id"]))
    sender.adapter("wecom").send(prepared)
    assert message(rt, sent).status == "queued"
    rt.clock.advance(seconds=LEASE.total_seconds() + 1)
    drain(rt)  # another worker takes over after the lease
    assert message(rt, sent).status == "delivered"
    with transaction(rt.sessions) as session:
        assert session.scalar(select(func.count()).select_from(InboxMessage)) == 1


def test_two_workers_on_postgresql_never_send_the_third_marketing_message_of_a_day(
    postgres_url, clock
):
    rt = open_runtime(postgres_url, clock)
    try:
        seed(rt)
        channels_jobs.register(rt)
        ids = [
            queue(rt, f"promo-{i}", "promo_wecom" if i % 2 else "promo_console") for i in range(6)
        ]
        start = threading.Barrier(2)

        def work() -> None:
            start.wait()
            for _ in range(6):
                rt.outbox.drain(rt.sessions, rt.clock, limit=1)

        workers = [threading.Thread(target=work) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        drain(rt)
        statuses = sorted(message(rt, i).status for i in ids)
        assert statuses == ["delivered"] * 2 + ["suppressed"] * 4
    finally:
        rt.close()
