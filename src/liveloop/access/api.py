"""API keys over HTTP, for admins: create (the key is in the response, once), list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from liveloop.access.models import ApiKey, Role
from liveloop.access.service import Principal, create_api_key, revoke_api_key
from liveloop.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles
from liveloop.errors import NO_CONTROL_CHARS

router = APIRouter(prefix="/v1/api-keys", tags=["access"])
AdminDep = Annotated[Principal, Depends(require_roles())]
KeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS, examples=["erp-sync"])
    role: Role = Field(examples=["integrator"])


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class CreatedApiKey(BaseModel):
    id: int
    name: str
    role: Role
    key: str = Field(description="Shown once; send as `Authorization: Bearer <key>`.")


@router.post("", status_code=201)
def create(body: NewApiKey, session: SessionDep, runtime: RuntimeDep, _: AdminDep) -> CreatedApiKey:
    principal, key = create_api_key(session, body.name, body.role, runtime.clock.now())
    return CreatedApiKey(id=principal.id, name=principal.name, role=principal.role, key=key)


@router.get("")
def list_keys(session: ReadSessionDep, _: AdminDep) -> list[ApiKeyOut]:
    rows = session.scalars(select(ApiKey).order_by(ApiKey.id))
    return [
        ApiKeyOut(
            id=r.id,
            name=r.name,
            role=Role(r.role),
            prefix=r.prefix,
            created_at=r.created_at,
            last_used_at=r.last_used_at,
            revoked_at=r.revoked_at,
        )
        for r in rows
    ]


@router.delete("/{key_id}", status_code=204)
def revoke(key_id: KeyId, session: SessionDep, runtime: RuntimeDep, _: AdminDep) -> None:
    if session.get(ApiKey, key_id) is None:
        raise HTTPException(404, f"no API key {key_id}")
    revoke_api_key(session, key_id, runtime.clock.now())
