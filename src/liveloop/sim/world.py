"""The brand's fixed world, shared by every person: live sessions, leaders (团长) with pickup
points, WeCom groups, warehouses. Small (thousands of rows at a million customers) and built
once from the seed before people are generated."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from liveloop.sim.catalog import BY_SKU, CATALOG, IMPULSE, STAPLES
from liveloop.sim.config import SHANGHAI, SimConfig
from liveloop.sim.geo import CITIES, GIVEN_FEMALE, GIVEN_MALE, SURNAMES, City


@dataclass(frozen=True)
class Live:
    session_id: int
    room: str
    title: str
    host: str
    starts_at: datetime
    duration_min: int
    drop_minute: int  # the planted mid-show drop: many viewers leave here
    featured: tuple[str, ...]
    live_prices: tuple[Decimal, ...]
    platform: str  # "wechat_channels" | "douyin"


@dataclass(frozen=True)
class Leader:
    leader_id: int
    name: str
    city: City
    pickup_id: int
    pickup_name: str
    lat: float
    lon: float
    parent_id: int | None  # who recruited them (two levels at most)
    joined_on: date


@dataclass(frozen=True)
class Group:
    group_id: int
    name: str
    kind: str  # "leader" | "interest" | "brand"
    leader_id: int | None
    audience: str | None  # for interest groups: which households join


@dataclass(frozen=True)
class Warehouse:
    warehouse_id: int
    name: str
    city: City
    cold_chain: bool


@dataclass(frozen=True)
class World:
    lives: tuple[Live, ...]
    leaders: tuple[Leader, ...]
    groups: tuple[Group, ...]
    warehouses: tuple[Warehouse, ...]
    stock: tuple[tuple[int, str, int], ...]  # (warehouse, sku, units)
    _by_city: dict[str, tuple[Leader, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_city: dict[str, list[Leader]] = {}
        for leader in self.leaders:
            by_city.setdefault(leader.city.city, []).append(leader)
        object.__setattr__(self, "_by_city", {k: tuple(v) for k, v in by_city.items()})

    def leaders_in(self, city: City) -> tuple[Leader, ...]:
        return self._by_city.get(city.city, ())


HOSTS = ("小禾", "阿鲜", "米粒姐")
SPECIALS = (
    ((1, 15), "年货节专场", 150),
    ((3, 8), "女神节健康专场", 100),
    ((6, 18), "618囤货节", 180),
    ((9, 20), "中秋团圆专场", 120),
    ((11, 11), "双11狂欢夜", 210),
    ((12, 12), "双12年终回馈", 150),
)
MONTHLY = (("婴幼儿营养专场", "infant"), ("古法酿醋全过程", "cook"), ("农场直击日", "all"))


def build_world(config: SimConfig) -> World:
    rng = random.Random(config.seed)
    return World(
        lives=_lives(config, rng),
        leaders=(leaders := _leaders(config, rng)),
        groups=_groups(leaders),
        warehouses=(warehouses := _warehouses()),
        stock=tuple(
            (w.warehouse_id, s.sku, rng.randint(200, 5000))
            for w in warehouses
            for s in CATALOG
            if w.cold_chain or not s.cold_chain
        ),
    )


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC)


def _lives(config: SimConfig, rng: random.Random) -> tuple[Live, ...]:
    # One show per start time; a special night replaces the weekly course it falls on.
    shows: dict[datetime, tuple[datetime, str, int, str]] = {}
    day = config.start
    while day < config.end:
        if day.weekday() == 2:  # every Wednesday 20:00 — 主食健康课
            shows[_at(day, 20)] = (_at(day, 20), "主食健康课", 90, "all")
        if day.weekday() == 5 and day.day <= 7:  # first Saturday: a themed monthly show
            title, audience = MONTHLY[day.month % len(MONTHLY)]
            shows[_at(day, 19)] = (_at(day, 19), title, 75, audience)
        for (month, dom), title, minutes in SPECIALS:
            if (day.month, day.day) == (month, dom):
                shows[_at(day, 20)] = (_at(day, 20), title, minutes, "all")
        day += timedelta(days=1)
    lives = []
    sellable = [s for s in STAPLES + IMPULSE]
    for n, (starts_at, title, minutes, audience) in enumerate(sorted(shows.values()), start=1):
        pool = [s for s in sellable if audience in ("all", s.audience)] or sellable
        featured = rng.sample(pool, k=min(len(pool), rng.randint(3, 6)))
        lives.append(
            Live(
                session_id=n,
                room="main",
                title=title,
                host=rng.choice(HOSTS),
                starts_at=starts_at,
                duration_min=minutes,
                drop_minute=int(minutes * rng.uniform(0.45, 0.6)),
                featured=tuple(s.sku for s in featured),
                live_prices=tuple(
                    (BY_SKU[s.sku].price * Decimal(rng.choice(["0.80", "0.85", "0.90"]))).quantize(
                        Decimal("0.01")
                    )
                    for s in featured
                ),
                platform="douyin" if n % 4 == 0 else "wechat_channels",
            )
        )
    return tuple(lives)


COMMUNITIES = (
    "阳光花园",
    "翠湖苑",
    "锦绣华庭",
    "金色家园",
    "碧桂园",
    "万科城",
    "幸福里",
    "和谐小区",
)


def _leaders(config: SimConfig, rng: random.Random) -> tuple[Leader, ...]:
    count = max(3, config.customers // config.customers_per_leader)
    weights = [c.weight for c in CITIES]
    leaders: list[Leader] = []
    span = (config.end - config.start).days
    for n in range(1, count + 1):
        city = rng.choices(CITIES, weights)[0]
        same_city = [
            leader for leader in leaders if leader.city == city and leader.parent_id is None
        ]
        parent = rng.choice(same_city).leader_id if same_city and rng.random() < 0.3 else None
        surname = rng.choice(SURNAMES)
        community = rng.choice(COMMUNITIES)
        leaders.append(
            Leader(
                leader_id=n,
                name=surname + rng.choice(GIVEN_FEMALE + GIVEN_MALE),
                city=city,
                pickup_id=n,
                pickup_name=f"{city.city[:-1]}{community}{n}号自提点",
                lat=round(city.lat + rng.uniform(-0.08, 0.08), 6),
                lon=round(city.lon + rng.uniform(-0.08, 0.08), 6),
                parent_id=parent,
                joined_on=config.start + timedelta(days=rng.randint(0, max(0, span // 2))),
            )
        )
    return tuple(leaders)


INTEREST_GROUPS = (
    ("烘焙爱好者交流群", "baker"),
    ("宝宝辅食妈妈群", "infant"),
    ("控糖健康饮食群", "health"),
    ("健身轻食派", "fitness"),
    ("嗜辣联盟", "all"),
)


def _groups(leaders: tuple[Leader, ...]) -> tuple[Group, ...]:
    groups = [
        Group(n, f"{leader.pickup_name}团购群", "leader", leader.leader_id, None)
        for n, leader in enumerate(leaders, start=1)
    ]
    offset = len(groups)
    groups += [
        Group(offset + i, name, "interest", None, audience)
        for i, (name, audience) in enumerate(INTEREST_GROUPS, start=1)
    ]
    groups.append(
        Group(offset + len(INTEREST_GROUPS) + 1, "禾谷鲜生会员福利群", "brand", None, None)
    )
    return tuple(groups)


def _warehouses() -> tuple[Warehouse, ...]:
    by_name = {c.city: c for c in CITIES}
    return (
        Warehouse(1, "华南仓(广州)", by_name["广州市"], True),
        Warehouse(2, "华东仓(杭州)", by_name["杭州市"], True),
        Warehouse(3, "华北仓(北京)", by_name["北京市"], True),
        Warehouse(4, "西南仓(成都)", by_name["成都市"], False),
        Warehouse(5, "东北仓(沈阳)", by_name["沈阳市"], False),
    )
