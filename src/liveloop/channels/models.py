"""Tables of the channels domain.

- ``message_templates``: what a message says, per channel; bodies are Jinja2 rendered in a
  sandbox (``channels.templates``). SMS templates also name the provider's approved template id
  and the parameters it takes; WeCom templates name the message type (mass-send or welcome).
- ``messages``: one row per message to one person (or one webhook call). Its
  ``idempotency_key`` is unique, so queueing the same step twice yields one message; the key
  also travels to the provider where the provider takes one.

      queued --guard: consent/unsubscribed/cap--> suppressed (reason)
        |  \\--guard: quiet hours--> held --(hours end)--> queued ...
        |--send ok--> sent --receipt--> delivered | failed (reason)
        \\--send fails for good / retries run out--> dead (reason) --operator retries--> queued

- ``channel_usage``: the frequency ledger, one row per message that counted against a cap
  (marketing per local day, WeCom mass-sends per natural month), unique per message.
- ``channel_rate_buckets``: a token bucket per channel, kept in the store so every worker
  process shares the limit.
- ``channel_inbox``: the console outbox channel — "sending" writes a row the 消息 page shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.profiles.service import Follows, declare_merge_policy
from liveloop.store.base import Base, JSONDoc, UTCDateTime
from liveloop.store.eventlog import BigId


class MessageTemplate(Base):
    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))  # wecom | sms | email | webhook | console
    purpose: Mapped[str] = mapped_column(String(16))  # marketing | service
    subject: Mapped[str | None] = mapped_column(String(255))  # mail subject (a template too)
    body: Mapped[str] = mapped_column(Text)
    # SMS: the approved sign name (签名) when not the configured default, the provider's
    # template id, and one Jinja2 expression-template per provider parameter, in order.
    sms_sign_name: Mapped[str | None] = mapped_column(String(64))
    sms_template_id: Mapped[str | None] = mapped_column(String(64))
    sms_params: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # WeCom: "text" (mass-send task) or "welcome" (send_welcome_msg with a welcome_code), and
    # attachments passed as given (image/link/miniprogram …, WeCom's JSON shape).
    wecom_msgtype: Mapped[str | None] = mapped_column(String(16))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    template_code: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    # Webhooks: the endpoint URL; others: filled at send time (phone, email, external_userid).
    recipient: Mapped[str | None] = mapped_column(String(512))
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    # SMS template parameters; a webhook's event type and JSON payload; WeCom attachments.
    params: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)  # operator retries of a dead one
    # {"journey_id", "journey_version", "step"} for journey metrics; None for ad-hoc sends.
    origin: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    journey_id: Mapped[int | None] = mapped_column(Integer, index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelUsage(Base):
    """A message that counted against a cap: marketing per customer per local day (all
    channels), WeCom mass-sends per customer per natural month."""

    __tablename__ = "channel_usage"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    local_day: Mapped[date] = mapped_column(Date)  # in the customer's timezone
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelRateBucket(Base):
    __tablename__ = "channel_rate_buckets"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboxMessage(Base):
    """The console outbox channel: what the brand "sent" when no provider is configured."""

    __tablename__ = "channel_inbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), unique=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # the channel it stands in for
    recipient: Mapped[str | None] = mapped_column(String(512))
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


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
