"""The channels facade: queue messages and webhooks, manage templates, take receipts and
replies, list messages and dead letters, and register the outbox senders.

    queue_message(session, customer_id=…, channel=…, template_code=…, variables=…,
                  purpose="marketing"|"service", idempotency_key=…, now=…, origin=…) -> id
    queue_webhook(session, endpoint=…, event_type=…, payload=…, idempotency_key=…, now=…) -> id
    register(outbox, runtime)

Queueing renders the template (so a broken template or a missing variable fails the caller,
not a worker at 3 a.m.) and writes the message and its outbox item in the caller's
transaction; the same idempotency key returns the same message. Consent, 退订, caps, quiet
hours and rate limits are checked when the message is sent (``channels.guards``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from liveloop.channels import events, guards, templates
from liveloop.channels.models import InboxMessage, Message, MessageTemplate
from liveloop.channels.sender import MESSAGE_KIND, apply_outcome
from liveloop.errors import DomainError
from liveloop.profiles import service as profiles
from liveloop.profiles.service import Follows, declare_merge_policy, set_consent, survivor_of
from liveloop.store.eventlog import emit
from liveloop.store.outbox import enqueue

if TYPE_CHECKING:
    from liveloop.config import Settings

CHANNELS = ("wecom", "sms", "email", "webhook", "console")
Channel = Literal["wecom", "sms", "email", "webhook", "console"]
Purpose = Literal["marketing", "service"]
STATUSES = ("queued", "held", "sent", "delivered", "failed", "suppressed", "dead")


class ChannelsError(DomainError):
    """A request the channels domain refuses."""


class TemplateNotFound(ChannelsError):
    status = 404


class MessageNotFound(ChannelsError):
    status = 404


# -- templates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSpec:
    code: str
    name: str
    channel: str
    purpose: str
    body: str
    subject: str | None = None
    sms_sign_name: str | None = None
    sms_template_id: str | None = None
    sms_params: Sequence[str] = ()
    wecom_msgtype: str | None = None
    attachments: Sequence[dict[str, Any]] = ()
    active: bool = True


def _validate(spec: TemplateSpec) -> None:
    if spec.channel not in CHANNELS:
        raise templates.TemplateInvalid(f"channel must be one of {', '.join(CHANNELS)}")
    if spec.purpose not in ("marketing", "service"):
        raise templates.TemplateInvalid("purpose must be marketing or service")
    templates.check(spec.body, "body")
    if spec.subject:
        templates.check(spec.subject, "subject")
    for i, param in enumerate(spec.sms_params):
        templates.check(param, f"sms_params[{i}]")
    if spec.channel == "sms" and not spec.sms_template_id:
        raise templates.TemplateInvalid("an SMS template needs the provider's sms_template_id")
    if spec.channel == "wecom" and (spec.wecom_msgtype or "text") not in ("text", "welcome"):
        raise templates.TemplateInvalid("wecom_msgtype must be text or welcome")


def save_template(session: Session, spec: TemplateSpec, now: datetime) -> MessageTemplate:
    """Create or replace the template with ``spec.code``; invalid syntax raises (422)."""
    _validate(spec)
    row = session.scalars(
        select(MessageTemplate).where(MessageTemplate.code == spec.code)
    ).one_or_none()
    if row is None:
        row = MessageTemplate(code=spec.code, created_at=now)
        session.add(row)
    row.name, row.channel, row.purpose = spec.name, spec.channel, spec.purpose
    row.body, row.subject = spec.body, spec.subject
    row.sms_sign_name, row.sms_template_id = spec.sms_sign_name, spec.sms_template_id
    row.sms_params = list(spec.sms_params)
    row.wecom_msgtype = spec.wecom_msgtype or ("text" if spec.channel == "wecom" else None)
    row.attachments = [dict(a) for a in spec.attachments]
    row.active, row.updated_at = spec.active, now
    session.flush()
    return row


def get_template(session: Session, code: str) -> MessageTemplate:
    row = session.scalars(select(MessageTemplate).where(MessageTemplate.code == code)).one_or_none()
    if row is None:
        raise TemplateNotFound(f"no message template {code!r}")
    return row


def list_templates(session: Session) -> list[MessageTemplate]:
    return list(session.scalars(select(MessageTemplate).order_by(MessageTemplate.code)))


def delete_template(session: Session, code: str) -> None:
    session.delete(get_template(session, code))


def preview_template(template: MessageTemplate, variables: dict[str, Any]) -> dict[str, Any]:
    return _render(template, variables)


def _render(template: MessageTemplate, variables: dict[str, Any]) -> dict[str, Any]:
    body = templates.render(template.body, variables)
    subject = templates.render(template.subject, variables, "subject") if template.subject else None
    params: dict[str, Any] = {}
    if template.channel == "sms":
        params = {
            "template_id": template.sms_template_id,
            "sign_name": template.sms_sign_name,
            "values": [
                templates.render(p, variables, f"sms_params[{i}]")
                for i, p in enumerate(template.sms_params or [])
            ],
        }
    elif template.channel == "wecom":
        params = {"msgtype": template.wecom_msgtype or "text", "attachments": template.attachments}
        if template.wecom_msgtype == "welcome":
            params["welcome_code"] = variables.get("welcome_code")
    return {"body": body, "subject": subject, "params": params}


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


# -- queueing ----------------------------------------------------------------------------


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
    rendered = _render(template, {**_customer_variables(customer), **variables})
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
) -> tuple[MessageTemplate, profiles.Person]:
    if channel not in CHANNELS or channel == "webhook":
        raise ChannelsError(f"channel must be one of wecom, sms, email, console; not {channel!r}")
    if purpose not in ("marketing", "service"):
        raise ChannelsError("purpose must be marketing or service")
    template = _template_in(session, template_code)
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


def _template_in(session: Session, code: str) -> MessageTemplate:
    """The template, read once per transaction: a journey batch queues hundreds of messages
    from a handful of templates."""
    known = session.info.setdefault("message_templates", {})
    if code not in known:
        known[code] = get_template(session, code)
    return known[code]


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
            "status": "queued",
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


def configured_channels(settings: Settings) -> dict[str, str]:
    """Which provider each channel uses ("console" when it has no credentials)."""
    return {
        "wecom": "wecom"
        if settings.wecom_corp_id and settings.wecom_secret and settings.wecom_sender
        else "console",
        "sms": "tencent-sms"
        if settings.sms_secret_id and settings.sms_secret_key and settings.sms_app_id
        else "console",
        "email": "smtp" if settings.smtp_host else "console",
        "webhook": "standard-webhooks" if settings.webhook_secret else "console",
        "console": "console",
    }


# -- replies, unsubscribes and receipts --------------------------------------------------------

_TRIM = re.compile(r"[\s\u3000,.!?;:，。！？；：、~～]+")


def is_unsubscribe(text: str, keywords: Sequence[str]) -> str | None:
    """The keyword a reply states, if it is an unsubscribe: the whole reply (trimmed of spaces
    and punctuation, case-insensitive) is a keyword, or it contains 退订."""
    cleaned = _TRIM.sub("", text or "").upper()
    for keyword in keywords:
        if cleaned == _TRIM.sub("", keyword).upper():
            return keyword
    if "退订" in cleaned:
        return "退订"
    return None


def process_reply(
    session: Session,
    *,
    customer_id: int,
    channel: str,
    text: str,
    now: datetime,
    keywords: Sequence[str],
    source: str,
) -> bool:
    """A person replied on ``channel``. An unsubscribe keyword withdraws their marketing
    consent on that channel (service messages still go) and logs ``Channel Unsubscribed``."""
    keyword = is_unsubscribe(text, keywords)
    if keyword is None:
        return False
    customer_id = survivor_of(session, customer_id)
    set_consent(
        session,
        customer_id,
        channel,
        False,
        f"{guards.UNSUBSCRIBE_SOURCE}{channel}:{keyword}"[:64],
        now,
    )
    emit(
        session,
        events.CHANNEL_UNSUBSCRIBED,
        at=now,
        source=source,
        message_id=f"unsubscribe:{channel}:{customer_id}:{now.isoformat()}",
        customer_id=customer_id,
        properties={"channel": channel, "keyword": keyword},
    )
    return True


def record_receipt(
    session: Session,
    channel: str,
    provider_message_id: str,
    delivered: bool,
    reason: str | None,
    now: datetime,
) -> bool:
    """A provider's delivery receipt; False when no message has that provider id."""
    message = session.scalars(
        select(Message).where(
            Message.channel == channel, Message.provider_message_id == provider_message_id
        )
    ).first()
    if message is None:
        return False
    if message.status in ("sent", "delivered", "failed"):
        apply_outcome(
            message, "delivered" if delivered else f"failed: {reason or 'not delivered'}", now
        )
    return True


