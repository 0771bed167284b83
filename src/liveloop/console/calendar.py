"""Console page 营销日历 (marketing calendar): the coming months, each day with its 节气 (and
their moment), festivals, commerce days and brand dates, and the campaigns scheduled on it
(their live show and when the journey invites); beside it the campaign templates, each with
the next date it can run and a button that schedules it for that year in the chosen room.

Operators and admins schedule; analysts and hosts read. Scheduling is idempotent per
(template, year), so a double click schedules once; a refusal (the show's time is past, the
room is taken then) is shown in Chinese and nothing is written.
"""

from __future__ import annotations

import calendar as months
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveloop.access.contracts import Role
from liveloop.access.service import ConsoleLogin
from liveloop.almanac import service as almanac
from liveloop.campaigns import service as campaigns
from liveloop.console.auth import ConsoleUser, check_csrf
from liveloop.errors import DomainError
from liveloop.live import service as lives
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep

router = APIRouter(include_in_schema=False)

READERS = {Role.ADMIN, Role.OPERATOR, Role.ANALYST, Role.HOST}
EDITORS = {Role.ADMIN, Role.OPERATOR}
MONTHS_SHOWN = 3
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
KIND_CLASS = {"节气": "term", "节日": "festival", "电商节": "commerce", "品牌日": "brand"}


@dataclass
class Cell:
    day: date | None
    days: list[almanac.CalendarDay] = field(default_factory=list)
    campaigns: list[campaigns.CampaignView] = field(default_factory=list)


@dataclass
class Month:
    title: str
    weeks: list[list[Cell]]


@dataclass(frozen=True)
class TemplateRow:
    template: campaigns.TemplateView
    next: almanac.CalendarDay | None
    year: int | None
    scheduled: bool


def _reader(user: ConsoleLogin) -> None:
    if user.principal.role not in READERS:
        raise HTTPException(403, "营销日历仅对运营、主播、分析师开放")


def _first_month(text: str | None, today: date) -> date:
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise HTTPException(400, "月份格式应为 2026-12") from None


def _add_months(first: date, count: int) -> date:
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _months(
    first: date, days: list[almanac.CalendarDay], found: list[campaigns.CampaignView]
) -> list[Month]:
    by_day: dict[date, list[almanac.CalendarDay]] = {}
    for day in days:
        by_day.setdefault(day.date, []).append(day)
    on_day: dict[date, list[campaigns.CampaignView]] = {}
    for campaign in found:
        on_day.setdefault(campaign.day, []).append(campaign)
    shown = []
    for index in range(MONTHS_SHOWN):
        start = _add_months(first, index)
        weeks = [
            [
                Cell(d, by_day.get(d, []), on_day.get(d, []))
                if d.month == start.month
                else Cell(None)
                for d in week
            ]
            for week in months.Calendar().monthdatescalendar(start.year, start.month)
        ]
        shown.append(Month(f"{start.year}年{start.month}月", weeks))
    return shown


def _page(
    request: Request,
    user: ConsoleLogin,
    session: Any,
    runtime: Any,
    month: str | None,
    *,
    error: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    from liveloop.console.routes import templates

    tz = runtime.settings.tz
    now = runtime.clock.now()
    today = now.astimezone(tz).date()
    first = _first_month(month, today)
    last = _add_months(first, MONTHS_SHOWN) - timedelta(days=1)
    try:
        days = almanac.days_between(session, first, last, tz=tz)
    except almanac.CalendarError as exc:
        raise HTTPException(400, str(exc)) from None
    found = campaigns.list_campaigns(session, tz=tz, since=first, until=last)
    years = campaigns.scheduled_years(session)
    rows = []
    for template in campaigns.list_templates():
        coming = almanac.next_day(session, template.day, today - timedelta(days=1), tz=tz)
        year = coming.date.year if coming is not None else None
        rows.append(TemplateRow(template, coming, year, year in years.get(template.key, set())))
    rows.sort(key=lambda row: row.next.date if row.next is not None else date.max)
    context = {
        "user": user,
        "page": "calendar",
        "months": _months(first, days, found),
        "weekdays": WEEKDAYS,
        "kind_class": KIND_CLASS,
        "today": today,
        "tz": tz,
        "templates": rows,
        "rooms": lives.list_rooms(session),
        "editor": user.principal.role in EDITORS,
        "previous": _add_months(first, -MONTHS_SHOWN).strftime("%Y-%m"),
        "following": _add_months(first, MONTHS_SHOWN).strftime("%Y-%m"),
        "month": first.strftime("%Y-%m"),
        "error": error,
        "message": message,
    }
    return templates.TemplateResponse(request, "calendar.html", context, status_code=status)


@router.get("/console/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    month: Annotated[str | None, Query(max_length=7, pattern=r"^\d{4}-\d{1,2}$")] = None,
    done: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    _reader(user)
    message = f"已安排「{done}」" if done else None
    return _page(request, user, session, runtime, month, message=message)


@router.post("/console/calendar/schedule", response_class=HTMLResponse)
async def schedule(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    runtime: RuntimeDep,
    template: Annotated[str, Form(max_length=64)] = "",
    year: Annotated[str, Form(max_length=4)] = "",
    room: Annotated[str, Form(max_length=32)] = "",
    month: Annotated[str, Form(max_length=7)] = "",
) -> Response:
    _reader(user)
    if user.principal.role not in EDITORS:
        raise HTTPException(403, "只有运营和管理员可以安排活动")
    await check_csrf(request, user.csrf_token)
    shown = month if re.fullmatch(r"\d{4}-\d{1,2}", month) else None
    if not template or not year.isdigit() or not room:
        return _page(
            request, user, session, runtime, shown, error="请选择活动模板、年份和直播间", status=422
        )
    try:
        with session.begin_nested():
            found = campaigns.schedule_campaign(
                session,
                template,
                int(year),
                room=room,
                now=runtime.clock.now(),
                by=user.principal.name,
                tz=runtime.settings.tz,
            )
    except DomainError as exc:
        status = exc.status if 400 <= exc.status < 500 else 422
        return _page(request, user, session, runtime, shown, error=str(exc), status=status)
    target = f"/console/calendar?month={found.day.strftime('%Y-%m')}&done={found.name}"
    return RedirectResponse(target, status_code=303)
