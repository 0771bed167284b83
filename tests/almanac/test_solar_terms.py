"""The 24 节气 the calendar computes (lunar-python) against three other sources, none of them
the library itself:

1. Published moments: the equinoxes and solstices of 2024–2026 as the US Naval Observatory's
   "Earth's Seasons" table gives them (UTC, rounded to the minute), and two moments Chinese
   almanacs publish, 2024 冬至 (12月21日 17:20) and 2025 立春 (2月3日 22:10), both Beijing
   time. These were written down from those tables by hand, so the test allows the minute's
   rounding plus the libraries' seconds (60 s).
2. PyEphem, an independent ephemeris (libastro's VSOP87 theory): the moment the Sun's apparent
   ecliptic longitude of date reaches the term's multiple of 15°, solved here by Newton's
   method — a different code base and theory from the library's.
3. sxtwl (寿星天文历, C++): the same family of algorithms as lunar-python (许剑伟's 寿星万年历),
   so not independent of it, but a separate implementation; checked on a spread of years
   1901–2199 for the date and the minute.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import ephem
import pytest
import sxtwl

from liveloop.almanac import sky
from liveloop.almanac.contracts import SOLAR_TERMS
from liveloop.almanac.service import days_between, next_day

BEIJING = timezone(timedelta(hours=8))
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOLERANCE = timedelta(seconds=60)

# USNO, Earth's Seasons (UTC): March equinox, June solstice, September equinox, December solstice.
USNO = {
    2024: ("03-20 03:06", "06-20 20:51", "09-22 12:44", "12-21 09:21"),
    2025: ("03-20 09:01", "06-21 02:42", "09-22 18:19", "12-21 15:03"),
    2026: ("03-20 14:46", "06-21 08:24", "09-23 00:05", "12-21 20:50"),
}
SEASONS = ("春分", "夏至", "秋分", "冬至")


def moments(year: int) -> dict[str, datetime]:
    return dict(sky.solar_terms(year))


@pytest.mark.parametrize("year", sorted(USNO))
def test_equinoxes_and_solstices_match_the_naval_observatorys_table(year):
    ours = moments(year)
    for name, text in zip(SEASONS, USNO[year], strict=True):
        published = datetime.strptime(f"{year}-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        assert abs(ours[name] - published) <= TOLERANCE, (year, name, ours[name])


def test_published_chinese_moments_2024_dongzhi_and_2025_lichun():
    dongzhi = moments(2024)["冬至"].astimezone(BEIJING)
    lichun = moments(2025)["立春"].astimezone(BEIJING)
    assert abs(dongzhi - datetime(2024, 12, 21, 17, 20, 30, tzinfo=BEIJING)) <= TOLERANCE
    assert abs(lichun - datetime(2025, 2, 3, 22, 10, 30, tzinfo=BEIJING)) <= TOLERANCE


def _apparent_longitude(when: ephem.Date) -> float:
    sun = ephem.Sun()
    sun.compute(when)  # apparent geocentric place, equinox of date
    ecliptic = ephem.Ecliptic(ephem.Equatorial(sun.ra, sun.dec, epoch=when), epoch=when)
    return math.degrees(ecliptic.lon)


def _ephem_moment(longitude: float, guess: datetime) -> datetime:
    when = ephem.Date(guess.astimezone(UTC).replace(tzinfo=None))
    for _ in range(20):
        behind = (longitude - _apparent_longitude(when) + 180) % 360 - 180
        when = ephem.Date(when + behind / 360 * 365.2422)
        if abs(behind) < 1e-7:
            break
    return ephem.Date(when).datetime().replace(tzinfo=UTC)


@pytest.mark.parametrize("year", [1950, 2000, 2024, 2025, 2026, 2050, 2100])
def test_every_term_matches_an_independent_ephemeris_to_the_minute(year):
    for name, moment in sky.solar_terms(year):
        # 小寒 is 285°, then 15° a term: 冬至 (the last of the year) is 270°.
        longitude = (285 + 15 * SOLAR_TERMS.index(name)) % 360
        theirs = _ephem_moment(longitude, moment)
        assert abs(moment - theirs) <= TOLERANCE, (year, name, moment, theirs)


def _sxtwl(year: int) -> dict[str, datetime]:
    names = ["冬至", *SOLAR_TERMS[:-1]]  # sxtwl counts from 冬至
    found = {}
    # sxtwl's year runs from one 立春 to the next: the Gregorian year's 小寒 and 大寒 are in
    # the year before's list.
    for info in [*sxtwl.getJieQiByYear(year - 1), *sxtwl.getJieQiByYear(year)]:
        t = sxtwl.JD2DD(info.jd)  # Beijing time
        at = datetime(int(t.Y), int(t.M), int(t.D), int(t.h), int(t.m), tzinfo=BEIJING)
        at += timedelta(seconds=t.s)
        if at.year == year:
            found[names[info.jqIndex]] = at
    return found


YEARS = sorted({*range(1901, 2200, 13), *range(2024, 2031), 2199})


def test_sxtwl_agrees_on_every_term_to_the_minute_and_the_day_1901_to_2199():
    for year in YEARS:
        ours, theirs = moments(year), _sxtwl(year)
        assert set(ours) == set(SOLAR_TERMS) and set(ours) <= set(theirs), year
        for name, moment in ours.items():
            assert abs(moment - theirs[name]) <= TOLERANCE, (year, name)
            assert moment.astimezone(BEIJING).date() == theirs[name].date(), (year, name)


def test_a_term_falls_on_its_local_date_in_the_brands_zone(runtime):
    # 冬至 2026 is at 04:50 on 22 December in Beijing: still the 21st in Los Angeles.
    with runtime.sessions() as session:
        shanghai = next_day(session, "冬至", date(2026, 12, 1), tz=SHANGHAI)
        pacific = ZoneInfo("America/Los_Angeles")
        la = next_day(session, "冬至", date(2026, 12, 1), tz=pacific)
    assert shanghai is not None and la is not None
    assert shanghai.date == date(2026, 12, 22) and shanghai.moment is not None
    assert shanghai.moment.strftime("%H:%M %Z") == "04:50 CST"
    assert la.date == date(2026, 12, 21) and la.moment is not None
    assert la.moment.utcoffset() == timedelta(hours=-8)
    assert la.moment == shanghai.moment


def test_a_year_lists_24_terms_in_order(runtime):
    with runtime.sessions() as session:
        days = days_between(session, date(2026, 1, 1), date(2026, 12, 31), tz=SHANGHAI)
    terms = [day for day in days if day.kind == "节气"]
    assert [day.name for day in terms] == list(SOLAR_TERMS)
    assert all(day.moment is not None and day.moment.date() == day.date for day in terms)
