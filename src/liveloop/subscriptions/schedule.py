"""When each cycle of a subscription falls: pure date arithmetic, no store.

A subscription's cycles are numbered 1, 2, 3 …; cycle ``n`` falls ``n - anchor_cycle`` cadence
steps after ``anchor_on``. Months are counted from the anchor, never from the previous cycle,
and a day the month does not have becomes its last day: a monthly plan anchored on Jan 31
delivers on Feb 28 (Feb 29 in a leap year), Mar 31, Apr 30 — never drifting to the 28th.

A pause moves every cycle not yet due by the days it lasted: resuming re-anchors the schedule
on the next cycle's shifted date (``Schedule.shifted``), so a monthly plan resumed to the 10th
goes on on the 10th.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from liveloop.subscriptions.contracts import Cadence

DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14}


def add_months(day: date, months: int, *, on_day: int | None = None) -> date:
    """``day`` moved ``months`` months, on ``on_day`` (default: ``day``'s day of the month)
    or the month's last day when it has fewer."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(on_day or day.day, last))


def step(anchor: date, cadence: Cadence, steps: int) -> date:
    """The date ``steps`` cadence steps from ``anchor`` (negative goes back)."""
    if cadence == Cadence.MONTHLY:
        return add_months(anchor, steps)
    return anchor + timedelta(days=DAYS[cadence] * steps)


@dataclass(frozen=True)
class Schedule:
    """Cycle ``anchor_cycle`` falls on ``anchor_on``; the others by ``cadence`` from there."""

    anchor_on: date
    anchor_cycle: int
    cadence: Cadence

    def date_of(self, number: int) -> date:
        return step(self.anchor_on, self.cadence, number - self.anchor_cycle)

    def dates(self, first: int, count: int) -> list[date]:
        return [self.date_of(n) for n in range(first, first + count)]

    def shifted(self, number: int, days: int) -> Schedule:
        """The schedule with cycle ``number`` and every later one ``days`` days later, the
        later ones counted from cycle ``number``'s new date."""
        return Schedule(self.date_of(number) + timedelta(days=days), number, self.cadence)

    def resumed(self, number: int, paused_on: date, resumed_on: date) -> Schedule:
        """After a pause from ``paused_on`` to ``resumed_on``: cycle ``number`` (the next one)
        and the rest moved by the days paused, never to before the day of resuming."""
        moved = self.date_of(number) + (resumed_on - paused_on)
        return Schedule(max(moved, resumed_on), number, self.cadence)
