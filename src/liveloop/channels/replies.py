"""Replies and receipts: an unsubscribe keyword withdraws consent; a receipt settles a message."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.channels import events, guards
from liveloop.channels.contracts import RECEIPTED
from liveloop.channels.models import Message
from liveloop.channels.sender import apply_outcome
from liveloop.profiles.service import set_consent, survivor_of

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
    events.channel_unsubscribed(
        session, at=now, source=source, customer_id=customer_id, channel=channel, keyword=keyword
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
    if message.status in RECEIPTED:
        apply_outcome(
            message, "delivered" if delivered else f"failed: {reason or 'not delivered'}", now
        )
    return True
