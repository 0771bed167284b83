"""Channel adapters: one per provider, each mapping the provider's errors to ours at the edge.

ChannelError
 ├── Rejected(PermanentFailure)   the provider refused this message for good (bad number,
 │                                unapproved template, not a contact): the message is dead
 ├── Unavailable                  a transient failure (timeout, 5xx, busy): retried with
 │                                the outbox's exponential back-off
 └── Throttled(RetryAfter)        a rate-limit code: retried after the delay it implies
"""

from liveloop.channels.adapters.base import (
    Adapter,
    ChannelError,
    Outgoing,
    Rejected,
    SendResult,
    Throttled,
    Unavailable,
    Unsubscribed,
)

__all__ = [
    "Adapter",
    "ChannelError",
    "Outgoing",
    "Rejected",
    "SendResult",
    "Throttled",
    "Unavailable",
    "Unsubscribed",
]
