"""Calendar arithmetic in the brand's time zone: month starts, adding months, a day's bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def month_start(at: datetime, tz: ZoneInfo) -> datetime:
    """The first instant of ``at``'s month, brand time."""
    local = at.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def add_months(at: datetime, months: int, tz: ZoneInfo) -> datetime:
    """``at`` moved by whole months, brand time (the day clipped to the month's last)."""
    local = at.astimezone(tz)
    index = local.year * 12 + local.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = local.day
    while True:
        try:
            moved = local.replace(year=year, month=month, day=day)
            break
        except ValueError:
            day -= 1
    # Rebuild from the wall time so a DST change between the two dates keeps the wall clock.
    naive = moved.replace(tzinfo=None)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def day_bounds(at: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The brand day holding ``at``: [its start, the next day's start)."""
    local = at.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
