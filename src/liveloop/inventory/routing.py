"""The routing core: which warehouse ships an order, in how many shipments, by which carrier,
and why — pure functions over plain values, no store, no clock (``now`` is given).

Rules, in order:
1. A warehouse can serve a line when it is active, has the zone the line's cold class needs
   (chilled lines a 冷藏 zone, frozen a 冷冻 zone, ambient a 常温 zone) and holds its units.
2. The nearest warehouse (great-circle distance to the address or pickup point) that can serve
   every line ships the whole order. Past its cut-off it still ships it, the next day (said).
3. Else the order is split: the fewest shipments, then the least total distance; each line goes
   whole to the nearest warehouse of the chosen set that holds it. A line no warehouse holds
   whole is split by units across the nearest that hold some; what nobody holds is unserved.
4. Each shipment's carrier is the first rule that fits its coldest line and its destination
   (rules are data: ``DEFAULT_CARRIERS``).

Invariant (tested by property): a plan covers every line exactly — for each line, the units
of its shipments plus its unserved units are the units asked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from liveloop.inventory.contracts import ZONE_CN, Zone

EARTH_KM = 6371.0088
COLDNESS = {Zone.AMBIENT: 0, Zone.CHILLED: 1, Zone.FROZEN: 2}
EXACT_SPLIT_UP_TO = 12  # warehouses: above, the split is chosen greedily


@dataclass(frozen=True)
class RouteLine:
    sku: str
    quantity: int
    cold: Zone = Zone.AMBIENT
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.sku


@dataclass(frozen=True)
class Destination:
    lat: float
    lon: float
    label: str = "收货地址"
    pickup_point: str | None = None  # a community pickup point: the order joins its T+1 batch


@dataclass(frozen=True)
class Depot:
    """A warehouse as the router sees it: where, its zones, its cut-off (local time) and the
    units it can sell per SKU."""

    code: str
    name: str
    lat: float
    lon: float
    zones: frozenset[Zone]
    cutoff: time
    available: Mapping[str, int]
    active: bool = True


@dataclass(frozen=True)
class CarrierRule:
    """Use ``carrier`` for a shipment whose coldest line is in ``zones``, to a pickup point when
    ``pickup`` is True (False: to an address, None: either), within ``max_km`` when set."""

    carrier: str
    zones: frozenset[Zone]
    pickup: bool | None = None
    max_km: float | None = None
    why: str = ""


DEFAULT_CARRIERS: tuple[CarrierRule, ...] = (
    CarrierRule(
        "社区冷链车",
        frozenset({Zone.CHILLED, Zone.FROZEN}),
        pickup=True,
        why="冷链商品随社区团购批次由冷藏车送到自提点",
    ),
    CarrierRule(
        "社区团购配送",
        frozenset({Zone.AMBIENT}),
        pickup=True,
        why="随社区团购 T+1 批次送到自提点",
    ),
    CarrierRule("顺丰冷运", frozenset({Zone.FROZEN}), why="冷冻商品须全程 ≤ −18 °C 冷链"),
    CarrierRule("顺丰冷运", frozenset({Zone.CHILLED}), why="冷藏商品须全程 2–8 °C 冷链"),
    CarrierRule("顺丰同城", frozenset({Zone.AMBIENT}), max_km=50, why="50 公里内同城配送"),
    CarrierRule("中通快递", frozenset({Zone.AMBIENT}), why="常温商品走标准快递"),
)


@dataclass(frozen=True)
class ShipmentLine:
    line_no: int  # 1-based, the order's line
    sku: str
    quantity: int
    cold: Zone


@dataclass(frozen=True)
class Shipment:
    warehouse: str
    warehouse_name: str
    distance_km: float
    lines: tuple[ShipmentLine, ...]
    carrier: str
    ships_on: date
    next_day: bool  # ordered after the warehouse's cut-off


@dataclass(frozen=True)
class Unserved:
    line_no: int
    sku: str
    quantity: int
    why: str


@dataclass(frozen=True)
class RoutePlan:
    shipments: tuple[Shipment, ...]
    unserved: tuple[Unserved, ...]
    explanation: tuple[str, ...]
    split: bool = False
    pickup_point: str | None = None

    @property
    def complete(self) -> bool:
        return not self.unserved


@dataclass
class Router:
    """The depots and carrier rules, prepared once (coordinates in radians); ``route`` is the
    decision. Stock changes between decisions: pass fresh ``available`` per call through
    ``depots`` or keep a Router per snapshot."""

    depots: Sequence[Depot]
    carriers: Sequence[CarrierRule] = DEFAULT_CARRIERS
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def __post_init__(self) -> None:
        # Each depot's latitude as sine and cosine, its longitude in radians: a decision then
        # costs one cosine and one arc-cosine per depot (the spherical law of cosines, which is
        # the haversine's great-circle distance; clamped against rounding).
        self._rad = [
            (math.sin(math.radians(d.lat)), math.cos(math.radians(d.lat)), math.radians(d.lon))
            for d in self.depots
        ]

    def distances(self, to: Destination) -> list[float]:
        lat2 = math.radians(to.lat)
        sin2, cos2, lon2 = math.sin(lat2), math.cos(lat2), math.radians(to.lon)
        cos, acos = math.cos, math.acos
        return [
            EARTH_KM * acos(max(-1.0, min(1.0, sin1 * sin2 + cos1 * cos2 * cos(lon2 - lon1))))
            for sin1, cos1, lon1 in self._rad
        ]

    def route(self, lines: Sequence[RouteLine], to: Destination, now: datetime) -> RoutePlan:
        return _route(self, lines, to, now, self.distances(to))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def route(
    lines: Sequence[RouteLine],
    to: Destination,
    depots: Sequence[Depot],
    now: datetime,
    *,
    carriers: Sequence[CarrierRule] = DEFAULT_CARRIERS,
    tz: ZoneInfo | None = None,
) -> RoutePlan:
    """One decision (see the module doc)."""
    router = Router(depots, carriers, tz or ZoneInfo("Asia/Shanghai"))
    return router.route(lines, to, now)


def _can(depot: Depot, line: RouteLine, wanted: int) -> bool:
    return depot.active and line.cold in depot.zones and depot.available.get(line.sku, 0) >= wanted


def _why_not(depot: Depot, line: RouteLine, wanted: int) -> str:
    """Why ``depot`` cannot ship ``wanted`` units of ``line`` (it cannot: ``_can`` said so)."""
    if not depot.active:
        return f"{depot.name}已停用"
    if line.cold not in depot.zones:
        return f"{depot.name}没有{ZONE_CN[line.cold]}区,不能发{line.label}"
    have = depot.available.get(line.sku, 0)
    return f"{depot.name}{line.label}库存不足(仅 {have} 件,需 {wanted} 件)"


def _first_reason(
    depot: Depot, lines: Sequence[RouteLine], can: list[bool], wanted: dict[str, int]
) -> str | None:
    """The first reason ``depot`` cannot ship the whole order, from its row of ``serves``
    (None: it can)."""
    n = next((n for n, ok in enumerate(can) if not ok), None)
    return None if n is None else _why_not(depot, lines[n], wanted[lines[n].sku])


def _route(
    router: Router,
    lines: Sequence[RouteLine],
    to: Destination,
    now: datetime,
    km: list[float],
) -> RoutePlan:
    depots = router.depots
    order = sorted(range(len(depots)), key=lambda i: (km[i], depots[i].code))
    # Units per SKU the order wants: two lines of one SKU draw on the same stock.
    wanted: dict[str, int] = {}
    for line in lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    serves = [
        [_can(depots[i], line, wanted[line.sku]) for line in lines] for i in range(len(depots))
    ]
    explain: list[str] = []
    if to.pickup_point:
        explain.append(f"自提订单:随自提点 {to.label} 的社区团购批次配送,由服务该点的仓库发出")
    best = next((i for i in order if all(serves[i])), None)
    if best is not None:
        explain.append(
            f"{depots[best].name}距{to.label} {km[best]:.0f} 公里,是能整单发货的最近仓库"
        )
        for i in order:
            if i != best:
                why = (
                    _first_reason(depots[i], lines, serves[i], wanted) or f"更远({km[i]:.0f} 公里)"
                )
                explain.append(f"未选{depots[i].name}:{why}")
        assignment = {best: [(n, line, line.quantity) for n, line in enumerate(lines, 1)]}
        return _plan(router, assignment, [], to, now, km, explain, split=False)
    for i in order:
        explain.append(
            f"{depots[i].name}不能整单发货:{_first_reason(depots[i], lines, serves[i], wanted)}"
        )
    assignment, unserved = _split(depots, lines, order, serves, km, wanted)
    explain.append(
        f"拆成 {len(assignment)} 个包裹(没有一个仓库能整单发货;取包裹最少、总距离最短的组合)"
    )
    return _plan(router, assignment, unserved, to, now, km, explain, split=True)


def _split(
    depots: Sequence[Depot],
    lines: Sequence[RouteLine],
    order: list[int],
    serves: list[list[bool]],
    km: list[float],
    wanted: dict[str, int],
) -> tuple[dict[int, list[tuple[int, RouteLine, int]]], list[Unserved]]:
    # Lines some warehouse can ship whole are covered by the fewest warehouses, then the least
    # distance; the rest are split by units over the nearest warehouses that hold some.
    coverable = [n for n in range(len(lines)) if any(serves[i][n] for i in order)]
    chosen: tuple[int, ...] = ()
    useful = [i for i in order if any(serves[i][n] for n in coverable)]
    if coverable:
        # Lines as bits: a set of warehouses covers the order when its masks OR to ``full``.
        mask = {i: sum(1 << b for b, n in enumerate(coverable) if serves[i][n]) for i in useful}
        full = (1 << len(coverable)) - 1
        nearest = [[i for i in useful if serves[i][n]] for n in coverable]  # by distance
        if len(useful) <= EXACT_SPLIT_UP_TO:
            for size in range(1, len(useful) + 1):
                best: tuple[float, tuple[int, ...]] | None = None
                for subset in combinations(useful, size):
                    covered = 0
                    for i in subset:
                        covered |= mask[i]
                    if covered != full:
                        continue
                    members = set(subset)
                    used = {next(i for i in near if i in members) for near in nearest}
                    if len(used) < size:
                        continue  # a smaller set covers it: found at a smaller size
                    cost = sum(km[i] for i in used)
                    if best is None or cost < best[0]:
                        best = (cost, subset)
                if best is not None:
                    chosen = best[1]
                    break
        else:  # greedy set cover: the warehouse covering most lines left, nearest first
            left = set(coverable)
            picked: list[int] = []
            while left:
                i = max(useful, key=lambda i: (sum(serves[i][n] for n in left), -km[i]))
                picked.append(i)
                left -= {n for n in left if serves[i][n]}
            chosen = tuple(picked)
    assignment: dict[int, list[tuple[int, RouteLine, int]]] = {}
    for n in coverable:
        i = min((i for i in chosen if serves[i][n]), key=lambda i: km[i])
        assignment.setdefault(i, []).append((n + 1, lines[n], lines[n].quantity))
    unserved: list[Unserved] = []
    taken: dict[tuple[int, str], int] = {}
    for i, parts in assignment.items():
        for _, line, units in parts:
            taken[(i, line.sku)] = taken.get((i, line.sku), 0) + units
    for n, line in enumerate(lines):
        if n in coverable:
            continue
        need = line.quantity
        for i in order:
            d = depots[i]
            if not d.active or line.cold not in d.zones:
                continue
            free = d.available.get(line.sku, 0) - taken.get((i, line.sku), 0)
            units = min(need, free)
            if units > 0:
                taken[(i, line.sku)] = taken.get((i, line.sku), 0) + units
                assignment.setdefault(i, []).append((n + 1, line, units))
                need -= units
            if need == 0:
                break
        if need:
            held = line.quantity - need
            unserved.append(
                Unserved(
                    n + 1,
                    line.sku,
                    need,
                    f"库存不足:{line.label} 所有仓库合计仅 {held} 件可发",
                )
            )
    return assignment, unserved


def _plan(
    router: Router,
    assignment: dict[int, list[tuple[int, RouteLine, int]]],
    unserved: list[Unserved],
    to: Destination,
    now: datetime,
    km: list[float],
    explain: list[str],
    *,
    split: bool,
) -> RoutePlan:
    local = now.astimezone(router.tz)
    shipments = []
    for i in sorted(assignment, key=lambda i: km[i]):
        depot = router.depots[i]
        parts = assignment[i]
        coldest = max((line.cold for _, line, _ in parts), key=COLDNESS.__getitem__)
        carrier = _carrier(router.carriers, coldest, to, km[i])
        late = local.time() >= depot.cutoff
        ships_on = local.date() + timedelta(days=1 if late else 0)
        if split:
            names = "、".join(f"{line.label}×{units}" for _, line, units in parts)
            explain.append(f"{depot.name}({km[i]:.0f} 公里)发 {names}")
        if late:
            explain.append(
                f"已过{depot.name}今日截单时间 {depot.cutoff:%H:%M},{ships_on:%m月%d日}发货"
            )
        explain.append(f"{depot.name}的包裹走{carrier[0]}:{carrier[1]}")
        shipments.append(
            Shipment(
                depot.code,
                depot.name,
                round(km[i], 1),
                tuple(ShipmentLine(n, line.sku, units, line.cold) for n, line, units in parts),
                carrier[0],
                ships_on,
                late,
            )
        )
    for miss in unserved:
        explain.append(f"第 {miss.line_no} 行未能安排 {miss.quantity} 件:{miss.why}")
    return RoutePlan(tuple(shipments), tuple(unserved), tuple(explain), split, to.pickup_point)


def _carrier(
    rules: Sequence[CarrierRule], coldest: Zone, to: Destination, km: float
) -> tuple[str, str]:
    pickup = to.pickup_point is not None
    for rule in rules:
        if coldest not in rule.zones:
            continue
        if rule.pickup is not None and rule.pickup != pickup:
            continue
        if rule.max_km is not None and km > rule.max_km:
            continue
        return rule.carrier, rule.why or "按承运规则"
    return "待人工指定", f"没有适用于{ZONE_CN[coldest]}商品的承运规则"
