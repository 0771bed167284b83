"""A show's follow-up audiences (已购买, 看了未买, 点了未付款, 提问未获回复, 预约未到场,
有投诉): the people its post-live report found in each, kept per show so that segments can save
each audience as a segment (a ``live_audience`` rule) for the post-live journeys.

Each row may carry what the report knows of that person there (``detail``): for 提问未获回复, the
questions they asked that stayed open, which ``asked_of`` reads for the journey action that
sends a person the content matching what they asked.

Invariant: a show's rows are exactly the audiences of its latest report — saving replaces them
in one transaction, so a segment never sees half of one report and half of another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from liveloop.live import events
from liveloop.live.contracts import AskedQuestion, Aspect, FollowUp
from liveloop.live.models import LiveAudienceMember, LiveSession

BATCH = 5_000


def save_audiences(
    session: Session,
    live_session_id: int,
    audiences: Mapping[FollowUp, Iterable[int]],
    now: datetime,
    details: Mapping[FollowUp, Mapping[int, dict[str, Any]]] | None = None,
) -> dict[FollowUp, int]:
    """Replace the show's follow-up audiences with ``audiences`` (customer ids) and state
    ``Live Audiences Found``; returns the size of each audience. ``details`` is what is known
    of a person in an audience (for 提问未获回复: ``{"asked": [{aspect, sku, text, product}]}``),
    kept on their row; people without one get none."""
    show = session.get(LiveSession, live_session_id)
    if show is None:
        raise LookupError(f"no live session {live_session_id}")
    session.execute(
        delete(LiveAudienceMember).where(LiveAudienceMember.live_session_id == live_session_id)
    )
    sizes: dict[FollowUp, int] = {}
    for audience in FollowUp:
        people = sorted(set(audiences.get(audience, ())))
        known = (details or {}).get(audience, {})
        sizes[audience] = len(people)
        for start in range(0, len(people), BATCH):
            session.execute(
                insert(LiveAudienceMember),
                [
                    {
                        "live_session_id": live_session_id,
                        "audience": audience,
                        "customer_id": c,
                        "detail": known.get(c),
                    }
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


def asked_of(
    session: Session,
    customer_id: int,
    live_session_id: int | None = None,
    *,
    since: datetime | None = None,
) -> list[AskedQuestion]:
    """The questions ``customer_id`` asked in a show that stayed open, as its latest report
    found them: in ``live_session_id``, or — without one — in the latest show (ended at or
    after ``since``, when given) where they were in 提问未获回复. The order is the report's
    (most askers first); empty when the person asked nothing left open, or when the report
    was saved without details."""
    query = (
        select(LiveAudienceMember.live_session_id, LiveAudienceMember.detail)
        .where(
            LiveAudienceMember.customer_id == customer_id,
            LiveAudienceMember.audience == FollowUp.ASKED_UNANSWERED,
        )
        .order_by(LiveAudienceMember.live_session_id.desc())
        .limit(1)
    )
    if live_session_id is not None:
        query = query.where(LiveAudienceMember.live_session_id == live_session_id)
    elif since is not None:
        query = query.join(LiveSession, LiveSession.id == LiveAudienceMember.live_session_id).where(
            LiveSession.ended_at >= since
        )
    row = session.execute(query).first()
    if row is None or not isinstance(row.detail, dict):
        return []
    return [
        question
        for entry in row.detail.get("asked", ())
        if (question := _question(row.live_session_id, entry)) is not None
    ]


def _question(live_session_id: int, entry: Any) -> AskedQuestion | None:
    if not isinstance(entry, dict) or entry.get("aspect") not in Aspect._value2member_map_:
        return None
    sku, product = entry.get("sku"), entry.get("product")
    return AskedQuestion(
        live_session_id=live_session_id,
        aspect=Aspect(entry["aspect"]),
        sku=sku if isinstance(sku, str) and sku else None,
        text=str(entry.get("text") or ""),
        product=product if isinstance(product, str) and product else None,
    )
