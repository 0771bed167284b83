"""The channels facade: queue messages and webhooks, manage templates, take receipts and
replies, list messages and dead letters.

    queue_message(session, customer_id=…, channel=…, template_code=…, variables=…,
                  purpose="marketing"|"service", idempotency_key=…, now=…, origin=…) -> id
    queue_webhook(session, endpoint=…, event_type=…, payload=…, idempotency_key=…, now=…) -> id

Queueing renders the template (so a broken template or a missing variable fails the caller,
not a worker at 3 a.m.) and writes the message and its outbox item in the caller's
transaction; the same idempotency key returns the same message. Consent, 退订, caps, quiet
hours and rate limits are checked when the message is sent (``channels.guards``); the outbox
senders are registered by ``channels.jobs.register(runtime)``.
"""

from __future__ import annotations

from liveloop.channels.errors import ChannelsError, MessageNotFound, TemplateNotFound
from liveloop.channels.message_templates import (
    TemplateSpec,
    TemplateView,
    delete_template,
    get_template,
    has_template,
    list_templates,
    render,
    render_message,
    save_template,
)
from liveloop.channels.messages import (
    InboxView,
    MessageView,
    get_message,
    inbox,
    list_messages,
    status_counts,
)
from liveloop.channels.providers import CHANNELS, configured_channels
from liveloop.channels.queueing import queue_message, queue_webhook, retry_dead
from liveloop.channels.replies import is_unsubscribe, process_reply, record_receipt

__all__ = [
    "CHANNELS",
    "ChannelsError",
    "InboxView",
    "MessageNotFound",
    "MessageView",
    "TemplateNotFound",
    "TemplateSpec",
    "TemplateView",
    "configured_channels",
    "delete_template",
    "get_message",
    "get_template",
    "has_template",
    "inbox",
    "is_unsubscribe",
    "list_messages",
    "list_templates",
    "process_reply",
    "queue_message",
    "queue_webhook",
    "record_receipt",
    "render",
    "render_message",
    "retry_dead",
    "save_template",
    "status_counts",
]
