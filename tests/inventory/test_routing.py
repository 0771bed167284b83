"""The routing core, on plain values: the nearest warehouse that can ship the whole order,
cold lines only from a cold zone, the cut-off, splits (fewest shipments, then distance), the
carrier by rules, the Chinese explanation — and, by property, a plan covers every line exactly."""

from __future__ import annotations

from datetime import UTC, datetime, time

from hypothesis import given, settings
from hypothesis import strategies as st

from liveloop.inventory.contracts import Zone
from liveloop.inventory.routing import Depot, Destination, RouteLine, route

A, C, F = Zone.AMBIENT, Zone.CHILLED, Zone.FROZEN
MORNING = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
EVENING = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
HANGZHOU = Destination(30.2741, 120.1551, "杭州西湖区")
SHENZHEN = Destination(22.5431, 114.0579, "深圳南山区")
TIANJIN = Destination(39.3434, 117.3616, "天津和平区")


def depots(sh=None, gz=None, bj=None) -> list[Depot]:
    return [
        Depot("SH", "华东仓", 31.2304, 121.4737, frozenset({A, C, F}), time(16), sh or {}),
        Depot("GZ", "华南仓", 23.1291, 113.2644, frozenset({A, C}), time(16), gz or {}),
        Depot("BJ", "华北仓", 39.9042, 116.4074, frozenset({A}), time(16), bj or {}),
    ]


def test_the_nearest_warehouse_holding_the_whole_order_ships_it():
    plan = route(
        [RouteLine("RICE", 2, A, "五常大米")],
        TIANJIN,
        depots(sh={"RICE": 9}, gz={"RICE": 9}, bj={"RICE": 9}),
        MORNING,
    )
    [shipment] = plan.shipments
    assert shipment.warehouse == "BJ" and not plan.split and plan.complete
    assert plan.explanation[0].startswith("华北仓距天津和平区")
    assert "能整单发货的最近仓库" in plan.explanation[0]
    assert any(line.startswith("未选华东仓:更远") for line in plan.explanation)


def test_a_chilled_order_goes_to_the_cold_chain_warehouse_that_holds_it_by_cold_carrier():
    plan = route(
        [RouteLine("MILK", 1, C, "鲜牛奶")],
        TIANJIN,
        depots(sh={"MILK": 5}, bj={"MILK": 50}),
        MORNING,
    )
    [shipment] = plan.shipments
    assert (shipment.warehouse, shipment.carrier) == ("SH", "顺丰冷运")
    assert "未选华北仓:华北仓没有冷藏区,不能发鲜牛奶" in plan.explanation
    assert any("冷藏商品须全程 2–8 °C 冷链" in line for line in plan.explanation)


def test_after_the_cut_off_the_warehouse_still_ships_the_next_day_and_says_so():
    plan = route([RouteLine("RICE", 1)], HANGZHOU, depots(sh={"RICE": 3}), EVENING)
    [shipment] = plan.shipments
    assert shipment.next_day and shipment.ships_on.isoformat() == "2026-12-09"
    assert "已过华东仓今日截单时间 16:00,12月09日发货" in plan.explanation
    early = route([RouteLine("RICE", 1)], HANGZHOU, depots(sh={"RICE": 3}), MORNING)
    assert not early.shipments[0].next_day


def test_no_single_warehouse_means_the_fewest_shipments_then_the_shortest():
    lines = [RouteLine("FROZEN-DUMPLING", 1, F, "速冻水饺"), RouteLine("RICE", 2, A, "籼米")]
    plan = route(
        lines,
        SHENZHEN,
        depots(sh={"FROZEN-DUMPLING": 5}, gz={"RICE": 5}, bj={"RICE": 5}),
        MORNING,
    )
    assert plan.split and plan.complete
    assert [(s.warehouse, s.lines[0].sku) for s in plan.shipments] == [
        ("GZ", "RICE"),
        ("SH", "FROZEN-DUMPLING"),
    ]
    assert {s.warehouse: s.carrier for s in plan.shipments} == {"GZ": "中通快递", "SH": "顺丰冷运"}
    assert any(line.startswith("拆成 2 个包裹") for line in plan.explanation)


def test_a_line_no_warehouse_holds_whole_is_split_by_units_and_the_rest_unserved():
    plan = route(
        [RouteLine("RICE", 10, A, "大米")],
        HANGZHOU,
        depots(sh={"RICE": 4}, bj={"RICE": 3}),
        MORNING,
    )
    assert [(s.warehouse, s.lines[0].quantity) for s in plan.shipments] == [("SH", 4), ("BJ", 3)]
    [missing] = plan.unserved
    assert missing.quantity == 3 and "所有仓库合计仅 7 件可发" in missing.why


def test_a_pickup_order_rides_the_community_batch_from_the_warehouse_serving_the_point():
    point = Destination(23.10, 113.30, "海珠区幸福里自提点", pickup_point="P001")
    plan = route([RouteLine("MILK", 2, C)], point, depots(sh={"MILK": 9}, gz={"MILK": 9}), MORNING)
    [shipment] = plan.shipments
    assert (shipment.warehouse, shipment.carrier) == ("GZ", "社区冷链车")
    assert plan.pickup_point == "P001" and "社区团购批次" in plan.explanation[0]


def test_the_nearby_ambient_order_goes_same_city():
    near = Destination(31.20, 121.50, "上海浦东")
    plan = route([RouteLine("RICE", 1)], near, depots(sh={"RICE": 1}), MORNING)
    assert plan.shipments[0].carrier == "顺丰同城"


SKUS = ["S1", "S2", "S3", "S4"]


@st.composite
def orders(draw):
    lines = [
        RouteLine(sku, draw(st.integers(1, 6)), draw(st.sampled_from([A, C, F])))
        for sku in draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=4, unique=True))
    ]
    stock = [{sku: draw(st.integers(0, 8)) for sku in SKUS} for _ in range(3)]
    to = Destination(draw(st.floats(18, 45)), draw(st.floats(100, 125)))
    return lines, depots(*stock), to


@settings(max_examples=300, deadline=None)
@given(orders())
def test_a_plan_covers_every_line_exactly_and_never_ships_what_a_warehouse_lacks(case):
    lines, found, to = case
    plan = route(lines, to, found, MORNING)
    by_code = {d.code: d for d in found}
    for n, line in enumerate(lines, start=1):
        shipped = sum(sl.quantity for s in plan.shipments for sl in s.lines if sl.line_no == n)
        missing = sum(u.quantity for u in plan.unserved if u.line_no == n)
        assert shipped + missing == line.quantity
    for shipment in plan.shipments:
        depot = by_code[shipment.warehouse]
        for sl in shipment.lines:
            assert sl.cold in depot.zones
        for sku in {sl.sku for sl in shipment.lines}:
            assert (
                sum(sl.quantity for sl in shipment.lines if sl.sku == sku) <= depot.available[sku]
            )
        assert shipment.carrier != "待人工指定"
    assert plan.explanation
    if any(all(_can(d, line) for line in lines) for d in found):
        assert len(plan.shipments) == 1  # one warehouse can: no split


def _can(depot: Depot, line: RouteLine) -> bool:
    return line.cold in depot.zones and depot.available.get(line.sku, 0) >= line.quantity
