"""The 24 节气 and the lunar-calendar festivals of a year, from lunar-python (decision 0030).

The library computes in Beijing time — UTC+8 all year, the time the Chinese calendar is
defined in (GB/T 33661-2017) — so its moments are read as UTC+8 (never as Asia/Shanghai, whose
1986–1991 summer time the astronomical tables do not know) and handed on in UTC; the caller
puts them in the brand's zone. A year's terms are computed once per process and kept.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

from lunar_python import Lunar, Solar

from liveloop.almanac.contracts import (
    LUNAR_FESTIVALS,
    MAX_YEAR,
    MIN_YEAR,
    NEW_YEARS_EVE,
    SOLAR_TERMS,
)

BEIJING = timezone(timedelta(hours=8), "UTC+8")
# lunar-python names the terms just outside its lunar year in pinyin.
_PINYIN = {
    "DONG_ZHI": "冬至",
    "XIAO_HAN": "小寒",
    "DA_HAN": "大寒",
    "LI_CHUN": "立春",
    "YU_SHUI": "雨水",
    "JING_ZHE": "惊蛰",
    "DA_XUE": "大雪",
}


def _moment(solar: Solar) -> datetime:
    beijing = datetime(
        solar.getYear(),
        solar.getMonth(),
        solar.getDay(),
        solar.getHour(),
        solar.getMinute(),
        solar.getSecond(),
        tzinfo=BEIJING,
    )
    return beijing.astimezone(UTC)


def _check(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"the calendar covers {MIN_YEAR}–{MAX_YEAR}, not {year}")


@lru_cache(maxsize=64)
def solar_terms(year: int) -> tuple[tuple[str, datetime], ...]:
    """The 24 terms whose moment falls in Gregorian ``year`` (Beijing time), in order, each
    with its moment in UTC."""
    _check(year)
    # The lunar year around 1 June of ``year`` lists the terms from the previous 大雪 to the
    # next 惊蛰: every term of the Gregorian year is in it.
    table = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()
    found: dict[str, datetime] = {}
    for label, solar in table.items():
        name = _PINYIN.get(label, label)
        moment = _moment(solar)
        if name in SOLAR_TERMS and moment.astimezone(BEIJING).year == year:
            found[name] = moment
    if len(found) != len(SOLAR_TERMS):  # a library change that breaks this must not pass quietly
        raise RuntimeError(f"lunar-python gave {len(found)} solar terms for {year}, not 24")
    return tuple(sorted(found.items(), key=lambda item: item[1]))


def _lunar_date(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()  # month > 0: the month, not its leap twin
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def lunar_festivals(year: int) -> tuple[tuple[str, date], ...]:
    """The lunar-calendar festivals that fall in Gregorian ``year``, in date order. Those of the
    twelfth month (腊八, 小年, 除夕) usually fall in January or February of the next Gregorian
    year, so the lunar year before is looked at as well (腊八 2022 fell on 30 December)."""
    _check(year)
    days: list[tuple[str, date]] = []
    for lunar_year in (year - 1, year):
        for name, (month, day) in LUNAR_FESTIVALS.items():
            days.append((name, _lunar_date(lunar_year, month, day)))
        # 除夕: the last day of the twelfth month, the eve of the next 春节.
        days.append((NEW_YEARS_EVE, _lunar_date(lunar_year + 1, 1, 1) - timedelta(days=1)))
    return tuple(sorted(((n, d) for n, d in days if d.year == year), key=lambda i: (i[1], i[0])))
