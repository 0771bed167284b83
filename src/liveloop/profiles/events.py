"""Events profiles emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

CUSTOMER_CREATED: Final = "Customer Created"
CONSENT_CHANGED: Final = "Consent Changed"


def customer_created(
    session: Session,
    *,
    at: datetime,
    source: str,
    customer_id: int,
    oneid: str,
    province: str | None,
) -> None:
    """A person is known: ``oneid``, ``province``."""
    emit(
        session,
        CUSTOMER_CREATED,
        at=at,
        source=source,
        message_id=f"customer-created:{oneid}",
        customer_id=customer_id,
        properties={"oneid": oneid, "province": province},
    )


def consent_changed(
    session: Session, *, at: datetime, source: str, customer_id: int, channel: str, granted: bool
) -> None:
    """A person's consent to marketing on a channel changed: ``channel``, ``granted``,
    ``source`` (who or what changed it: an import, an identify trait, an unsubscribe reply …)."""
    emit(
        session,
        CONSENT_CHANGED,
        at=at,
        source=source,
        message_id=f"consent-changed:{customer_id}:{channel}:{int(granted)}:{at.isoformat()}",
        customer_id=customer_id,
        properties={"channel": channel, "granted": granted, "source": source},
    )
