"""Tags a model puts on people (``model:<job>``), replaced whole by each run that makes them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import islice

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from liveloop.profiles.models import CustomerTag

CHUNK = 5_000


def replace_model_tags(
    session: Session, source: str, tags: Iterable[tuple[int, str]], at: datetime
) -> int:
    """Drop every tag ``source`` put on anyone and put ``tags`` (person, tag) in their place,
    in the caller's transaction; returns how many."""
    if not source.startswith("model:"):
        raise ValueError(f"model tags come from a model:<job> source, not {source!r}")
    session.execute(delete(CustomerTag).where(CustomerTag.source == source))
    count, pending = 0, iter(tags)
    while chunk := list(islice(pending, CHUNK)):
        session.execute(
            insert(CustomerTag),
            [{"customer_id": c, "tag": t, "source": source, "tagged_at": at} for c, t in chunk],
        )
        count += len(chunk)
    return count
