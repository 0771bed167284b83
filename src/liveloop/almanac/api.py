"""The marketing calendar over HTTP: ``/v1/calendar`` (the days of a range, the next day of a
name) and ``/v1/calendar/brand-dates`` (the brand's own dates: list, add, change, delete).

Everyone with a console role reads the calendar; operators (and admins) edit brand dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.almanac import service as almanac
from liveloop.almanac.contracts import DayKind
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])

Reader = Annotated[
    Principal,
    Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.HOST, Role.GUIDE, Role.LEADER)),
]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
BrandDateId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Name = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
RuleText = Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
Note = Annotated[str, Field(max_length=200, pattern=NO_CONTROL_CHARS)]


class DayOut(BaseModel):
    date: date
    name: str
    kind: DayKind
    moment: datetime | None = Field(
        default=None, description="a 节气's exact moment, in the brand's time zone"
    )


class BrandDateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    rule: RuleText = Field(description="每年9月9日, 9月9日, 每月18日 or 2026-12-12")
    note: Note = ""


class BrandDatePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    rule: RuleText | None = None
    note: Note | None = None


class BrandDateOut(BaseModel):
    id: int
    name: str
    rule: str
    every: str
    month: int | None
    day: int | None
    on: date | None
    note: str
    updated_at: datetime


def _day(day: almanac.CalendarDay) -> DayOut:
    return DayOut(date=day.date, name=day.name, kind=day.kind, moment=day.moment)


def _brand(view: almanac.BrandDateView) -> BrandDateOut:
    return BrandDateOut.model_validate(view, from_attributes=True)


@router.get("")
def days(
    session: ReadSessionDep,
    runtime: RuntimeDep,
    _: Reader,
    start: Annotated[date, Query(alias="from", description="first day, e.g. 2026-12-01")],
    end: Annotated[date, Query(alias="to", description="last day (included)")],
    kind: DayKind | None = None,
) -> list[DayOut]:
    """The calendar's days from ``from`` to ``to`` (both included, at most about three years),
    by date; 节气 carry their exact moment in the brand's zone."""
    found = almanac.days_between(session, start, end, tz=runtime.settings.tz)
    return [_day(day) for day in found if kind is None or day.kind == kind]


@router.get("/next")
def next_day(
    session: ReadSessionDep,
    runtime: RuntimeDep,
    _: Reader,
    name: Annotated[str, Query(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)],
    after: Annotated[date | None, Query(description="default: today in the brand's zone")] = None,
) -> DayOut | None:
    """The next day of ``name`` after ``after``; null for a one-off brand date already past."""
    tz = runtime.settings.tz
    since = after or runtime.clock.now().astimezone(tz).date()
    found = almanac.next_day(session, name, since, tz=tz)
    return _day(found) if found is not None else None


@router.get("/brand-dates")
def brand_dates(session: ReadSessionDep, _: Reader) -> list[BrandDateOut]:
    return [_brand(view) for view in almanac.brand_dates(session)]


@router.post("/brand-dates", status_code=201)
def add_brand_date(
    body: BrandDateIn, session: SessionDep, runtime: RuntimeDep, principal: Editor
) -> BrandDateOut:
    """Add one of the brand's own dates (品牌日 每年9月9日, 会员日 每月18日 …)."""
    return _brand(
        almanac.add_brand_date(
            session,
            name=body.name,
            rule=body.rule,
            note=body.note,
            now=runtime.clock.now(),
            by=principal.name,
        )
    )


@router.patch("/brand-dates/{brand_date_id}")
def change_brand_date(
    brand_date_id: BrandDateId,
    body: BrandDatePatch,
    session: SessionDep,
    runtime: RuntimeDep,
    _: Editor,
) -> BrandDateOut:
    return _brand(
        almanac.change_brand_date(
            session,
            brand_date_id,
            now=runtime.clock.now(),
            name=body.name,
            rule=body.rule,
            note=body.note,
        )
    )


@router.delete("/brand-dates/{brand_date_id}", status_code=204)
def delete_brand_date(brand_date_id: BrandDateId, session: SessionDep, _: Editor) -> Response:
    almanac.delete_brand_date(session, brand_date_id)
    return Response(status_code=204)
