"""Live sessions as others read them, and each session's cost inputs (主播费, 投流, 样品 …)
that the live ROI report weighs GMV against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.live.models import LiveSession
from liveloop.store.base import to_money


@dataclass(frozen=True)
class LiveView:
    id: int
    room: str
    title: str
    host: str | None
    status: str  # a LiveStatus
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    costs: dict[str, Decimal]  # yuan per cost item

    @classmethod
    def of(cls, live: LiveSession) -> LiveView:
        return cls(
            live.id,
            live.room,
            live.title,
            live.host,
            live.status,
            live.scheduled_at,
            live.started_at,
            live.ended_at,
            {item: Decimal(amount) for item, amount in (live.costs or {}).items()},
        )


def list_lives(session: Session, *, limit: int, before: int | None = None) -> list[LiveView]:
    """Newest first; ``before`` pages on by id."""
    query = select(LiveSession).order_by(LiveSession.id.desc()).limit(limit)
    if before is not None:
        query = query.where(LiveSession.id < before)
    return [LiveView.of(live) for live in session.scalars(query)]


def set_costs(session: Session, live_id: int, costs: Mapping[str, Decimal]) -> LiveView:
    """Replace the session's cost inputs; ``LookupError`` when there is no such session."""
    live = session.get(LiveSession, live_id)
    if live is None:
        raise LookupError(f"no live session {live_id}")
    live.costs = {item: str(to_money(amount)) for item, amount in costs.items()}
    session.flush()
    return LiveView.of(live)
