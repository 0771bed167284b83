"""Events guides emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from liveloop.store.eventlog import emit

GUIDE_TASK_CREATED: Final = "Guide Task Created"
GUIDE_TASK_COMPLETED: Final = "Guide Task Completed"
SOURCE: Final = "guides"


def guide_task_created(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    task_id: int,
    kind: str,
    title: str,
    assignee: str | None,
    due_at: datetime,
    origin: Mapping[str, Any] | None,
) -> None:
    """A task for a guide: ``task_id``, ``kind``, ``title``, ``assignee``, ``due_at``,
    ``origin`` (the journey step or rule that made it, when one did)."""
    emit(
        session,
        GUIDE_TASK_CREATED,
        at=at,
        source=SOURCE,
        message_id=f"guide-task-created:{task_id}",
        customer_id=customer_id,
        properties={
            "task_id": task_id,
            "kind": kind,
            "title": title,
            "assignee": assignee,
            "due_at": due_at,
            **({"origin": dict(origin)} if origin else {}),
        },
    )


def guide_task_completed(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    task_id: int,
    kind: str,
    by: str,
    outcome: str | None,
    origin: Mapping[str, Any] | None,
) -> None:
    """A guide finished a task: ``task_id``, ``kind``, ``by``, ``outcome``, ``origin``."""
    emit(
        session,
        GUIDE_TASK_COMPLETED,
        at=at,
        source=SOURCE,
        message_id=f"guide-task-completed:{task_id}",
        customer_id=customer_id,
        properties={
            "task_id": task_id,
            "kind": kind,
            "by": by,
            "outcome": outcome,
            **({"origin": dict(origin)} if origin else {}),
        },
    )
