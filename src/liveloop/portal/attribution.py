"""Invites that converted: when a buyer pays (``Order Completed``), the share links they
opened in the ``ATTRIBUTION_DAYS`` before — as the visitor they were before OneID knew them,
read across the people merged into them — touch their binding through community's facade
(cause ``invite``, ``invite:{token}:{customer}``: judged once per link and person, so a
replayed order changes nothing), oldest open first, so the operator's rule (first touch, last
touch, locked days) decides between two leaders' invites as it does for orders.

The consumer follows the ``profiles`` consumer: an open is read only after OneID resolved it
(and any identify that linked the visitor to the buyer, earlier in the log, was applied).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.community import service as community
from liveloop.community.contracts import BindingCause, CommunityError
from liveloop.portal.contracts import ATTRIBUTION_DAYS
from liveloop.portal.events import INVITE_LINK_OPENED
from liveloop.profiles import service as profiles
from liveloop.store.eventlog import Event, LoggedEvent

log = logging.getLogger(__name__)
SOURCE = "portal"


def bind_invited_buyer(session: Session, event: LoggedEvent) -> int:
    """Touch the buyer of ``event`` (an ``Order Completed``) for each invite they opened in
    the window; returns how many touches were judged now (replays not counted)."""
    if event.customer_id is None:
        return 0
    buyer = profiles.survivor_of(session, event.customer_id)
    people = sorted(profiles.merged_into(session, buyer))
    opens = session.execute(
        select(Event.timestamp, Event.properties)
        .where(
            Event.name == INVITE_LINK_OPENED,
            Event.customer_id.in_(people),
            Event.timestamp <= event.timestamp,
            Event.timestamp >= event.timestamp - timedelta(days=ATTRIBUTION_DAYS),
        )
        .order_by(Event.timestamp, Event.id)
    ).all()
    judged = 0
    seen: set[str] = set()
    for opened_at, properties in opens:
        link, leader = properties.get("link"), properties.get("leader")
        if not link or not leader or link in seen:
            continue
        seen.add(link)
        try:
            with session.begin_nested():
                change = community.touch(
                    session,
                    customer_id=buyer,
                    leader=str(leader),
                    cause=BindingCause.INVITE,
                    at=opened_at,
                    by="invite-link",
                    source=SOURCE,
                    source_key=f"invite:{link}:{buyer}",
                )
        except CommunityError as exc:  # a leader disabled since binds nobody
            log.info("invite %s did not bind customer %s: %s", link, buyer, exc)
            continue
        judged += 0 if change.replayed else 1
    return judged
