"""A show's follow-up audiences (已购买, 看了未买, 点了未付款, 提问未获回复, 预约未到场,
有投诉): the people its post-live report found in each, kept per show so that segments can save
each audience as a segment (a ``live_audience`` rule) for the post-live journeys.

Invariant: a show's rows are exactly the audiences of its latest report — saving replaces them
in one transaction, so a segment never sees half of one report and half of another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from liveloop.live import events
from liveloop.live.contracts import FollowUp
from liveloop.live.models import LiveAudienceMember, LiveSession

BATCH = 5_000


def save_audiences(
    session: Session,
    live_session_id: int,
    audiences: Mapping[FollowUp, Iterable[int]],
    now: datetime,
) -> dict[FollowUp, int]:
    """Replace the show's follow-up audiences with ``audiences`` (customer ids) and state
    ``Live Audiences Found``; returns the size of each audience."""
    show = session.get(LiveSession, live_session_id)
    if show is None:
        raise LookupError(f"no live session {live_session_id}")
    session.execute(
        delete(LiveAudienceMember).where(LiveAudienceMember.live_session_id == live_session_id)
    )
    sizes: dict[FollowUp, int] = {}
    for audience in FollowUp:
        people = sorted(set(audiences.get(audience, ())))
        sizes[audience] = len(people)
        for start in range(0, len(people), BATCH):
            session.execute(
                insert(LiveAudienceMember),
                [
                    {"live_session_id": live_session_id, "audience": audience, "customer_id": c}
                    for c in people[start : start + BATCH]
                ],
            )
    events.audiences_found(
        session,
        at=now,
        room=show.room,
        live_session_id=show.id,
        title=show.title,
        started_at=show.started_at,
        sizes={str(audience): size for audience, size in sizes.items()},
    )
    return sizes


def audience_sizes(session: Session, live_session_id: int) -> dict[FollowUp, int]:
    """People per follow-up audience of the show (0 for an audience nobody is in)."""
    query = (
        select(LiveAudienceMember.audience, func.count())
        .where(LiveAudienceMember.live_session_id == live_session_id)
        .group_by(LiveAudienceMember.audience)
    )
    found = {audience: count for audience, count in session.execute(query)}
    return {audience: found.get(audience, 0) for audience in FollowUp}
