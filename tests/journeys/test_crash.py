"""A worker process killed with SIGKILL in the middle of a send batch loses nothing and sends
nothing twice in effect: after a restart every due message reaches the receiver, each with
its own idempotency key (webhook-id) exactly once once the receiver drops repeats."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from liveloop import bootstrap
from liveloop.channels.models import Message
from liveloop.journeys.models import JourneyState, JourneyStepRun
from liveloop.journeys.service import change_status, save_journey
from liveloop.profiles.service import NewCustomer, create_customer
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append
from tests.conftest import make_settings

PEOPLE = 60
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # a test-only signing key


class Receiver(BaseHTTPRequestHandler):
    seen: ClassVar[Counter[str]] = Counter()
    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(0.05)  # a slow endpoint, so a batch is still sending when the kill comes
        with self.lock:
            self.seen[self.headers["webhook-id"]] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver():
    Receiver.seen = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()
    server.server_close()


def start_worker(url: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "LIVELOOP_DATABASE_URL": url,
        "LIVELOOP_WEBHOOK_SECRET": SECRET,
        "LIVELOOP_ANALYTICS_SCHEDULE": "false",
    }
    command = [sys.executable, "-m", "liveloop.cli", "worker", "--poll", "0.05"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_killed_worker_restarts_and_every_due_message_is_sent_exactly_once(
    store_url, receiver, tmp_path
):
    runtime = bootstrap.open_runtime(make_settings(store_url))  # the real clock: workers run on it
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        save_journey(
            session,
            {
                "key": "hook",
                "name": "通知ERP",
                "trigger": {"type": "event", "event": "Signed Up"},
                "steps": [
                    {"id": "tell", "type": "webhook", "endpoint": receiver, "event_type": "x.y"}
                ],
            },
            by="test",
            now=now,
        )
        change_status(session, "hook", "activate", now)
        people = [
            create_customer(session, NewCustomer(name=f"客{i}"), now, "test") for i in range(PEOPLE)
        ]
        append(
            session,
            [
                NewEvent("Signed Up", now, "test", "track", f"signup-{p}", customer_id=p)
                for p in people
            ],
            received_at=now,
        )

    def sent() -> int:
        with transaction(runtime.read_sessions) as session:
            return session.scalar(
                select(func.count()).where(Message.status.in_(("sent", "delivered")))
            )

    with open(tmp_path / "worker.log", "w") as log:
        first = start_worker(store_url, log)
        try:
            assert wait_for(lambda: sum(Receiver.seen.values()) >= 15, 60), "no sends began"
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        delivered_before_restart = len(Receiver.seen)
        assert delivered_before_restart < PEOPLE  # it really died mid-way

        leased = inflight(runtime)
        assert leased <= 10  # at most one claimed batch was in flight when the worker died
        # Those wait out their lease (2 minutes) before another worker may send them again;
        # the test moves the lease's end to now instead of waiting.
        expire_leases(runtime)
        second = start_worker(store_url, log)
        try:
            assert wait_for(lambda: sent() >= PEOPLE, 90), "not everything was sent"
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)

    assert sent() == PEOPLE
    assert len(Receiver.seen) == PEOPLE  # every message arrived …
    repeats = sum(Receiver.seen.values()) - PEOPLE
    assert repeats <= 1  # … and only the one cut off mid-request can arrive twice (same key)
    with transaction(runtime.read_sessions) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == PEOPLE
        assert session.scalar(select(func.count()).select_from(JourneyStepRun)) == PEOPLE
        statuses = set(session.scalars(select(JourneyState.status)))
    assert statuses == {"done"}
    runtime.close()


def inflight(runtime: Runtime) -> int:
    from liveloop.store.outbox import OutboxMessage

    with transaction(runtime.read_sessions) as session:
        return session.scalar(select(func.count()).where(OutboxMessage.status == "sending"))


def expire_leases(runtime: Runtime) -> None:
    from sqlalchemy import update

    from liveloop.store.outbox import OutboxMessage

    with transaction(runtime.sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending")
            .values(next_attempt_at=runtime.clock.now())
        )
