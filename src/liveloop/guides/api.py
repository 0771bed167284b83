"""Guide tasks over HTTP. Guides see their own tasks and the team pool, with phone numbers
masked; operators and admins see, create and cancel every task. A guide's identity is the
principal's name: the console username, or the API key's name (name a guide's key after them).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import Principal, mask, sees
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.guides import service
from liveloop.guides.models import TaskStatus
from liveloop.guides.service import TaskView, UnknownCustomer
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/guide-tasks", tags=["guide tasks"])
Worker = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.GUIDE))]
Manager = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
TaskId = Annotated[int, Path(ge=1, le=2**62)]


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
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


class TaskPageOut(BaseModel):
    total: int
    page: int
    page_size: int
    rows: list[TaskOut]


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    oneid: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)
    body: str = Field(default="", max_length=4000)
    kind: str = Field(default="follow_up", pattern=r"^[a-z][a-z0-9_]{0,23}$")
    due_at: datetime
    assignee: str | None = Field(default=None, min_length=1, max_length=64)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=128)

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a timezone, e.g. 2026-12-01T10:00:00+08:00")
        return value


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str | None = Field(default=None, max_length=2000)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=2000)


def _guide(principal: Principal) -> str | None:
    """The username whose own+pool view applies, or None for those who see everything."""
    return principal.name if principal.role == Role.GUIDE else None


def _out(view: TaskView, principal: Principal) -> TaskOut:
    if view.phone and not sees(principal.role, PiiField.PHONE):
        view = replace(view, phone=mask("phone", view.phone))
    return TaskOut.model_validate(view)


@router.get("")
def list_tasks(
    session: ReadSessionDep,
    principal: Worker,
    status: TaskStatus | None = TaskStatus.OPEN,
    assignee: Annotated[str | None, Query(max_length=64, description='"" = pool')] = None,
    customer: Annotated[str | None, Query(max_length=32, description="OneID")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TaskPageOut:
    """Tasks soonest due first (open ones unless ``status`` says otherwise)."""
    person = None
    if customer:
        person = profiles.find_by_oneid(session, customer)
        if person is None:
            raise UnknownCustomer(f"no customer with OneID {customer}")
    found = service.list_tasks(
        session,
        guide=_guide(principal),
        status=status,
        assignee=assignee,
        customer_id=person,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return TaskPageOut(
        total=found.total,
        page=page,
        page_size=page_size,
        rows=[_out(view, principal) for view in found.rows],
    )


@router.post("", status_code=201)
def create(body: TaskIn, session: SessionDep, runtime: RuntimeDep, _: Manager) -> TaskOut:
    person = profiles.find_by_oneid(session, body.oneid)
    if person is None:
        raise UnknownCustomer(f"no customer with OneID {body.oneid}")
    task_id = service.create_task(
        session,
        customer_id=person,
        title=body.title,
        body=body.body,
        kind=body.kind,
        due_at=body.due_at,
        now=runtime.clock.now(),
        idempotency_key=body.idempotency_key or f"api:{uuid.uuid4().hex}",
        assignee=body.assignee,
    )
    return TaskOut.model_validate(service.get_task(session, task_id))


@router.get("/{task_id}")
def get(task_id: TaskId, session: ReadSessionDep, principal: Worker) -> TaskOut:
    return _out(service.get_task(session, task_id, guide=_guide(principal)), principal)


@router.post("/{task_id}/complete")
def complete(
    task_id: TaskId,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Worker,
    body: OutcomeIn | None = None,
) -> TaskOut:
    """Done, with an outcome note; a guide completing a pool task takes it."""
    view = service.complete_task(
        session,
        task_id,
        by=principal.name,
        now=runtime.clock.now(),
        outcome=body.outcome if body else None,
        as_guide=principal.role == Role.GUIDE,
    )
    return _out(view, principal)


@router.post("/{task_id}/cancel")
def cancel(
    task_id: TaskId,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Manager,
    body: CancelIn | None = None,
) -> TaskOut:
    view = service.cancel_task(
        session,
        task_id,
        by=principal.name,
        now=runtime.clock.now(),
        reason=body.reason if body else None,
    )
    return _out(view, principal)
