"""Consent per channel: the one way it is written (``set_consent``), which logs
``Consent Changed`` with its source whenever the answer changes."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class ConsentState:
    """A person's standing answer on one channel and what gave it."""

    granted: bool
    source: str
    updated_at: datetime


def consent_of(session: Session, customer_id: int, channel: str) -> ConsentState | None:
    """The person's consent on ``channel``; None when they never said."""
    row = session.scalars(
        select(Consent).where(Consent.customer_id == customer_id, Consent.channel == channel)
    ).one_or_none()
    return ConsentState(row.granted, row.source, row.updated_at) if row is not None else None
