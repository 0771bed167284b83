"""The console outbox channel: "sending" writes a row the 消息 page shows. The demo default for
every channel without credentials. The inbox is unique on the idempotency key, so a repeated
send leaves one row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from liveloop.channels.adapters.base import Outgoing, SendResult
from liveloop.channels.models import InboxMessage
from liveloop.store.engine import dialect_insert, transaction


class ConsoleAdapter:
    name = "console"

    def __init__(self, factory: sessionmaker[Session], now: Callable[[], datetime]) -> None:
        self.factory, self.now = factory, now

    def send(self, message: Outgoing) -> SendResult:
        with transaction(self.factory) as session:
            session.execute(
                dialect_insert(session)(InboxMessage)
                .values(
                    idempotency_key=message.idempotency_key,
                    message_id=message.message_id,
                    customer_id=message.customer_id,
                    channel=message.channel,
                    recipient=message.recipient,
                    subject=message.subject,
                    body=message.body,
                    created_at=self.now(),
                )
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
            )
        return SendResult(provider_message_id=f"console:{message.message_id}", delivered=True)
