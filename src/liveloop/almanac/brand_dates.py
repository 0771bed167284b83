"""The brand's own dates: a name and a rule an operator writes the way they say it.

    每年9月9日 / 9月9日 / 09-09      yearly   (29 February is kept on the 28th in common years)
    每月18日                          monthly  (a 31st is kept on the last day of shorter months)
    2026-12-12 / 2026年12月12日       once

``parse_rule`` turns the text into a ``Rule`` (refusing what cannot mean one day), and
``Rule.text`` writes it back the one way the console shows it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.almanac.contracts import BUILT_IN_NAMES, MAX_YEAR, MIN_YEAR
from liveloop.almanac.errors import CalendarConflict, CalendarRefused, UnknownDay
from liveloop.almanac.models import BrandDate

NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,32}$")
_YEARLY = re.compile(r"^(?:每年)?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$|^(\d{1,2})-(\d{1,2})$")
_MONTHLY = re.compile(r"^每月\s*(\d{1,2})\s*[日号]$")
_ONCE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$"
)
RULE_HELP = "如 每年9月9日、每月18日 或 2026-12-12"


@dataclass(frozen=True)
class Rule:
    every: str  # "yearly" | "monthly" | "once"
    month: int | None = None
    day: int | None = None
    on: date | None = None

    @property
    def text(self) -> str:
        if self.every == "yearly":
            return f"每年{self.month}月{self.day}日"
        if self.every == "monthly":
            return f"每月{self.day}日"
        on = self.on or date.min
        return f"{on.year}年{on.month}月{on.day}日"

    def dates_in(self, year: int) -> list[date]:
        """The days of ``year`` the rule names."""
        if self.every == "once":
            return [self.on] if self.on is not None and self.on.year == year else []
        day = self.day or 1
        months = range(1, 13) if self.every == "monthly" else [self.month or 1]
        return [date(year, m, min(day, calendar.monthrange(year, m)[1])) for m in months]


def parse_rule(text: str) -> Rule:
    """A rule from an operator's text; ``CalendarRefused`` (in Chinese) when it names no day."""
    value = text.strip() if isinstance(text, str) else ""
    if match := _MONTHLY.match(value):
        day = int(match[1])
        if not 1 <= day <= 31:
            raise CalendarRefused(f"每月的日子需要在 1-31 之间,不是 {day} (day of month 1-31)")
        return Rule("monthly", day=day)
    if match := _YEARLY.match(value):
        month, day = (int(match[1]), int(match[2])) if match[1] else (int(match[3]), int(match[4]))
        # 2000 is a leap year: 2月29日 is a real yearly date.
        try:
            date(2000, month, day)
        except ValueError:
            raise CalendarRefused(f"没有 {month}月{day}日 这一天 (no such date)") from None
        return Rule("yearly", month=month, day=day)
    if match := _ONCE.match(value):
        parts = [int(p) for p in match.groups() if p is not None]
        try:
            on = date(*parts)
        except ValueError:
            raise CalendarRefused(f"{value} 不是真实的日期 (not a real date)") from None
        if not MIN_YEAR <= on.year <= MAX_YEAR:
            raise CalendarRefused(
                f"日历覆盖 {MIN_YEAR}-{MAX_YEAR} 年 (years {MIN_YEAR}-{MAX_YEAR})"
            )
        return Rule("once", on=on)
    raise CalendarRefused(f"看不懂日期规则「{value}」,{RULE_HELP} (a rule like 每月18日)")


@dataclass(frozen=True)
class BrandDateView:
    id: int
    name: str
    rule: str  # as the console shows it: 每年9月9日, 每月18日, 2026年12月12日
    every: str
    month: int | None
    day: int | None
    on: date | None
    note: str
    updated_at: datetime

    @classmethod
    def of(cls, row: BrandDate) -> BrandDateView:
        rule = Rule(row.every, row.month, row.day, row.on)
        return cls(
            row.id,
            row.name,
            rule.text,
            row.every,
            row.month,
            row.day,
            row.on,
            row.note,
            row.updated_at,
        )

    @property
    def parsed(self) -> Rule:
        return Rule(self.every, self.month, self.day, self.on)


def _name(value: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not NAME.fullmatch(name):
        raise CalendarRefused("名称需要 1-32 个字符 (name: 1-32 characters)")
    if name in BUILT_IN_NAMES:
        raise CalendarConflict(f"「{name}」已是日历自带的日子,换个名字 (a built-in day's name)")
    return name


def _note(value: str) -> str:
    note = value.strip() if isinstance(value, str) else ""
    if len(note) > 200 or re.search(r"[\x00-\x1f\x7f]", note):
        raise CalendarRefused("备注最多 200 个字符 (note: at most 200 characters)")
    return note


def _row(session: Session, brand_date_id: int) -> BrandDate:
    row = session.get(BrandDate, brand_date_id)
    if row is None:
        raise UnknownDay(f"没有这个品牌日 {brand_date_id} (no brand date {brand_date_id})")
    return row


def _write(session: Session, row: BrandDate, name: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise CalendarConflict(f"已有名为「{name}」的品牌日 (name taken)") from None


def add_brand_date(
    session: Session, *, name: str, rule: str, now: datetime, by: str, note: str = ""
) -> BrandDateView:
    """Add a brand date; ``CalendarConflict`` when the name is taken."""
    parsed, checked = parse_rule(rule), _name(name)
    row = BrandDate(
        name=checked,
        every=parsed.every,
        month=parsed.month,
        day=parsed.day,
        on=parsed.on,
        note=_note(note),
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    _write(session, row, checked)
    return BrandDateView.of(row)


def change_brand_date(
    session: Session,
    brand_date_id: int,
    *,
    now: datetime,
    name: str | None = None,
    rule: str | None = None,
    note: str | None = None,
) -> BrandDateView:
    row = _row(session, brand_date_id)
    if name is not None:
        row.name = _name(name)
    if rule is not None:
        parsed = parse_rule(rule)
        row.every, row.month, row.day, row.on = parsed.every, parsed.month, parsed.day, parsed.on
    if note is not None:
        row.note = _note(note)
    row.updated_at = now
    _write(session, row, row.name)
    return BrandDateView.of(row)


def delete_brand_date(session: Session, brand_date_id: int) -> None:
    session.delete(_row(session, brand_date_id))
    session.flush()


def brand_dates(session: Session) -> list[BrandDateView]:
    return [
        BrandDateView.of(row) for row in session.scalars(select(BrandDate).order_by(BrandDate.id))
    ]
