"""Personal data never reaches a log line: error texts are redacted before they are logged, and
the store's errors never carry a row's values."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from liveloop.errors import redact
from liveloop.store.consumers import Consumers
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append


@pytest.mark.parametrize(
    ("said", "logged"),
    [
        ("no customer with phone 13800138000", "no customer with phone 138****8000"),
        ("phone +86 138-0013-8000 refused", "phone 138****8000 refused"),
        ("+8613800138000", "138****8000"),
        ("call +14155550123", "call +141****0123"),
        ("mail zhang.xy@example.com.cn bounced", "mail ***@*** bounced"),
        ("order 2026112000000123 of 12 items", "order 2026112000000123 of 12 items"),
    ],
)
def test_redact_masks_phones_and_mail_and_keeps_other_numbers(said, logged):
    assert redact(said) == logged


def test_a_failing_consumer_logs_its_error_without_the_phone(runtime, caplog):
    def fail(session, event):
        raise ValueError(f"cannot reach {event.properties['phone']}")

    consumers = Consumers()
    consumers.subscribe("pii-probe", fail, max_attempts=1)
    with transaction(runtime.sessions) as session:
        append(
            session,
            [
                NewEvent(
                    name="Probe",
                    timestamp=runtime.clock.now(),
                    source="test",
                    properties={"phone": "13912345678"},
                )
            ],
            received_at=runtime.clock.now(),
        )
    with caplog.at_level(logging.DEBUG):
        consumers.run_until_idle(runtime.sessions, runtime.clock)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "139****5678" in logged and "13912345678" not in logged


def test_a_store_error_does_not_carry_the_values(runtime):
    with transaction(runtime.sessions) as session:
        session.execute(text("CREATE TABLE probe (phone TEXT UNIQUE)"))
        session.execute(text("INSERT INTO probe VALUES (:p)"), {"p": "13912345678"})
    with pytest.raises(IntegrityError) as raised, transaction(runtime.sessions) as session:
        session.execute(text("INSERT INTO probe VALUES (:p)"), {"p": "13912345678"})
    assert "13912345678" not in str(raised.value)


def test_the_access_log_prints_a_lookup_by_phone_redacted(client, caplog):
    """Once a runtime is open (``client`` opens one), the web server's access log is redacted."""
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/v1/profiles?type=phone&value=13912345678",
            "1.1",
            200,
        )
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text
