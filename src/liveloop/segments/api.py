"""Segments over HTTP: preview a rule, save and edit segments, refresh their memberships, and
page or export (CSV with a BOM, Excel) the members.

Operators and admins write; analysts read. Names are masked for roles that do not serve
customers. A rule that does not validate is a 422 naming the JSON path of the problem.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.segments import service
from liveloop.segments.service import SegmentOut
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles
from liveloop.web.downloads import TABLES, respond

router = APIRouter(prefix="/v1/segments", tags=["segments"])
Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
SegmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# Who sees names unmasked: the people who serve the customer.
UNMASKED = {Role.ADMIN, Role.OPERATOR}
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
Description = Annotated[str, Field(max_length=2_000, pattern=NO_CONTROL_CHARS)]
MEMBER_COLUMNS = [
    "customer_id",
    "oneid",
    "name",
    "gender",
    "province",
    "city",
    "member_tier",
    "orders",
    "spend",
    "last_order_at",
    "entered_at",
]


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: dict[str, Any]
    sample: int = Field(default=20, ge=0, le=200)
    at: AwareDatetime | None = Field(default=None, description="evaluate as of (default: now)")


class PreviewOut(BaseModel):
    count: int
    sample: list[dict[str, Any]]
    seconds: float
    masked: bool


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    rule: dict[str, Any]
    description: Description = ""


class SegmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    rule: dict[str, Any] | None = None
    description: Description | None = None


class RefreshOut(BaseModel):
    segment_id: int
    entered: int
    exited: int
    members: int


def _masked(principal: Principal) -> bool:
    return principal.role not in UNMASKED


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: float(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, datetime) else v
        for k, v in row.items()
    }


@router.post("/preview")
def preview(
    body: PreviewIn, session: ReadSessionDep, runtime: RuntimeDep, principal: Reader
) -> PreviewOut:
    """How many people a rule holds now and a sample of them (names masked for analysts)."""
    rule = service.parse_rule(body.rule)
    at = body.at or runtime.clock.now()
    started = time.perf_counter()
    result = service.preview(session, rule, at, body.sample, masked=_masked(principal))
    return PreviewOut(
        count=result.count,
        sample=[_plain(r) for r in result.sample],
        seconds=round(time.perf_counter() - started, 4),
        masked=_masked(principal),
    )


@router.get("")
def list_segments(session: ReadSessionDep, _: Reader) -> list[SegmentOut]:
    return service.list_segments(session)


@router.post("", status_code=201)
def create_segment(
    body: SegmentIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> SegmentOut:
    return service.create_segment(
        session,
        name=body.name,
        rule=body.rule,
        description=body.description,
        created_by=principal.name,
        now=runtime.clock.now(),
    )


@router.get("/{segment_id}")
def get_segment(segment_id: SegmentId, session: ReadSessionDep, _: Reader) -> SegmentOut:
    return service.get_segment(session, segment_id)


@router.put("/{segment_id}")
def update_segment(
    segment_id: SegmentId, body: SegmentPatch, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> SegmentOut:
    """Edit name, rule or description; a new name or rule is a new version."""
    return service.update_segment(
        session,
        segment_id,
        now=runtime.clock.now(),
        name=body.name,
        rule=body.rule,
        description=body.description,
    )


@router.delete("/{segment_id}", status_code=204)
def delete_segment(segment_id: SegmentId, session: SessionDep, _: Editor) -> Response:
    service.delete_segment(session, segment_id)
    return Response(status_code=204)


@router.post("/{segment_id}/refresh")
def refresh(
    segment_id: SegmentId, session: SessionDep, runtime: RuntimeDep, _: Editor
) -> RefreshOut:
    """Recompute memberships now; people who entered or left get Segment Entered/Exited."""
    counts = service.refresh_memberships(session, runtime.clock.now(), segment_id)[segment_id]
    return RefreshOut(
        segment_id=segment_id,
        entered=counts.entered,
        exited=counts.exited,
        members=counts.members,
    )


@router.get("/{segment_id}/members", response_model=None, responses=TABLES)
def members(
    segment_id: SegmentId,
    session: ReadSessionDep,
    principal: Reader,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1_000)] = 50,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Any:
    """The members as of the last refresh, by id; ``format=csv|xlsx`` exports all of them."""
    segment = service.get_segment(session, segment_id)
    masked = _masked(principal)
    name = f"segment-{segment.id}"
    if format != "json":
        return respond(
            name,
            MEMBER_COLUMNS,
            _rows(session, segment_id, masked),
            page,
            page_size,
            format,
        )
    rows = service.segment_member_rows(
        session, segment_id, masked=masked, offset=(page - 1) * page_size, limit=page_size
    )
    return {
        "total": service.member_count(session, segment_id),
        "page": page,
        "page_size": page_size,
        "rows": [_plain(r) for r in rows],
    }


def _rows(session: Any, segment_id: int, masked: bool) -> Iterator[dict[str, Any]]:
    for row in service.segment_member_rows(session, segment_id, masked=masked):
        yield _plain(row)
