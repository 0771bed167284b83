"""Channels send throughput: N marketing/service messages queued in one transaction, then
drained by one outbox drainer through the guard rails into the console outbox (SQLite WAL).

    python -m bench.channels_send [N]

Per message the sender runs: the outbox claim (shared by 10), the guard-rail transaction
(consent, caps, quiet hours, usage row), the console inbox write, the status write and the
outbox settle — so the figure is what one worker sends per second, not a provider's limit.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from liveloop import bootstrap
from liveloop.channels import jobs as channels_jobs
from liveloop.channels import service
from liveloop.clock import ManualClock
from liveloop.config import Settings
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.store.engine import transaction


def main(n: int = 2000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", run_workers=False, _env_file=None
        )
        clock = ManualClock(datetime(2026, 11, 20, 4, 0, tzinfo=UTC))  # 12:00 in Shanghai
        rt = bootstrap.open_runtime(settings, clock)
        channels_jobs.register(rt)
        now = clock.now()
        with transaction(rt.sessions) as session:
            service.save_template(
                session,
                service.TemplateSpec(
                    code="tips",
                    name="食谱",
                    channel="wecom",
                    purpose="service",
                    body="{{ name }},这是您购买的{{ product }}的食谱",
                ),
                now,
            )
            people = [
                create_customer(session, NewCustomer(name=f"顾客{i}"), now, "bench")
                for i in range(n)
            ]
        started = time.perf_counter()
        with transaction(rt.sessions) as session:
            for i, person in enumerate(people):
                service.queue_message(
                    session,
                    customer_id=person,
                    channel="wecom",
                    template_code="tips",
                    variables={"product": "酱油"},
                    purpose="service",
                    idempotency_key=f"bench:{i}",
                    now=now,
                )
        queued = time.perf_counter() - started
        started = time.perf_counter()
        sent = rt.outbox.drain_until_idle(rt.sessions, clock)
        drained = time.perf_counter() - started
        rt.close()
    print(f"messages: {n}, sent: {sent}")
    print(f"queue (render + insert + enqueue): {n / queued:,.0f} messages/s")
    print(f"send (guard rails + console outbox), one drainer: {n / drained:,.0f} messages/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
