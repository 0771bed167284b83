"""What every adapter takes and returns, and the errors it may raise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from liveloop.store.outbox import PermanentFailure, RetryAfter


class ChannelError(Exception):
    """A send that did not go through."""


class Rejected(ChannelError, PermanentFailure):
    """The provider refused this message for good; retrying cannot help."""


class Unsubscribed(Rejected):
    """The provider refuses because the person unsubscribed there (an SMS blacklist after a
    TD reply to the provider): the person's consent on the channel is withdrawn too."""


class Unavailable(ChannelError):
    """A transient failure; retry with back-off."""


class Throttled(ChannelError, RetryAfter):
    """The provider asked us to slow down; retry after ``delay``."""

    def __init__(self, delay: timedelta, reason: str) -> None:
        RetryAfter.__init__(self, delay, reason)


@dataclass(frozen=True)
class Outgoing:
    """One message as an adapter sees it (never an ORM row)."""

    message_id: int
    idempotency_key: str
    channel: str
    customer_id: int | None
    recipient: str | None
    subject: str | None
    body: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None = None
    # True when acceptance is delivery (console inbox, a webhook's 2xx); otherwise the
    # message is "sent" until a receipt (SMS) or a result query (WeCom) says more.
    delivered: bool = False
    # WeCom mass-send tasks: poll get_groupmsg_send_result for this message later.
    poll_result: bool = False


class Adapter(Protocol):
    name: str

    def send(self, message: Outgoing) -> SendResult: ...
