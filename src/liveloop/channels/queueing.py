"""Queueing: a message or webhook call and its outbox item, in the caller's transaction."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from liveloop.channels.contracts import MessageStatus
from liveloop.channels.errors import ChannelsError
from liveloop.channels.message_templates import TemplateView, render_message, template_in
from liveloop.channels.messages import MessageView, message_row
from liveloop.channels.models import Message
from liveloop.channels.providers import CHANNELS
from liveloop.channels.sender import MESSAGE_KIND
from liveloop.errors import DomainError
from liveloop.profiles import service as profiles
from liveloop.store.outbox import enqueue


def _customer_variables(customer: profiles.Person) -> dict[str, Any]:
    return {
        "name": customer.name or "顾客",
        "customer": {
            "name": customer.name,
            "city": customer.city,
            "province": customer.province,
            "member_tier": customer.member_tier,
            "traits": dict(customer.traits),
        },
    }


def queue_message(
    session: Session,
    *,
    customer_id: int,
    channel: str,
    template_code: str,
    variables: dict[str, Any],
    purpose: str,
    idempotency_key: str,
    now: datetime,
    origin: dict[str, Any] | None = None,
) -> int:
    """Render the template for the person and queue the message; returns its id. The same key
    returns the same message (nothing else happens). Raises ``TemplateNotFound``,
    ``ChannelsError`` (unknown channel, purpose or customer) or ``RenderError``."""
    _check_key(idempotency_key)
    try:
        template, customer = _recipient_of(session, channel, template_code, purpose, customer_id)
    except DomainError:
        # A repeated key returns its message even if the template has changed since.
        existing = _by_key(session, idempotency_key)
        if existing is not None:
            return existing
        raise
    # A marketing template stays marketing whatever the caller says.
    if template.purpose == "marketing":
        purpose = "marketing"
    customer_id = customer.id
    rendered = render_message(template, {**_customer_variables(customer), **variables})
    return _insert(
        session,
        idempotency_key=idempotency_key,
        customer_id=customer_id,
        channel=channel,
        template_code=template_code,
        purpose=purpose,
        recipient=None,
        subject=rendered["subject"],
        body=rendered["body"],
        params=rendered["params"],
        origin=origin,
        now=now,
    )


def _recipient_of(
    session: Session, channel: str, template_code: str, purpose: str, customer_id: int
) -> tuple[TemplateView, profiles.Person]:
    if channel not in CHANNELS or channel == "webhook":
        raise ChannelsError(f"channel must be one of wecom, sms, email, console; not {channel!r}")
    if purpose not in ("marketing", "service"):
        raise ChannelsError("purpose must be marketing or service")
    template = template_in(session, template_code)
    if not template.active:
        raise ChannelsError(f"message template {template_code!r} is switched off")
    if template.channel != channel:
        raise ChannelsError(f"template {template_code!r} is for {template.channel}, not {channel}")
    customer = profiles.person_of(session, customer_id)
    if customer is not None and customer.merged_into_id is not None:
        customer = profiles.person_of(session, profiles.survivor_of(session, customer_id))
    if customer is None:
        raise ChannelsError(f"no customer {customer_id}")
    return template, customer


def queue_webhook(
    session: Session,
    *,
    endpoint: str,
    event_type: str,
    payload: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    origin: dict[str, Any] | None = None,
) -> int:
    """Queue a signed webhook call (Standard Webhooks); returns the message id."""
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return existing
    if not re.match(r"^https?://[^\s]+$", endpoint) or len(endpoint) > 512:
        raise ChannelsError("endpoint must be an http(s) URL of at most 512 characters")
    if not event_type or len(event_type) > 64:
        raise ChannelsError("event_type must be 1 to 64 characters")
    return _insert(
        session,
        idempotency_key=idempotency_key,
        customer_id=None,
        channel="webhook",
        template_code=None,
        purpose="service",
        recipient=endpoint,
        subject=event_type,
        body=event_type,
        params={"event_type": event_type, "payload": payload},
        origin=origin,
        now=now,
    )


def retry_dead(session: Session, message_id: int, now: datetime) -> MessageView:
    """Send a dead message again (an operator's decision): back to queued, a new outbox item
    (the outbox key changes, the provider idempotency key does not)."""
    message = message_row(session, message_id)
    if message.status != MessageStatus.DEAD:
        raise ChannelsError(f"message {message_id} is {message.status}, not dead")
    message.retries += 1
    message.status, message.reason, message.updated_at = MessageStatus.QUEUED, None, now
    enqueue(
        session,
        MESSAGE_KIND,
        f"message:{message.idempotency_key}:retry{message.retries}",
        {"message_id": message.id},
        now,
    )
    return MessageView.of(message)


def _check_key(key: str) -> None:
    if not key or len(key) > 180:
        raise ChannelsError("idempotency_key must be 1 to 180 characters")


def _by_key(session: Session, key: str) -> int | None:
    _check_key(key)
    return session.scalar(select(Message.id).where(Message.idempotency_key == key))


_INSERTS: dict[str, Any] = {}


def _insert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect (values bound per
    call, so SQLAlchemy reuses its compiled form)."""
    if dialect not in _INSERTS:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = cast(Table, Message.__table__)
        _INSERTS[dialect] = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(table.c.id)
        )
    return _INSERTS[dialect]


def _insert(
    session: Session,
    *,
    idempotency_key: str,
    origin: dict[str, Any] | None,
    now: datetime,
    **fields: Any,
) -> int:
    journey_id = (origin or {}).get("journey_id")
    message_id = session.execute(
        _insert_statement(session.get_bind().dialect.name),
        {
            "idempotency_key": idempotency_key,
            "status": MessageStatus.QUEUED,
            "attempts": 0,
            "retries": 0,
            "origin": origin,
            "journey_id": int(journey_id) if isinstance(journey_id, int) else None,
            "queued_at": now,
            "updated_at": now,
            "held_until": None,
            "sent_at": None,
            "delivered_at": None,
            "reason": None,
            "provider_message_id": None,
            **fields,
        },
    ).scalar()
    if message_id is None:  # a concurrent caller stored it first
        message_id = session.scalar(
            select(Message.id).where(Message.idempotency_key == idempotency_key)
        )
    if message_id is None:  # pragma: no cover - inserted or present just above
        raise ChannelsError("message was not stored")
    enqueue(session, MESSAGE_KIND, f"message:{idempotency_key}", {"message_id": message_id}, now)
    return message_id
