"""The profiles consumer: for every event, in log order — OneID resolution (tracked events),
then counters, traits, consents and rule tags of the person it belongs to. One consumer does
both so a person is never counted before they are known."""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from liveloop.identity.consumer import resolve_event
from liveloop.profiles import counters
from liveloop.profiles.service import PROFILES_CONSUMER, current_id
from liveloop.store.consumers import Consumers
from liveloop.store.eventlog import LoggedEvent

log = logging.getLogger(__name__)


def handler(tz: ZoneInfo) -> Callable[[Session, LoggedEvent], None]:
    def handle(session: Session, event: LoggedEvent) -> None:
        customer_id = resolve_event(session, event)
        if customer_id is None:
            return
        # The event may have been read before a merge earlier in this batch moved it.
        person = current_id(session, customer_id)
        try:
            with session.begin_nested():
                counters.observe(session, person, event, tz)
        except Exception:
            # The person stays resolved; a property we cannot read costs only its counting.
            log.warning("profiles: event %s could not be counted", event.id, exc_info=True)

    return handle


def subscribe(consumers: Consumers, tz: ZoneInfo) -> None:
    consumers.subscribe(PROFILES_CONSUMER, handler(tz), batch_size=200)