# -- reading ------------------------------------------------------------------------------------


def list_messages(
    session: Session,
    *,
    status: str | None = None,
    channel: str | None = None,
    customer_id: int | None = None,
    journey_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[Message]]:
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
    return total, list(rows)


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


@dataclass(frozen=True)
class OriginCount:
    journey_id: int
    journey_version: Any
    step: Any
    status: str
    count: int


def counts_by_origin(session: Session, journey_id: int | None = None) -> list[OriginCount]:
    """Messages per journey, version, step and status — for journey metrics. "sent" in the
    journeys' sense is sent + delivered + failed (it left us); delivered and failed are final."""
    query = select(Message.journey_id, Message.origin, Message.status).where(
        Message.journey_id.is_not(None)
    )
    if journey_id is not None:
        query = query.where(Message.journey_id == journey_id)
    tally: dict[tuple[int, Any, Any, str], int] = {}
    for jid, origin, status in session.execute(query):
        key = (jid, (origin or {}).get("journey_version"), (origin or {}).get("step"), status)
        tally[key] = tally.get(key, 0) + 1
    return [OriginCount(*key, n) for key, n in sorted(tally.items(), key=lambda kv: str(kv[0]))]


def get_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise MessageNotFound(f"no message {message_id}")
    return message


def retry_dead(session: Session, message_id: int, now: datetime) -> Message:
    """Send a dead message again (an operator's decision): back to queued, a new outbox item
    (the outbox key changes, the provider idempotency key does not)."""
    message = get_message(session, message_id)
    if message.status != "dead":
        raise ChannelsError(f"message {message_id} is {message.status}, not dead")
    message.retries += 1
    message.status, message.reason, message.updated_at = "queued", None, now
    enqueue(
        session,
        MESSAGE_KIND,
        f"message:{message.idempotency_key}:retry{message.retries}",
        {"message_id": message.id},
        now,
    )
    return message


def inbox(session: Session, limit: int = 50) -> list[InboxMessage]:
    return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id.desc()).limit(limit)))


# How a OneID merge treats channels' tables (see profiles.merge_policies).
declare_merge_policy(
    "messages",
    Follows(
        "a message stays with whom it was queued for; sending re-checks the survivor's "
        "consent and caps (survivor_of)"
    ),
)
declare_merge_policy(
    "channel_usage",
    Follows("usage stays with whom it was counted for; a cap counts the person's own rows"),
)
declare_merge_policy(
    "channel_inbox", Follows("the local inbox keeps what was delivered to whom, as sent")
)


def render(source: str, variables: dict[str, Any], what: str = "body") -> str:
    """A text with ``{{ customer.name }}``-style variables, through the message templates'
    sandbox (journeys title their guide tasks with it)."""
    return templates.render(source, variables, what)


def has_template(session: Session, code: str) -> bool:
    """Whether a message template with this code exists (switched on or off)."""
    return (
        session.scalar(select(MessageTemplate.id).where(MessageTemplate.code == code)) is not None
    )
