"""The portal's background work: the ``portal-invites`` consumer — a buyer's paid order
(``Order Completed``) binds them to the leaders whose share links they opened in the week
before (``portal.attribution``). It follows the ``profiles`` consumer, so the opens it reads
were resolved to their person first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liveloop.commerce import events as commerce_events
from liveloop.portal import attribution
from liveloop.profiles import service as profiles
from liveloop.runtime import Runtime
from liveloop.store.eventlog import LoggedEvent

CONSUMER = "portal-invites"


def _handle(session: Session, event: LoggedEvent) -> None:
    attribution.bind_invited_buyer(session, event)


def register(runtime: Runtime) -> None:
    if CONSUMER not in runtime.consumers:
        runtime.consumers.subscribe(
            CONSUMER,
            _handle,
            names={commerce_events.ORDER_COMPLETED},
            batch_size=500,
            follows=profiles.PROFILES_CONSUMER,
        )
