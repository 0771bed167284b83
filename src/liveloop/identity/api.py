"""OneID over HTTP: the merge audit, undoing a bad merge, and blocking a placeholder value."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.identity.contracts import IdentityType
from liveloop.identity.models import IdentityMerge
from liveloop.identity.resolve import block_value, split
from liveloop.identity.service import InvalidIdentifier, normalise
from liveloop.profiles.models import Customer
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/identity", tags=["identity"])
Operator = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
MergeId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class MergeOut(BaseModel):
    id: int
    survivor_oneid: str
    merged_oneid: str
    evidence: dict[str, Any]
    moved_identifiers: int
    merged_at: datetime
    split_at: datetime | None


@router.get("/merges")
def merges(
    session: ReadSessionDep,
    _: Operator,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[MergeOut]:
    """The merge audit, newest first. Evidence names the identifiers that joined the two."""
    query = select(IdentityMerge).order_by(IdentityMerge.id.desc()).limit(limit)
    if before is not None:
        query = query.where(IdentityMerge.id < before)
    rows = list(session.scalars(query))
    ids = {r.survivor_id for r in rows} | {r.merged_id for r in rows}
    query_ids = select(Customer.id, Customer.oneid).where(Customer.id.in_(ids))
    oneids = {customer_id: oneid for customer_id, oneid in session.execute(query_ids)}
    return [
        MergeOut(
            id=r.id,
            survivor_oneid=oneids[r.survivor_id],
            merged_oneid=oneids[r.merged_id],
            evidence=r.evidence,
            moved_identifiers=len(r.moved_identities),
            merged_at=r.merged_at,
            split_at=r.split_at,
        )
        for r in rows
    ]


class SplitOut(BaseModel):
    merge_id: int
    restored_oneid: str


@router.post("/merges/{merge_id}/split")
def split_merge(
    merge_id: MergeId, session: SessionDep, runtime: RuntimeDep, _: Operator
) -> SplitOut:
    """Undo a bad merge: 404 for an unknown merge, 409 when it was split already."""
    restored = split(session, merge_id, runtime.clock.now(), runtime.settings.tz)
    oneid = session.scalar(select(Customer.oneid).where(Customer.id == restored))
    return SplitOut(merge_id=merge_id, restored_oneid=str(oneid))


class NewBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: IdentityType
    value: str = Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)


@router.post("/blocks", status_code=201)
def block(body: NewBlock, session: SessionDep, runtime: RuntimeDep, _: Operator) -> dict[str, str]:
    """Block a value that names nobody (a test phone, a demo device): it stops identifying
    anyone from now on and is detached from whoever held it."""
    try:
        value = normalise(body.type, body.value)
    except InvalidIdentifier:
        value = body.value.strip()  # already refused everywhere; blocking it is harmless
    block_value(session, body.type, value, runtime.clock.now())
    return {"type": body.type.value, "value": value, "reason": "placeholder"}
