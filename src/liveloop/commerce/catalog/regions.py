"""China's provincial-level divisions by their full names, how a short or sloppy name is read
(广东 → 广东省, 内蒙古 → 内蒙古自治区), and the two rice pools every brand starts with: South
China eats 籼米 (indica), the north 粳米 (japonica)."""

from __future__ import annotations

PROVINCES: tuple[str, ...] = (
    "北京市", "天津市", "上海市", "重庆市",
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省",
    "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)  # fmt: skip

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


_BY_SHORT = {_short(p): p for p in PROVINCES} | {p: p for p in PROVINCES}


def province(name: str) -> str | None:
    """The full name of the province ``name`` means (广东, 广东省 → 广东省), or None."""
    name = name.strip()
    return _BY_SHORT.get(name) or _BY_SHORT.get(_short(name))


SOUTH: tuple[str, ...] = (
    "上海市", "重庆市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "湖北省",
    "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "台湾省",
    "广西壮族自治区", "西藏自治区", "香港特别行政区", "澳门特别行政区",
)  # fmt: skip
NORTH: tuple[str, ...] = tuple(p for p in PROVINCES if p not in SOUTH)

# The pools a new store starts with (migration 0024 writes a frozen copy).
DEFAULT_POOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "south": ("南方籼米区", SOUTH),
    "north": ("北方粳米区", NORTH),
}
