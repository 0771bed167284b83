"""Leaders: each 团长's GMV, customers and repurchase from the snapshot; what they earned from
the commission ledger, as it stands when the run starts."""

import math
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.leaders import JOB
from liveloop.commission.contracts import LeaderTotals

from .tiny_snapshot import T0, TinyShop, report

AS_OF = RunContext(as_of=datetime(2026, 5, 1))


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
    for row in rows:
        assert "commission" not in row  # the ledger's, not a flat rate on GMV
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
    assert (seven["refunds"], seven["refunded_amount"], seven["pickups"]) == (1, 20, 2)
    assert seven["first_order_at"] == T0 and seven["last_order_at"] == T0 + timedelta(days=7)
    assert (eight["orders"], eight["customers"], eight["gmv"]) == (0, 0, 0)
    assert eight["repurchase_rate"] is None and eight["avg_order_value"] is None
    assert eight["first_order_at"] is None and eight["refunds"] == 1


def test_a_single_purchase_makes_no_repurchase(tmp_path):
    shop = TinyShop()
    shop.order(1, total=99.9, leader_id=3)
    with shop.open(tmp_path) as engine:
        (leader,) = report(engine, JOB.run(engine, AS_OF).reports["leaders"])
    assert (leader["repurchase_rate"], leader["avg_order_value"]) == (0.0, 99.9)


def test_what_leaders_earned_is_the_ledgers_to_the_fen(tmp_path):
    def totals(code: str, net: str, withdrawable: str) -> LeaderTotals:
        money = Decimal(net)
        return LeaderTotals(
            leader=code,
            name=f"团长{code}",
            orders=3,
            sales=Decimal("300.05"),
            earned=money + Decimal("1.00"),
            refunded=Decimal("-0.50"),
            clawed_back=Decimal("-0.50"),
            net=money,
            frozen=Decimal("0.00"),
            settled=money,
            withdrawn=money - Decimal(withdrawable),
            withdrawable=Decimal(withdrawable),
        )

    ledger = (totals("L0001", "30.01", "-0.50"), totals("L0002", "12.34", "12.34"))
    shop = TinyShop()
    shop.order(1, total=99.9, leader_id=3)
    with shop.open(tmp_path) as engine:
        output = JOB.run(engine, replace(AS_OF, leader_ledger=ledger))
        rows = report(engine, output.reports["leader_commission"])
    assert [(r["leader"], r["net"], r["withdrawable"]) for r in rows] == [
        ("L0001", Decimal("30.01"), Decimal("-0.50")),
        ("L0002", Decimal("12.34"), Decimal("12.34")),
    ]
    assert rows[0]["clawed_back"] == Decimal("-0.50") and rows[0]["sales"] == Decimal("300.05")
    assert output.diagnostics["commission"] == 42.35


def test_an_empty_shop_has_no_leaders(tmp_path):
    with TinyShop().open(tmp_path) as engine:
        output = JOB.run(engine, AS_OF)
        assert report(engine, output.reports["leaders"]) == []
    assert output.diagnostics == {"rows": 0, "gmv": 0, "commission": 0}
    assert "leader_commission" not in output.reports  # an empty ledger reports nothing
