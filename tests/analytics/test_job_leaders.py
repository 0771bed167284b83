"""Leaders: each 团长's GMV, customers, repurchase and commission."""

import math
from datetime import datetime, timedelta
from decimal import Decimal

from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.leaders import JOB

from .tiny_snapshot import T0, TinyShop, report

AS_OF = RunContext(as_of=datetime(2026, 5, 1), leader_commission_rate=Decimal("0.1"))


def test_every_group_buy_order_is_credited_to_its_leader(duck, context_small):
    output = JOB.run(duck, context_small)
    rows = report(duck, output.reports["leaders"])
    gmv, orders, leaders = duck.rows(
        "SELECT SUM(total), COUNT(*), COUNT(DISTINCT leader_id) FROM orders "
        "WHERE counted AND leader_id IS NOT NULL"
    )[0]
    assert len(rows) == leaders > 0
    assert sum(r["orders"] for r in rows) == orders
    assert math.isclose(sum(r["gmv"] for r in rows), gmv, abs_tol=0.01)
    assert [r["gmv"] for r in rows] == sorted((r["gmv"] for r in rows), reverse=True)
    rate = context_small.leader_commission_rate
    for row in rows:
        assert abs(row["commission"] - row["gmv"] * rate) <= Decimal("0.005")
        assert 0 <= row["repeat_customers"] <= row["customers"]
        assert row["first_order_at"] <= row["last_order_at"]
    assert output.diagnostics["rows"] == len(rows)


def test_a_leaders_repurchase_counts_customers_who_came_back_through_them(tmp_path):
    shop = TinyShop()
    shop.order(1, T0, total=100.0, leader_id=7, pickup_id=70)
    shop.order(1, T0 + timedelta(days=7), total=50.05, leader_id=7, pickup_id=70)
    shop.order(2, T0, total=30.0, leader_id=7, pickup_id=71)
    shop.order(2, T0 + timedelta(days=1), total=30.0)  # not through the leader
    shop.order(3, T0, total=20.0, leader_id=7, pickup_id=70, status="refunded")
    shop.order(4, T0, total=10.0, leader_id=8, status="refunded")  # only a refund
    with shop.open(tmp_path) as engine:
        seven, eight = report(engine, JOB.run(engine, AS_OF).reports["leaders"])

    assert (seven["orders"], seven["customers"], seven["repeat_customers"]) == (3, 2, 1)
    assert seven["repurchase_rate"] == 0.5
    assert seven["gmv"] == Decimal("180.05")
    assert seven["commission"] == Decimal("18.01")  # 18.005 rounds half up, to the fen
    assert (seven["refunds"], seven["refunded_amount"], seven["pickups"]) == (1, 20, 2)
    assert seven["first_order_at"] == T0 and seven["last_order_at"] == T0 + timedelta(days=7)
    assert (eight["orders"], eight["customers"], eight["gmv"], eight["commission"]) == (0, 0, 0, 0)
    assert eight["repurchase_rate"] is None and eight["avg_order_value"] is None
    assert eight["first_order_at"] is None and eight["refunds"] == 1


def test_a_single_purchase_earns_commission_but_no_repurchase(tmp_path):
    shop = TinyShop()
    shop.order(1, total=99.9, leader_id=3)
    with shop.open(tmp_path) as engine:
        (leader,) = report(engine, JOB.run(engine, AS_OF).reports["leaders"])
    assert (leader["repurchase_rate"], leader["commission"], leader["avg_order_value"]) == (
        0.0,
        Decimal("9.99"),
        99.9,
    )


def test_an_empty_shop_has_no_leaders(tmp_path):
    with TinyShop().open(tmp_path) as engine:
        output = JOB.run(engine, AS_OF)
        assert report(engine, output.reports["leaders"]) == []
    assert output.diagnostics == {"rows": 0, "gmv": 0, "commission": 0}
