"""Reading messages: lists, counts by status and by journey step, the console inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.channels.errors import MessageNotFound
from liveloop.channels.models import InboxMessage, Message


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


def inbox(session: Session, limit: int = 50) -> list[InboxMessage]:
    return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id.desc()).limit(limit)))
