"""The OneID event-log consumer: resolves every tracked event to its person, online."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from liveloop.identity.extract import event_identifiers
from liveloop.identity.resolve import resolve
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import Event, LoggedEvent

CONSUMER = "oneid"
TRACKED = frozenset({"track", "identify", "page", "screen", "group", "alias"})


def resolve_event(session: Session, event: LoggedEvent) -> int | None:
    """Give a tracked event its person (domain events already name theirs); returns it."""
    if event.customer_id is not None or event.type not in TRACKED:
        return event.customer_id
    identifiers = event_identifiers(
        event.user_id, event.anonymous_id, event.properties, event.context
    )
    result = resolve(
        session,
        identifiers,
        event.timestamp,
        source=event.source,
        evidence={"event": event.message_id},
    )
    if result.customer_id is not None:
        session.execute(
            update(Event).where(Event.id == event.id).values(customer_id=result.customer_id),
            execution_options={"synchronize_session": False},
        )
    return result.customer_id


def subscribe(consumers: Consumers) -> None:
    def handle(session: Session, event: LoggedEvent) -> None:
        resolve_event(session, event)

    consumers.subscribe(CONSUMER, handle, batch_size=200)
