"""OneID over HTTP: a person's profile found by any identifier (GET /v1/profiles?type=&value=),
the merge audit, undoing a bad merge, and blocking a placeholder value.

``router`` is what the app mounts; it holds the identity routes and the profile lookup, which
keeps its place under /v1/profiles beside profiles.api's lookup by OneID.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.identity import service as identity
from liveloop.identity.contracts import IdentityType
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

oneid_router = APIRouter(prefix="/v1/identity", tags=["identity"])
lookup_router = APIRouter(prefix="/v1/profiles", tags=["profiles"])
Operator = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(require_roles(*profiles.PROFILE_READERS))]
MergeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Query(ge=1, le=500, description="timeline entries")]
Before = Annotated[int | None, Query(ge=1, le=2**62, description="timeline: events before id")]


@lookup_router.get("", response_model=profiles.Profile)
def by_identifier(
    session: ReadSessionDep,
    principal: Reader,
    type: Annotated[IdentityType, Query(description="identifier type, e.g. phone")],
    value: Annotated[str, Query(min_length=1, max_length=128)],
    timeline_limit: Limit = 50,
    before: Before = None,
) -> profiles.Profile:
    """A person by any identifier, e.g. ``?type=phone&value=13800138000``."""
    try:
        normalised = identity.normalise(type, value)
    except identity.InvalidIdentifier as exc:
        raise HTTPException(400, str(exc)) from None
    customer_id = identity.holder(session, type, normalised)
    if customer_id is None:
        raise HTTPException(404, f"nobody holds {type.value} {value!r}")
    profile = profiles.profile_of(
        session, customer_id, viewer=principal, timeline_limit=timeline_limit, before=before
    )
    if profile is None:  # someone outside the caller's row scope: the same answer as nobody
        raise HTTPException(404, f"nobody holds {type.value} {value!r}")
    return profile


class MergeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    survivor_oneid: str
    merged_oneid: str
    evidence: dict[str, Any]
    moved_identifiers: int
    merged_at: datetime
    split_at: datetime | None


@oneid_router.get("/merges")
def merges(
    session: ReadSessionDep,
    _: Operator,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[MergeOut]:
    """The merge audit, newest first. Evidence names the identifiers that joined the two."""
    return [
        MergeOut.model_validate(r)
        for r in identity.list_merges(session, limit=limit, before=before)
    ]


class SplitOut(BaseModel):
    merge_id: int
    restored_oneid: str


@oneid_router.post("/merges/{merge_id}/split")
def split_merge(
    merge_id: MergeId, session: SessionDep, runtime: RuntimeDep, _: Operator
) -> SplitOut:
    """Undo a bad merge: 404 for an unknown merge, 409 when it was split already."""
    restored = identity.split(session, merge_id, runtime.clock.now(), runtime.settings.tz)
    return SplitOut(
        merge_id=merge_id, restored_oneid=profiles.oneids_of(session, [restored])[restored]
    )


class NewBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: IdentityType
    value: str = Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)


@oneid_router.post("/blocks", status_code=201)
def block(body: NewBlock, session: SessionDep, runtime: RuntimeDep, _: Operator) -> dict[str, str]:
    """Block a value that names nobody (a test phone, a demo device): it stops identifying
    anyone from now on and is detached from whoever held it."""
    try:
        value = identity.normalise(body.type, body.value)
    except identity.InvalidIdentifier:
        value = body.value.strip()  # already refused everywhere; blocking it is harmless
    identity.block_value(session, body.type, value, runtime.clock.now())
    return {"type": body.type.value, "value": value, "reason": "placeholder"}


router = APIRouter()
router.include_router(oneid_router)
router.include_router(lookup_router)
