"""Campaigns over HTTP: ``/v1/campaigns/templates`` (the shipped templates, with the years each
is scheduled for), ``POST /v1/campaigns`` (schedule a template for a year: 201 when it was
scheduled now, 200 with the same campaign when it already was) and ``GET /v1/campaigns``.

Operators (and admins) schedule; analysts and hosts read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.campaigns import service as campaigns
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.HOST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]


class TemplateOut(BaseModel):
    key: str
    name: str
    day: str
    description: str
    show_title: str
    show_offset_days: int
    show_at: str
    journey_offset_days: int
    journey_at: str
    scheduled_years: list[int]


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9-]*$")]
    year: Annotated[int, Field(ge=1901, le=2199)]
    room: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
    host: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)] | None = None
    audience: dict[str, Any] | None = Field(
        default=None, description="a segment rule replacing the template's audience"
    )
    segment: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        default=None, description="or a saved segment's name"
    )


class CampaignOut(BaseModel):
    id: int
    template: str
    name: str
    year: int
    day_name: str
    day: date
    show_id: int | None
    show_title: str | None
    show_room: str | None
    show_at: datetime | None
    show_status: str | None
    journey_key: str | None
    journey_status: str | None
    invite_at: datetime | None
    created_by: str
    created_at: datetime


@router.get("/templates")
def templates(session: ReadSessionDep, _: Reader) -> list[TemplateOut]:
    years = campaigns.scheduled_years(session)
    return [
        TemplateOut(**vars(t), scheduled_years=sorted(years.get(t.key, set())))
        for t in campaigns.list_templates()
    ]


@router.post("", status_code=201)
def schedule(
    body: ScheduleIn,
    response: Response,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Editor,
) -> CampaignOut:
    """Schedule a template for a year: its live show and its journey. Idempotent per
    (template, year): the second time answers 200 with the campaign already there."""
    if body.audience is not None and body.segment is not None:
        raise campaigns.CampaignRefused(
            "audience 和 segment 只能给一个 (give audience or segment, not both)"
        )
    found = campaigns.schedule_campaign(
        session,
        body.template,
        body.year,
        room=body.room,
        now=runtime.clock.now(),
        by=principal.name,
        tz=runtime.settings.tz,
        audience=body.audience,
        segment=body.segment,
        host=body.host,
    )
    if not found.created:
        response.status_code = 200
    return CampaignOut.model_validate(found, from_attributes=True)


@router.get("")
def list_campaigns(
    session: ReadSessionDep,
    runtime: RuntimeDep,
    _: Reader,
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
) -> list[CampaignOut]:
    """Campaigns by their calendar day, soonest first (``from`` ≤ day ≤ ``to``)."""
    return [
        CampaignOut.model_validate(c, from_attributes=True)
        for c in campaigns.list_campaigns(session, tz=runtime.settings.tz, since=since, until=until)
    ]
