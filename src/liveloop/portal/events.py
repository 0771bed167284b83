"""Events the portal logs (docs/events.md). ``Invite Link Opened`` is a tracked event
(``type: track``) carrying the visitor's ``anonymousId``, so OneID resolves it to a person
like an SDK's event: when that visitor is identified later (the same anonymousId with a phone),
the open is theirs, and an order they pay within ``ATTRIBUTION_DAYS`` binds them to the leader
(``portal.attribution``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import NewEvent, append

INVITE_LINK_OPENED: Final = "Invite Link Opened"


def invite_link_opened(
    session: Session,
    *,
    at: datetime,
    source: str,
    anonymous_id: str,
    link: str,
    leader: str,
    kind: str,
    target: str,
    user_agent: str | None,
) -> None:
    """A visitor opened a leader's share link: ``link`` (token), ``leader`` (code), ``kind``
    (live, product), ``target`` (show id or SKU). One event per open."""
    append(
        session,
        [
            NewEvent(
                name=INVITE_LINK_OPENED,
                timestamp=at,
                source=source,
                type="track",
                message_id=f"invite-opened:{uuid.uuid4().hex}",
                anonymous_id=anonymous_id,
                properties={"link": link, "leader": leader, "kind": kind, "target": target},
                context={"userAgent": (user_agent or "")[:256]} if user_agent else {},
            )
        ],
        received_at=at,
    )
