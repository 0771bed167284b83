"""Moderation: a submitted recipe or review is approved (public from then on) or rejected with
the moderator's reason; either decision is taken once, by a named person, and logged for the
author (``UGC Approved`` / ``UGC Rejected``). The queue shows what the pre-check flagged first,
then the oldest."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from liveloop.ugc import events
from liveloop.ugc.contracts import UgcConflict, UgcKind, UgcRefused, UgcStatus
from liveloop.ugc.items import TEXT, ItemView, item_row, view
from liveloop.ugc.models import UgcItem


def moderation_queue(
    session: Session, *, kind: UgcKind | None = None, limit: int = 50
) -> list[ItemView]:
    """What waits for a moderator: flagged items first, then the longest waiting."""
    query = select(UgcItem).where(UgcItem.status == UgcStatus.SUBMITTED)
    if kind is not None:
        query = query.where(UgcItem.kind == kind)
    rows = list(session.scalars(query.order_by(UgcItem.submitted_at, UgcItem.id)))
    # Flags are a JSON list; sorting on them here keeps one query shape on both stores.
    rows.sort(key=lambda r: (not r.flags, r.submitted_at, r.id))
    return [view(r) for r in rows[:limit]]


def decide(
    session: Session,
    item_id: int,
    *,
    approve: bool,
    by: str,
    reason: str | None,
    at: datetime,
) -> ItemView:
    """Approve or reject a submitted item, once. A rejection needs a reason (shown to the
    author); deciding an item already decided is a 409 naming how it was decided."""
    if not by.strip():
        raise UgcRefused("需要审核人 (a moderator is required)")
    if reason is not None:
        reason = reason.strip() or None
    if not approve and reason is None:
        raise UgcRefused("驳回需要填写原因 (a rejection needs a reason)")
    if reason is not None and (len(reason) > 200 or not TEXT.fullmatch(reason)):
        raise UgcRefused("原因最多 200 个字 (a reason of at most 200 characters)")
    status = UgcStatus.APPROVED if approve else UgcStatus.REJECTED
    # A guarded UPDATE: of two moderators deciding at once, exactly one decides.
    moved = cast(
        "CursorResult[Any]",
        session.execute(
            update(UgcItem)
            .where(UgcItem.id == item_id, UgcItem.status == UgcStatus.SUBMITTED)
            .values(status=status, decided_at=at, decided_by=by[:64], reason=reason),
            execution_options={"synchronize_session": False},
        ),
    ).rowcount
    row = item_row(session, item_id)
    session.refresh(row)
    if not moved:
        if row.status == status and row.reason == reason:
            return view(row)  # the same decision replayed
        raise UgcConflict(f"这条内容已由 {row.decided_by} 审核过 (already decided: {row.status})")
    events.ugc_decided(
        session,
        at=at,
        approved=approve,
        item_id=row.id,
        kind=row.kind,
        customer_id=row.customer_id,
        by=by,
        reason=reason,
    )
    return view(row)
