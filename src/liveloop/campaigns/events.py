"""Events campaigns emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

CAMPAIGN_SCHEDULED: Final = "Campaign Scheduled"


def campaign_scheduled(
    session: Session,
    *,
    at: datetime,
    campaign_id: int,
    template: str,
    year: int,
    day_name: str,
    day: date,
    live_session_id: int | None,
    journey_key: str | None,
    by: str,
) -> None:
    """A campaign template was scheduled for a year: ``campaign_id``, ``template``, ``year``,
    ``day_name`` (冬至 …), ``day``, ``live_session_id``, ``journey_key``, ``by``. Stated once
    per (template, year)."""
    emit(
        session,
        CAMPAIGN_SCHEDULED,
        at=at,
        source="campaigns",
        message_id=f"campaign-scheduled:{template}:{year}",
        properties={
            "campaign_id": campaign_id,
            "template": template,
            "year": year,
            "day_name": day_name,
            "day": day.isoformat(),
            "live_session_id": live_session_id,
            "journey_key": journey_key,
            "by": by,
        },
    )
