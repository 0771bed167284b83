"""How long a room's records are kept, and the purge of what is older.

A room's interaction records (the event-log rows of the live spec: viewers joining and
leaving, comments, likes, shares, product clicks, 福袋 claims, and ``Live Action Taken``) and
its action log (``live_actions``) are kept at least ``LIVELOOP_LIVE_RETENTION_DAYS`` (default
1095, 3 years: the 2026 直播电商监督管理办法; prod refuses less, see ``config``). The purge
deletes only rows older than that: it writes the horizon (``live_retention``) first, in the
same transaction, and the database's delete trigger on ``live_actions`` refuses any row at or
after it. Carts and orders (``Product Added``, ``Order Completed``) are commerce's facts, kept
with the orders, not purged here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from liveloop import spec
from liveloop.live import events
from liveloop.live.action_tables import LiveAction, LiveRetention
from liveloop.store.eventlog import Event

INTERACTIONS = (
    spec.LIVE_JOINED,
    spec.LIVE_LEFT,
    spec.LIVE_COMMENT_POSTED,
    spec.LIVE_LIKED,
    spec.LIVE_SHARED,
    spec.LIVE_PRODUCT_CLICKED,
    spec.LIVE_LUCKY_BAG_CLAIMED,
    events.LIVE_ACTION_TAKEN,
)
CHUNK = 5_000


def horizon(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)


def purge(session: Session, now: datetime, retention_days: int) -> int:
    """Delete live records older than the retention (at most ``CHUNK`` of each kind a call,
    so a first purge of years of records runs in steps); returns how many went."""
    before = horizon(now, retention_days)
    mark = session.get(LiveRetention, 1)
    if mark is None:
        session.add(LiveRetention(id=1, purge_before=before, purged_at=now))
    else:
        # The horizon only moves forward: a later, longer retention cannot revive what went.
        mark.purge_before, mark.purged_at = max(mark.purge_before, before), now
    session.flush()
    old_actions = list(
        session.scalars(select(LiveAction.id).where(LiveAction.at < before).limit(CHUNK))
    )
    if old_actions:
        session.execute(delete(LiveAction).where(LiveAction.id.in_(old_actions)))
    old_events = list(
        session.scalars(
            select(Event.id)
            .where(Event.name.in_(INTERACTIONS), Event.timestamp < before)
            .limit(CHUNK)
        )
    )
    if old_events:
        session.execute(delete(Event).where(Event.id.in_(old_events)))
    return len(old_actions) + len(old_events)
