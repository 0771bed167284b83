"""Consent per channel: the one way it is written (``set_consent``), which logs
``Consent Changed`` with its source whenever the answer changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.profiles import events
from liveloop.profiles.models import Consent


def set_consent(
    session: Session, customer_id: int, channel: str, granted: bool, source: str, at: datetime
) -> None:
    """Record the person's consent on ``channel`` as of ``at``; an older statement than the one
    on record changes nothing (imports and replayed events arrive out of order)."""
    row = session.scalars(
        select(Consent).where(Consent.customer_id == customer_id, Consent.channel == channel)
    ).one_or_none()
    if row is None:
        session.add(
            Consent(
                customer_id=customer_id,
                channel=channel,
                granted=granted,
                source=source,
                updated_at=at,
            )
        )
    elif at >= row.updated_at:
        changed = row.granted != granted
        row.granted, row.source, row.updated_at = granted, source, at
        if not changed:
            return
    else:
        return
    events.consent_changed(
        session, at=at, source=source, customer_id=customer_id, channel=channel, granted=granted
    )
