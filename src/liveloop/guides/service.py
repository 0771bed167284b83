"""Guides facade: tasks a journey or an operator hands to guides (导购), and their outcome.

A task is for one customer; it is assigned to a console username or left in the team pool
(``assignee`` None) that every guide sees. Guides see their own tasks and the pool; completing
a pool task makes it theirs. Operators and admins see and change every task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.access import service as access
from liveloop.access.contracts import Role
from liveloop.errors import DomainError
from liveloop.guides import events
from liveloop.guides.models import GuideTask, TaskStatus
from liveloop.identity import service as identity
from liveloop.identity.contracts import IdentityType
from liveloop.profiles import service as profiles
from liveloop.profiles.service import Follows, declare_merge_policy, survivor_of
from liveloop.store.engine import for_update

KIND = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
ASSIGNABLE = {Role.GUIDE, Role.OPERATOR, Role.ADMIN}


class TaskKind(StrEnum):
    """Kinds the console names; any short lowercase slug is accepted."""

    FOLLOW_UP = "follow_up"
    CALL = "call"
    WECOM_CONFIRM = "wecom_confirm"


class GuideError(DomainError):
    """A guide task that cannot be created or changed as asked."""


class UnknownTask(GuideError):
    """No such task (or not one the caller may see)."""

    status = 404


class UnknownCustomer(GuideError):
    """No customer with that id or OneID."""

    status = 404


class TaskClosed(GuideError):
    """The task is already done or cancelled."""

    status = 409


class NotYourTask(GuideError):
    """A guide acting on a task assigned to someone else."""

    status = 403


@dataclass(frozen=True)
class TaskView:
    id: int
    customer_id: int
    oneid: str
    customer_name: str | None
    phone: str | None
    assignee: str | None
    kind: str
    title: str
    body: str
    due_at: datetime
    status: str
    outcome: str | None
    origin: dict[str, Any] | None
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True)
class TaskPage:
    total: int
    rows: list[TaskView]


def _check_assignee(session: Session, assignee: str | None) -> None:
    if assignee is None:
        return
    role = access.active_role(session, assignee)
    if role is None:
        raise GuideError(f"no active console user {assignee!r} to assign the task to")
    if role not in ASSIGNABLE:
        raise GuideError(f"{assignee} is a {role}; tasks go to guides, operators or admins")


def create_task(
    session: Session,
    *,
    customer_id: int,
    title: str,
    body: str,
    kind: str,
    due_at: datetime,
    now: datetime,
    idempotency_key: str,
    assignee: str | None = None,
    origin: dict[str, Any] | None = None,
) -> int:
    """Create a task about ``customer_id`` (followed through OneID merges) and log ``Guide Task
    Created``; returns its id. Idempotent on ``idempotency_key``: a repeated key returns the
    task it created, unchanged. ``assignee`` is a console username (guide, operator or admin),
    None for the team pool; ``origin`` names the journey step that asked for it."""
    if not idempotency_key or len(idempotency_key) > 128:
        raise GuideError("idempotency_key must be 1-128 characters")
    existing = session.scalar(
        select(GuideTask.id).where(GuideTask.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    title = title.strip()
    if not title or len(title) > 128:
        raise GuideError("a task needs a title of 1-128 characters")
    if len(body) > 4000:
        raise GuideError("a task's body is at most 4000 characters")
    if not KIND.match(kind):
        raise GuideError(f"task kind {kind!r} must be a lowercase slug such as follow_up")
    if due_at.tzinfo is None:
        raise GuideError("due_at needs a timezone")
    if origin is not None and len(origin) > 10:
        raise GuideError("origin holds a few keys: journey_id, journey_version, step")
    if not profiles.exists(session, customer_id):
        raise UnknownCustomer(f"no customer {customer_id}")
    _check_assignee(session, assignee)
    person = survivor_of(session, customer_id)
    task = GuideTask(
        customer_id=person,
        assignee=assignee,
        kind=kind,
        title=title,
        body=body,
        due_at=due_at,
        status=TaskStatus.OPEN,
        origin=dict(origin) if origin is not None else None,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:  # a concurrent call with the same key won
        won = session.scalar(
            select(GuideTask.id).where(GuideTask.idempotency_key == idempotency_key)
        )
        if won is None:  # pragma: no cover - the only unique column is the key
            raise
        return won
    events.guide_task_created(
        session,
        at=now,
        customer_id=person,
        task_id=task.id,
        kind=kind,
        title=title,
        assignee=assignee,
        due_at=due_at,
        origin=origin,
    )
    return task.id


def _visible(query: Any, guide: str | None) -> Any:
    if guide is None:
        return query
    return query.where(or_(GuideTask.assignee == guide, GuideTask.assignee.is_(None)))


def list_tasks(
    session: Session,
    *,
    guide: str | None = None,
    status: TaskStatus | None = TaskStatus.OPEN,
    assignee: str | None = None,
    customer_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> TaskPage:
    """Tasks soonest due first. ``guide`` limits them to what that guide sees (their own and
    the pool); ``assignee`` filters on one assignee (``""`` for the pool only)."""
    conditions: list[Any] = []
    if status is not None:
        conditions.append(GuideTask.status == status)
    if assignee is not None:
        conditions.append(
            GuideTask.assignee.is_(None) if assignee == "" else GuideTask.assignee == assignee
        )
    if customer_id is not None:
        conditions.append(GuideTask.customer_id == survivor_of(session, customer_id))
    total = session.scalar(
        _visible(select(func.count()).select_from(GuideTask), guide).where(*conditions)
    )
    query = _visible(_listing(), guide).where(*conditions)
    query = query.order_by(GuideTask.due_at, GuideTask.id).limit(limit).offset(offset)
    return TaskPage(total or 0, _views(session, query))


def get_task(session: Session, task_id: int, *, guide: str | None = None) -> TaskView:
    found = _views(session, _visible(_listing(), guide).where(GuideTask.id == task_id))
    if not found:
        raise UnknownTask(f"no task {task_id}")
    return found[0]


def _listing() -> Any:
    return select(GuideTask)


def _views(session: Session, query: Any) -> list[TaskView]:
    tasks = list(session.scalars(query))
    ids = {task.customer_id for task in tasks}
    people = profiles.people_of(session, ids)
    phones = identity.first_values(session, ids, IdentityType.PHONE)
    return [
        TaskView(
            id=task.id,
            customer_id=task.customer_id,
            oneid=people[task.customer_id].oneid,
            customer_name=people[task.customer_id].name,
            phone=phones.get(task.customer_id),
            assignee=task.assignee,
            kind=task.kind,
            title=task.title,
            body=task.body,
            due_at=task.due_at,
            status=task.status,
            outcome=task.outcome,
            origin=task.origin,
            created_at=task.created_at,
            done_at=task.done_at,
        )
        for task in tasks
    ]


def _open_task(session: Session, task_id: int, by: str, *, as_guide: bool) -> GuideTask:
    query = select(GuideTask).where(GuideTask.id == task_id)
    task = session.scalars(for_update(session, query)).one_or_none()
    if task is None or (as_guide and task.assignee not in (None, by)):
        # A guide is not told that someone else's task exists.
        raise UnknownTask(f"no task {task_id}")
    if task.status != TaskStatus.OPEN:
        raise TaskClosed(f"task {task_id} is already {task.status}")
    return task


def complete_task(
    session: Session,
    task_id: int,
    *,
    by: str,
    now: datetime,
    outcome: str | None = None,
    as_guide: bool = True,
) -> TaskView:
    """Mark an open task done with its outcome note and log ``Guide Task Completed``. A guide
    (``as_guide``) may complete their own or a pool task, which becomes theirs."""
    if outcome is not None and len(outcome) > 2000:
        raise GuideError("an outcome note is at most 2000 characters")
    task = _open_task(session, task_id, by, as_guide=as_guide)
    if task.assignee is None:
        task.assignee = by
    task.status, task.outcome, task.done_at = TaskStatus.DONE, outcome, now
    session.flush()
    events.guide_task_completed(
        session,
        at=now,
        customer_id=task.customer_id,
        task_id=task.id,
        kind=task.kind,
        by=by,
        outcome=outcome,
        origin=task.origin,
    )
    return get_task(session, task.id)


def cancel_task(
    session: Session, task_id: int, *, by: str, now: datetime, reason: str | None = None
) -> TaskView:
    """Cancel an open task (operators and admins; a journey whose customer exited)."""
    task = _open_task(session, task_id, by, as_guide=False)
    task.status, task.outcome, task.done_at = TaskStatus.CANCELLED, reason, now
    session.flush()
    return get_task(session, task.id)


# How a OneID merge treats guides' tables (see profiles.merge_policies).
declare_merge_policy(
    "guide_tasks",
    Follows(
        "a task stays where it was created; new tasks and a person's task list go to "
        "the survivor (survivor_of)"
    ),
)


def _theirs(session: Session, principal: access.Principal, customer_id: int) -> bool:
    """A guide's customers: the people with a task assigned to them (under any OneID merged
    into the person since)."""
    people = profiles.merged_into(session, customer_id)
    assigned = select(GuideTask.id).where(
        GuideTask.assignee == principal.name, GuideTask.customer_id.in_(people)
    )
    return session.scalar(assigned.limit(1)) is not None


access.scope_people(Role.GUIDE, _theirs)
