"""Funnels: the live-room steps per session and overall, and where shoppers are lost."""

import json
import math
from datetime import datetime

from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.funnels import JOB

from .tiny_snapshot import TinyShop, report

AS_OF = RunContext(as_of=datetime(2026, 5, 1))


def within_sampling_error(observed: float, planted: float, trials: int) -> bool:
    """Three binomial standard errors: a false alarm about once in 370 runs per check."""
    return abs(observed - planted) < 3 * math.sqrt(planted * (1 - planted) / trials)


def test_the_planted_payment_drop_is_the_overall_break_point(duck, context_small, sim_small):
    planted = json.loads((sim_small / "truth.json").read_text())["live_funnel"]
    output = JOB.run(duck, context_small)
    overall, *sessions = report(duck, output.reports["funnels"])

    assert overall["live_session_id"] is None and overall["title"] == "全部"
    assert overall["break_step"] == "payment"
    # ~57 checkouts in the 2,000-person simulation: three standard errors are about ±18 points.
    # (The planted rate is per checkout; the 2% of live orders later refunded do not count,
    # a shift of under one point.)
    assert within_sampling_error(
        overall["break_loss"], 1 - planted["pay_given_checkout"], overall["checkout_starters"]
    )
    assert overall["break_point"] == f"{round(overall['break_loss'] * 100)}% 在支付环节流失"
    assert output.diagnostics["break_point"] == overall["break_point"]
    # the other planted steps come back too
    assert within_sampling_error(
        overall["cart_rate"], planted["cart_given_click"], overall["clickers"]
    )
    assert within_sampling_error(
        overall["checkout_rate"], planted["checkout_given_cart"], overall["cart_adders"]
    )
    # the overall row is the column sums of the session rows
    for column in ("viewers", "clickers", "cart_adders", "checkout_starters", "payers"):
        assert overall[column] == sum(row[column] for row in sessions)
    assert len(sessions) == duck.scalar("SELECT COUNT(*) FROM live_sessions")


def test_one_session_funnel_counts_distinct_customers_per_step(tmp_path):
    shop = TinyShop()
    shop.live(7, title="春茶专场")
    shop.live(8)
    steps = {
        "Live Joined": range(1, 11),
        "Live Product Clicked": range(1, 7),
        "Product Added": range(1, 5),
        "Checkout Started": range(1, 4),
    }
    for name, customers in steps.items():
        for customer in customers:
            shop.event(name, customer, live_session_id=7)
    shop.event("Live Product Clicked", 1, live_session_id=7)  # twice: still one clicker
    shop.event("Live Joined", None, live_session_id=7)  # anonymous: not a customer
    shop.event("Live Joined", 11, live_session_id=8)
    shop.order(1, live_session_id=7)
    shop.order(2, live_session_id=7, status="refunded")  # refunded: did not pay
    shop.order(3)  # bought, but not in the live
    with shop.open(tmp_path) as engine:
        overall, seven, eight = report(engine, JOB.run(engine, AS_OF).reports["funnels"])

    assert seven["title"] == "春茶专场"
    assert [seven[c] for c in ("viewers", "clickers", "cart_adders", "checkout_starters")] == [
        10,
        6,
        4,
        3,
    ]
    assert seven["payers"] == 1
    assert (seven["click_rate"], seven["pay_rate"], seven["conversion"]) == (0.6, 1 / 3, 0.1)
    assert seven["break_point"] == "67% 在支付环节流失"
    assert (eight["viewers"], eight["click_rate"], eight["break_point"]) == (1, 0.0, None)
    assert overall["viewers"] == 11 and overall["break_step"] == "payment"


def test_the_first_of_equal_losses_is_the_break_point(tmp_path):
    shop = TinyShop()
    shop.live(1)
    for customer in range(1, 5):
        shop.event("Live Joined", customer, live_session_id=1)
        shop.event("Live Product Clicked", customer, live_session_id=1)
    for customer in (1, 2):
        shop.event("Product Added", customer, live_session_id=1)
    shop.event("Checkout Started", 1, live_session_id=1)
    shop.order(1, live_session_id=1)
    with shop.open(tmp_path) as engine:
        _, session = report(engine, JOB.run(engine, AS_OF).reports["funnels"])
    assert (session["cart_rate"], session["checkout_rate"], session["pay_rate"]) == (0.5, 0.5, 1)
    assert session["break_point"] == "50% 在加购环节流失"


def test_an_empty_shop_reports_only_an_empty_overall_row(tmp_path):
    with TinyShop().open(tmp_path) as engine:
        output = JOB.run(engine, AS_OF)
        (overall,) = report(engine, output.reports["funnels"])
    assert overall["viewers"] == 0 and overall["payers"] == 0
    assert overall["click_rate"] is None and overall["conversion"] is None
    assert overall["break_point"] is None and output.diagnostics["break_point"] is None


def test_a_single_buyer_who_paid_at_every_step_breaks_nowhere(tmp_path):
    shop = TinyShop()
    shop.live(1)
    for name in ("Live Joined", "Live Product Clicked", "Product Added", "Checkout Started"):
        shop.event(name, 1, live_session_id=1)
    shop.order(1, live_session_id=1)
    with shop.open(tmp_path) as engine:
        _, session = report(engine, JOB.run(engine, AS_OF).reports["funnels"])
    assert session["conversion"] == 1.0
    assert session["break_step"] is None and session["break_loss"] is None
