"""Festivals, commerce days and the brand's own dates on the calendar, over the facade, the
API and ``liveloop calendar``."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
import sxtwl

from liveloop.almanac import sky
from liveloop.almanac.brand_dates import parse_rule
from liveloop.almanac.contracts import LUNAR_FESTIVALS
from liveloop.almanac.service import (
    CalendarConflict,
    CalendarRefused,
    UnknownDay,
    add_brand_date,
    days_between,
    next_day,
)
from liveloop.store.engine import transaction
from tests.almanac.conftest import api_key

SHANGHAI = ZoneInfo("Asia/Shanghai")

# As every Chinese calendar prints them.
KNOWN = {
    2024: {"春节": "02-10", "端午": "06-10", "中秋": "09-17", "除夕": "02-09"},
    2025: {"春节": "01-29", "元宵": "02-12", "端午": "05-31", "七夕": "08-29", "中秋": "10-06",
           "重阳": "10-29", "除夕": "01-28", "腊八": "01-07", "小年": "01-22"},
    2026: {"春节": "02-17", "端午": "06-19", "中秋": "09-25", "除夕": "02-16"},
}  # fmt: skip


@pytest.mark.parametrize("year", sorted(KNOWN))
def test_lunar_festivals_fall_on_the_dates_calendars_print(year):
    found = dict(sky.lunar_festivals(year))
    for name, text in KNOWN[year].items():
        assert found[name] == date.fromisoformat(f"{year}-{text}"), name


def test_a_twelfth_month_festival_can_fall_twice_in_one_gregorian_year():
    # 春节 2023 was on 22 January, so that lunar year's 腊八 was already on 30 December 2022.
    labas = [day for name, day in sky.lunar_festivals(2022) if name == "腊八"]
    assert labas == [date(2022, 1, 10), date(2022, 12, 30)]


def test_lunar_festivals_agree_with_sxtwl_1901_to_2199():
    """Except 2057's 九月初一: the new moon of 2057-09-28 falls within seconds of Beijing
    midnight, and the two libraries' lunar-month tables put it on either side (the known
    2057 disagreement among Chinese calendar programs); lunar-python says 重阳 is 10-07."""
    for year in sorted({*range(1901, 2200, 11), 2057, 2199}):
        for name, (month, day) in LUNAR_FESTIVALS.items():
            ours = sky._lunar_date(year, month, day)
            theirs = sxtwl.fromLunar(year, month, day, False)
            expected = date(theirs.getSolarYear(), theirs.getSolarMonth(), theirs.getSolarDay())
            if (year, name) == (2057, "重阳"):
                assert (ours, expected) == (date(2057, 10, 7), date(2057, 10, 6))
            else:
                assert ours == expected, (year, name)


def test_commerce_days_and_gregorian_festivals(runtime):
    with transaction(runtime.read_sessions) as session:
        days = days_between(session, date(2026, 1, 1), date(2026, 12, 31), tz=SHANGHAI)
    by_name = {(day.name, day.kind.value): day.date for day in days}
    assert by_name[("618", "电商节")] == date(2026, 6, 18)
    assert by_name[("双11", "电商节")] == date(2026, 11, 11)
    assert by_name[("双12", "电商节")] == date(2026, 12, 12)
    assert by_name[("国庆", "节日")] == date(2026, 10, 1)
    assert by_name[("元旦", "节日")] == date(2026, 1, 1)
    assert [day.date for day in days] == sorted(day.date for day in days)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("每年9月9日", "每年9月9日"),
        ("9月9号", "每年9月9日"),
        ("09-09", "每年9月9日"),
        ("每月18日", "每月18日"),
        ("2026-12-12", "2026年12月12日"),
        ("2026年12月12日", "2026年12月12日"),
    ],
)
def test_brand_date_rules_are_read_the_way_operators_write_them(text, shown):
    assert parse_rule(text).text == shown


@pytest.mark.parametrize("text", ["每月32日", "2月30日", "2026-02-30", "每周三", "", "18"])
def test_a_rule_that_names_no_day_is_refused_in_chinese(text):
    with pytest.raises(CalendarRefused, match=r"[日期规则没有不是需要]"):
        parse_rule(text)


def test_brand_dates_repeat_by_their_rule(runtime):
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        add_brand_date(session, name="品牌日", rule="9月9日", now=now, by="test")
        add_brand_date(session, name="会员日", rule="每月31日", now=now, by="test")
        add_brand_date(session, name="老客节", rule="2月29日", now=now, by="test")
        add_brand_date(session, name="周年庆", rule="2027-03-01", now=now, by="test")
    with transaction(runtime.read_sessions) as session:
        days = days_between(session, date(2027, 1, 1), date(2027, 12, 31), tz=SHANGHAI)
        brand = [(d.name, d.date) for d in days if d.kind == "品牌日"]
        member_days = [day for name, day in brand if name == "会员日"]
        assert len(member_days) == 12 and date(2027, 2, 28) in member_days  # the month's last
        assert date(2027, 4, 30) in member_days
        assert ("老客节", date(2027, 2, 28)) in brand  # 29 February kept on the 28th
        assert ("品牌日", date(2027, 9, 9)) in brand and ("周年庆", date(2027, 3, 1)) in brand
        assert next_day(session, "周年庆", date(2027, 3, 1), tz=SHANGHAI) is None
        coming = next_day(session, "会员日", date(2027, 1, 31), tz=SHANGHAI)
        assert coming is not None and coming.date == date(2027, 2, 28)
        with pytest.raises(UnknownDay, match="日历上没有"):
            next_day(session, "不存在的节", date(2027, 1, 1), tz=SHANGHAI)
    with transaction(runtime.sessions) as session, pytest.raises(CalendarConflict):
        add_brand_date(session, name="会员日", rule="每月8日", now=now, by="test")
    with transaction(runtime.sessions) as session, pytest.raises(CalendarConflict, match="自带"):
        add_brand_date(session, name="中秋", rule="8月15日", now=now, by="test")


def test_the_calendar_api_lists_a_range_and_edits_brand_dates(store_client, store_runtime):
    headers = api_key(store_runtime, "operator")
    created = store_client.post(
        "/v1/calendar/brand-dates",
        json={"name": "品牌日", "rule": "每年9月9日", "note": "禾谷鲜生生日"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    brand_date = created.json()
    assert (brand_date["rule"], brand_date["every"], brand_date["month"]) == (
        "每年9月9日",
        "yearly",
        9,
    )

    listed = store_client.get(
        "/v1/calendar", params={"from": "2026-09-01", "to": "2026-09-30"}, headers=headers
    )
    assert listed.status_code == 200
    names = [(d["date"], d["name"], d["kind"]) for d in listed.json()]
    assert ("2026-09-09", "品牌日", "品牌日") in names
    assert ("2026-09-25", "中秋", "节日") in names
    (autumn,) = [d for d in listed.json() if d["name"] == "秋分"]
    assert autumn["moment"].startswith("2026-09-23T08:05") and autumn["moment"].endswith("+08:00")

    upcoming = store_client.get(
        "/v1/calendar/next", params={"name": "冬至", "after": "2026-12-07"}, headers=headers
    )
    assert upcoming.json()["date"] == "2026-12-22"

    changed = store_client.patch(
        f"/v1/calendar/brand-dates/{brand_date['id']}", json={"rule": "每月9日"}, headers=headers
    )
    assert changed.json()["rule"] == "每月9日"
    refused = store_client.patch(
        f"/v1/calendar/brand-dates/{brand_date['id']}", json={"rule": "每月40日"}, headers=headers
    )
    assert refused.status_code == 422 and "1-31" in refused.json()["reason"]
    too_long = store_client.get(
        "/v1/calendar", params={"from": "2020-01-01", "to": "2026-01-01"}, headers=headers
    )
    assert too_long.status_code == 422
    backwards = store_client.get(
        "/v1/calendar", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=headers
    )
    assert backwards.status_code == 422 and "早于" in backwards.json()["reason"]
    assert (
        store_client.delete(f"/v1/calendar/brand-dates/{brand_date['id']}", headers=headers)
    ).status_code == 204
    assert store_client.get("/v1/calendar/brand-dates", headers=headers).json() == []
    analyst = api_key(store_runtime, "analyst")
    assert (
        store_client.post(
            "/v1/calendar/brand-dates", json={"name": "x", "rule": "每月1日"}, headers=analyst
        ).status_code
        == 403
    )


def test_liveloop_calendar_prints_the_year(cli):
    result = cli("calendar", "2026", "--kind", "节气")
    assert result.exit_code == 0, result.output
    assert "2026-12-22" in result.output and "冬至" in result.output and "04:50:14" in result.output
    assert "中秋" not in result.output
    assert cli("calendar", "3000").exit_code == 2
