"""Calendar facade: the days a marketing calendar marks, for any year, in the brand's zone.

    days_between(session, date(2026, 12, 1), date(2026, 12, 31), tz=settings.tz)
    next_day(session, "冬至", after=date(2026, 12, 7), tz=settings.tz)   # → 2026-12-22, 04:50

A day is a 节气 (with its exact moment: the Sun's apparent longitude reaching a multiple of
15°, from lunar-python — decision 0030), a festival of the lunar or the Gregorian calendar, a
commerce day (618, 双11, 双12) or one of the brand's own dates (``brand_dates`` table). A 节气
falls on the local date of its moment in the brand's zone (for Asia/Shanghai, the date every
Chinese calendar prints); lunar festivals are the Chinese calendar's dates (computed for
UTC+8, as the calendar is defined), whatever the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.almanac import sky
from liveloop.almanac.brand_dates import BrandDateView as BrandDateView
from liveloop.almanac.brand_dates import add_brand_date as add_brand_date
from liveloop.almanac.brand_dates import brand_dates as brand_dates
from liveloop.almanac.brand_dates import change_brand_date as change_brand_date
from liveloop.almanac.brand_dates import delete_brand_date as delete_brand_date
from liveloop.almanac.brand_dates import parse_rule as parse_rule
from liveloop.almanac.contracts import (
    BUILT_IN_NAMES,
    FIXED_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    SOLAR_TERMS,
    DayKind,
)
from liveloop.almanac.errors import CalendarConflict as CalendarConflict
from liveloop.almanac.errors import CalendarError as CalendarError
from liveloop.almanac.errors import CalendarRefused as CalendarRefused
from liveloop.almanac.errors import UnknownDay as UnknownDay
from liveloop.almanac.models import BrandDate

MAX_RANGE_DAYS = 3 * 366 + 1  # the longest range one call lists
_KIND_ORDER = {kind: index for index, kind in enumerate(DayKind)}


@dataclass(frozen=True)
class CalendarDay:
    date: date
    name: str
    kind: DayKind
    moment: datetime | None = None  # a 节气's exact moment, in the brand's zone


def _years(start: date, end: date) -> range:
    if end < start:
        raise CalendarRefused("结束日期早于开始日期 (end is before start)")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise CalendarRefused(
            f"一次最多查 {MAX_RANGE_DAYS} 天 (at most {MAX_RANGE_DAYS} days at a time)"
        )
    if start.year < MIN_YEAR or end.year > MAX_YEAR:
        raise CalendarRefused(
            f"日历覆盖 {MIN_YEAR}-{MAX_YEAR} 年 (the calendar covers {MIN_YEAR}-{MAX_YEAR})"
        )
    # A 节气 near New Year can fall on the other side of it in a zone far from UTC+8.
    return range(max(MIN_YEAR, start.year - 1), min(MAX_YEAR, end.year + 1) + 1)


def days_between(
    session: Session, start: date, end: date, *, tz: ZoneInfo, names: set[str] | None = None
) -> list[CalendarDay]:
    """Every calendar day from ``start`` to ``end`` (both included), by date, 节气 first on a
    shared date; ``names`` keeps only the days of those names."""
    found: list[CalendarDay] = []
    brand = [view for view in brand_dates(session) if names is None or view.name in names]
    for year in _years(start, end):
        for name, moment in sky.solar_terms(year):
            local = moment.astimezone(tz)
            found.append(CalendarDay(local.date(), name, DayKind.SOLAR_TERM, local))
        for name, day in sky.lunar_festivals(year):
            found.append(CalendarDay(day, name, DayKind.FESTIVAL))
        for name, (month, day_of_month, kind) in FIXED_DAYS.items():
            found.append(CalendarDay(date(year, month, day_of_month), name, kind))
        for view in brand:
            for day in view.parsed.dates_in(year):
                found.append(CalendarDay(day, view.name, DayKind.BRAND))
    return sorted(
        (day for day in found if start <= day.date <= end and (names is None or day.name in names)),
        key=lambda day: (day.date, _KIND_ORDER[day.kind], day.name),
    )


def is_day_name(session: Session, name: str) -> bool:
    """Whether ``name`` is a calendar day: built in, or one of the brand's dates."""
    if name in BUILT_IN_NAMES:
        return True
    return session.scalar(select(BrandDate.id).where(BrandDate.name == name)) is not None


def day_names(session: Session) -> list[str]:
    """Every name the calendar knows: the 节气 in order, the festivals, the brand's dates."""
    built_in = [*SOLAR_TERMS, *sorted(BUILT_IN_NAMES - set(SOLAR_TERMS))]
    return [*built_in, *(view.name for view in brand_dates(session))]


def next_day(session: Session, name: str, after: date, *, tz: ZoneInfo) -> CalendarDay | None:
    """The first day named ``name`` after ``after`` (not on it); None for a one-off brand date
    already past (or past the calendar's last year). ``UnknownDay`` when the calendar has no
    day of that name."""
    if not is_day_name(session, name):
        raise UnknownDay(f"日历上没有「{name}」 (no calendar day {name!r})")
    once = session.scalar(
        select(BrandDate.on).where(BrandDate.name == name, BrandDate.every == "once")
    )
    if after >= date(MAX_YEAR, 12, 31):
        return None
    start = after + timedelta(days=1)
    if once is not None:
        return CalendarDay(once, name, DayKind.BRAND) if once >= start else None
    # Every yearly day comes within 367 days, a monthly one sooner.
    end = min(start + timedelta(days=367), date(MAX_YEAR, 12, 31))
    if start > end:
        return None
    days = days_between(session, start, end, tz=tz, names={name})
    return days[0] if days else None


def occurrence_on(session: Session, name: str, day: date, *, tz: ZoneInfo) -> CalendarDay | None:
    """The calendar day ``name`` if it falls on ``day`` (a journey's calendar trigger asks)."""
    if day.year < MIN_YEAR or day.year > MAX_YEAR:
        return None
    found = days_between(session, day, day, tz=tz, names={name})
    return found[0] if found else None
