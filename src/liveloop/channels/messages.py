"""Reading messages: lists, counts by status and by journey step, the console inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.channels.errors import MessageNotFound
from liveloop.channels.models import InboxMessage, Message


@dataclass(frozen=True)
class MessageView:
    """A message as others read it (see ``channels.models.Message`` for each field)."""

    id: int
    customer_id: int | None
    channel: str
    template_code: str | None
    purpose: str
    recipient: str | None
    subject: str | None
    body: str
    status: str  # a MessageStatus
    reason: str | None
    provider_message_id: str | None
    attempts: int
    retries: int
    origin: dict[str, Any] | None
    journey_id: int | None
    queued_at: datetime
    held_until: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row: Message) -> MessageView:
        return cls(
            row.id,
            row.customer_id,
            row.channel,
            row.template_code,
            row.purpose,
            row.recipient,
            row.subject,
            row.body,
            row.status,
            row.reason,
            row.provider_message_id,
            row.attempts,
            row.retries,
            dict(row.origin) if row.origin else None,
            row.journey_id,
            row.queued_at,
            row.held_until,
            row.sent_at,
            row.delivered_at,
            row.updated_at,
        )


@dataclass(frozen=True)
class InboxView:
    """What the console channel "sent": a row of the 消息 page's inbox."""

    id: int
    message_id: int
    customer_id: int | None
    channel: str
    recipient: str | None
    subject: str | None
    body: str
    created_at: datetime


def list_messages(
    session: Session,
    *,
    status: str | None = None,
    channel: str | None = None,
    customer_id: int | None = None,
    journey_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[MessageView]]:
    query = select(Message)
    if status:
        query = query.where(Message.status == status)
    if channel:
        query = query.where(Message.channel == channel)
    if customer_id is not None:
        query = query.where(Message.customer_id == customer_id)
    if journey_id is not None:
        query = query.where(Message.journey_id == journey_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Message.id.desc()).offset(offset).limit(limit))
    return total, [MessageView.of(row) for row in rows]


def status_counts(session: Session) -> dict[str, dict[str, int]]:
    """{channel: {status: n}}."""
    counts: dict[str, dict[str, int]] = {}
    for channel, status, n in session.execute(
        select(Message.channel, Message.status, func.count()).group_by(
            Message.channel, Message.status
        )
    ):
        counts.setdefault(channel, {})[status] = n
    return counts


def message_row(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise MessageNotFound(f"no message {message_id}")
    return message


def get_message(session: Session, message_id: int) -> MessageView:
    return MessageView.of(message_row(session, message_id))


def inbox(session: Session, limit: int = 50) -> list[InboxView]:
    rows = session.scalars(select(InboxMessage).order_by(InboxMessage.id.desc()).limit(limit))
    return [
        InboxView(
            r.id,
            r.message_id,
            r.customer_id,
            r.channel,
            r.recipient,
            r.subject,
            r.body,
            r.created_at,
        )
        for r in rows
    ]
