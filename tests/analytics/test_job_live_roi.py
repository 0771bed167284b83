"""Live ROI: each session's sales, new customers, coupons, refunds, audience and return on cost."""

import json
import math
from datetime import datetime, timedelta

from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.live_roi import JOB

from .tiny_snapshot import T0, TinyShop, report

AS_OF = RunContext(as_of=datetime(2026, 5, 1))


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_session_sales_add_up_to_the_live_orders(duck, context_small):
    output = JOB.run(duck, context_small)
    rows = report(duck, output.reports["live_roi"])
    gmv, orders = duck.rows(
        "SELECT SUM(total), COUNT(*) FROM orders WHERE counted AND live_session_id IS NOT NULL"
    )[0]
    assert len(rows) == duck.scalar("SELECT COUNT(*) FROM live_sessions")
    assert math.isclose(sum(r["gmv"] for r in rows), gmv, abs_tol=0.01)
    assert sum(r["orders"] for r in rows) == orders > 0
    assert output.diagnostics == {"rows": len(rows), "sessions_with_cost": 0, "gmv": round(gmv, 2)}
    json.dumps(output.diagnostics)
    assert all(r["new_customers"] <= r["buyers"] <= r["orders"] for r in rows)
    assert all(0 < r["peak_viewers"] <= r["viewers"] for r in rows if r["viewers"])
    # the simulator records no session costs: no ROI rather than an infinite one
    assert all(r["cost"] == 0 and r["roi"] is None for r in rows)


def test_one_session_sales_coupons_refunds_and_return(tmp_path):
    shop = TinyShop()
    shop.live(1, title="春茶专场", cost=100.0)
    shop.live(2)
    shop.order(1, total=90.0, discount=10.0, coupon_code="NEW10", live_session_id=1)
    shop.order(2, T0 - timedelta(days=30), total=40.0)  # customer 2 bought before
    shop.order(2, total=110.0, live_session_id=1)
    shop.order(2, minutes(5), total=50.0, live_session_id=1)
    shop.order(3, total=30.0, live_session_id=1, status="refunded")
    shop.order(4, total=20.0, live_session_id=9)  # a session the schedule lacks
    shop.event("Live Joined", 1, minutes(0), live_session_id=1)
    shop.event("Live Joined", None, minutes(1), live_session_id=1)  # anonymous
    shop.event("Live Left", 1, minutes(2), live_session_id=1, watch_seconds=120)
    shop.event("Live Joined", 2, minutes(3), live_session_id=1)
    with shop.open(tmp_path) as engine:
        one, two, nine = report(engine, JOB.run(engine, AS_OF).reports["live_roi"])

    assert one["title"] == "春茶专场"
    assert (one["orders"], one["buyers"], one["new_customers"]) == (3, 2, 1)
    assert (one["gmv"], one["coupon_cost"], one["cost"]) == (250.0, 10.0, 100.0)
    assert (one["refunds"], one["refunded_amount"]) == (1, 30.0)
    assert one["roi"] == 1.5
    assert (one["viewers"], one["peak_viewers"], one["avg_watch_minutes"]) == (2, 2, 2.0)
    assert (two["orders"], two["gmv"], two["roi"], two["avg_watch_minutes"]) == (0, 0.0, None, None)
    assert (nine["live_session_id"], nine["title"], nine["gmv"]) == (9, None, 20.0)


def test_an_empty_shop_has_no_sessions(tmp_path):
    with TinyShop().open(tmp_path) as engine:
        output = JOB.run(engine, AS_OF)
        assert report(engine, output.reports["live_roi"]) == []
    assert output.diagnostics == {"rows": 0, "sessions_with_cost": 0, "gmv": 0.0}


def test_a_single_purchase_that_lost_money(tmp_path):
    shop = TinyShop()
    shop.live(1, cost=200.0)
    shop.order(1, total=50.0, live_session_id=1)
    with shop.open(tmp_path) as engine:
        (session,) = report(engine, JOB.run(engine, AS_OF).reports["live_roi"])
    assert (session["new_customers"], session["roi"]) == (1, -0.75)
    assert session["viewers"] == 0 and session["peak_viewers"] == 0
