"""Events channels emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

CHANNEL_UNSUBSCRIBED: Final = "Channel Unsubscribed"


def channel_unsubscribed(
    session: Session, *, at: datetime, source: str, customer_id: int, channel: str, keyword: str
) -> None:
    """A reply held an unsubscribe keyword: ``channel``, ``keyword``."""
    emit(
        session,
        CHANNEL_UNSUBSCRIBED,
        at=at,
        source=source,
        message_id=f"unsubscribe:{channel}:{customer_id}:{at.isoformat()}",
        customer_id=customer_id,
        properties={"channel": channel, "keyword": keyword},
    )
