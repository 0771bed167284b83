"""What channels publishes to other packages: a message's states."""

from __future__ import annotations

from enum import StrEnum


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for the outbox sender
    HELD = "held"  # deferred by quiet hours until ``held_until``
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"  # the provider confirmed delivery
    FAILED = "failed"  # the provider reported it undelivered
    SUPPRESSED = "suppressed"  # a guard refused it (no consent, 退订, a cap): never sent
    DEAD = "dead"  # sending kept failing; an operator may retry it


# The states a message does not leave by itself (``retry_dead`` revives a dead one; a receipt
# may still turn sent into delivered or failed).
FINAL = frozenset(
    {
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
        MessageStatus.FAILED,
        MessageStatus.SUPPRESSED,
        MessageStatus.DEAD,
    }
)
# The states a receipt (or a result query) may still settle.
RECEIPTED = frozenset({MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED})
