"""The ``profiles`` event-log consumer: for every event, in log order — OneID resolution of
tracked events, then the counters, traits, consents and rule tags of the person it belongs to
(through the profiles facade). One consumer does both so a person is never counted before they
are known; its cursor keeps the name ``profiles`` that stores already hold."""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from liveloop.identity.extract import event_identifiers
from liveloop.identity.resolve import resolve
from liveloop.profiles import service as profiles
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import Event, LoggedEvent

log = logging.getLogger(__name__)

TRACKED = frozenset({"track", "identify", "page", "screen", "group", "alias"})


def resolve_event(session: Session, event: LoggedEvent) -> int | None:
    """Give a tracked event that names nobody yet its person; returns it (None: nobody)."""
    if event.type not in TRACKED:
        return None
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


def handler(tz: ZoneInfo) -> Callable[[Session, LoggedEvent], None]:
    def handle(session: Session, event: LoggedEvent) -> None:
        if event.customer_id is not None:
            # Named before this batch: a merge since (even earlier in it) may have moved them.
            person: int | None = profiles.survivor_of(session, event.customer_id)
        else:  # resolved now: OneID answers with the person who stands for them today
            person = resolve_event(session, event)
        if person is None:
            return
        try:
            with session.begin_nested():
                profiles.count_event(session, person, event, tz)
        except Exception:
            # The person stays resolved; a property we cannot read costs only its counting.
            log.warning("profiles: event %s could not be counted", event.id, exc_info=True)

    return handle


def subscribe(consumers: Consumers, tz: ZoneInfo) -> None:
    if profiles.PROFILES_CONSUMER not in consumers:
        consumers.subscribe(profiles.PROFILES_CONSUMER, handler(tz), batch_size=200)
