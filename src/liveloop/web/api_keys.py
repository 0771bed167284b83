"""API keys over HTTP, for admins: create (the key is in the response, once), list, revoke.
A router of the web kit, not of access: it stands on ``web.deps``, which stands on access."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import (
    Principal,
    api_key_exists,
    api_keys,
    create_api_key,
    revoke_api_key,
)
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/api-keys", tags=["access"])
AdminDep = Annotated[Principal, Depends(require_roles())]
KeyId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NewApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS, examples=["erp-sync"])
    role: Role = Field(examples=["integrator"])


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    return [ApiKeyOut.model_validate(key) for key in api_keys(session)]


@router.delete("/{key_id}", status_code=204)
def revoke(key_id: KeyId, session: SessionDep, runtime: RuntimeDep, _: AdminDep) -> None:
    if not api_key_exists(session, key_id):
        raise HTTPException(404, f"no API key {key_id}")
    revoke_api_key(session, key_id, runtime.clock.now())
