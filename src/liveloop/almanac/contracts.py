"""What the calendar publishes: the kinds of calendar day and the names it knows by itself."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class DayKind(StrEnum):
    """What a calendar day is; the values are the words the console shows."""

    SOLAR_TERM = "节气"
    FESTIVAL = "节日"
    COMMERCE = "电商节"
    BRAND = "品牌日"


# The 24 节气 in the order they fall in a Gregorian year (小寒 in early January … 冬至 in
# late December); each is the moment the Sun's apparent longitude reaches a multiple of 15°.
SOLAR_TERMS: Final = (
    "小寒",
    "大寒",
    "立春",
    "雨水",
    "惊蛰",
    "春分",
    "清明",
    "谷雨",
    "立夏",
    "小满",
    "芒种",
    "夏至",
    "小暑",
    "大暑",
    "立秋",
    "处暑",
    "白露",
    "秋分",
    "寒露",
    "霜降",
    "立冬",
    "小雪",
    "大雪",
    "冬至",
)

# Festivals of the Chinese (lunar) calendar: name → (lunar month, day); 除夕 is the last day
# of the twelfth month (the 29th or the 30th), so it has no fixed day here.
LUNAR_FESTIVALS: Final = {
    "春节": (1, 1),
    "元宵": (1, 15),
    "端午": (5, 5),
    "七夕": (7, 7),
    "中秋": (8, 15),
    "重阳": (9, 9),
    "腊八": (12, 8),
    "小年": (12, 23),  # 北方小年 (腊月廿三); the south keeps 廿四 — a brand date can say so
}
NEW_YEARS_EVE: Final = "除夕"

# Festivals and commerce days on a fixed Gregorian date: name → (month, day, kind).
FIXED_DAYS: Final = {
    "元旦": (1, 1, DayKind.FESTIVAL),
    "劳动节": (5, 1, DayKind.FESTIVAL),
    "国庆": (10, 1, DayKind.FESTIVAL),
    "618": (6, 18, DayKind.COMMERCE),
    "双11": (11, 11, DayKind.COMMERCE),
    "双12": (12, 12, DayKind.COMMERCE),
}

# The names that are always on the calendar (brand dates come on top, from the store).
BUILT_IN_NAMES: Final = frozenset({*SOLAR_TERMS, *LUNAR_FESTIVALS, NEW_YEARS_EVE, *FIXED_DAYS})

# The years the calendar computes: the range its library's tables are checked over.
MIN_YEAR: Final = 1901
MAX_YEAR: Final = 2199
