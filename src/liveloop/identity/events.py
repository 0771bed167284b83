"""Events identity emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

IDENTITIES_MERGED: Final = "Identities Merged"
IDENTITIES_SPLIT: Final = "Identities Split"


def identities_merged(
    session: Session, *, at: datetime, merge_id: int, survivor_id: int, merged_id: int
) -> None:
    """OneID merged a person into the survivor (the event's person): ``merge_id``,
    ``merged_customer_id``."""
    emit(
        session,
        IDENTITIES_MERGED,
        at=at,
        source="oneid",
        message_id=f"identities-merged:{merge_id}",
        customer_id=survivor_id,
        properties={"merge_id": merge_id, "merged_customer_id": merged_id},
    )


def identities_split(
    session: Session, *, at: datetime, merge_id: int, restored_id: int, survivor_id: int
) -> None:
    """An operator undid a merge; the restored person is the event's: ``merge_id``,
    ``survivor_customer_id``."""
    emit(
        session,
        IDENTITIES_SPLIT,
        at=at,
        source="oneid",
        message_id=f"identities-split:{merge_id}",
        customer_id=restored_id,
        properties={"merge_id": merge_id, "survivor_customer_id": survivor_id},
    )
