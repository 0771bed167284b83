"""Cohorts: acquisition month, retention, repurchase and LTV by months since first purchase."""

import math
from datetime import datetime

from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.cohorts import JOB

from .tiny_snapshot import TinyShop, report

AS_OF = RunContext(as_of=datetime(2026, 5, 1, 0, 0))  # 08:00 on 1 May in Shanghai


def test_every_first_time_buyer_lands_in_exactly_one_cohort(duck, context_small):
    output = JOB.run(duck, context_small)
    rows = report(duck, output.reports["cohorts"])
    buyers, revenue, repeaters = duck.rows(
        f"""
        SELECT COUNT(DISTINCT customer_id), SUM(total),
               (SELECT COUNT(*) FROM (SELECT customer_id FROM orders WHERE counted
                AND placed_at <= {context_small.as_of_sql}
                GROUP BY customer_id HAVING COUNT(*) >= 2) repeat)
        FROM orders WHERE counted AND placed_at <= {context_small.as_of_sql}
        """
    )[0]
    first_months = [r for r in rows if r["months_since"] == 0]
    assert sum(r["customers"] for r in first_months) == buyers
    assert all(r["active"] == r["customers"] and r["retention"] == 1.0 for r in first_months)
    last = {r["cohort"]: r for r in rows}  # rows come month by month: the last one stays
    assert math.isclose(sum(r["cumulative_revenue"] for r in last.values()), revenue, abs_tol=1)
    assert sum(r["repeat_buyers"] for r in last.values()) == repeaters
    # the newest month has only its own month-0 row; the oldest runs to as_of's month
    assert {r["month"] for r in last.values()} == {"2026-11"}
    assert output.diagnostics["rows"] == len(rows)
    assert all(
        not (isinstance(v, float) and not math.isfinite(v)) for r in rows for v in r.values()
    )


def test_a_cohort_is_the_local_month_and_counts_only_purchases_that_stand(tmp_path):
    shop = TinyShop()
    ana = shop.customer(1)
    shop.order(ana, datetime(2026, 1, 31, 17, 0), total=50.0)  # 1 Feb, 01:00 in Shanghai
    shop.order(ana, datetime(2026, 3, 10), total=80.0, status="refunded")
    shop.order(ana, datetime(2026, 4, 2), total=30.0)
    shop.order(ana, datetime(2026, 5, 2), total=999.0)  # after as_of: not yet happened
    with shop.open(tmp_path) as engine:
        rows = report(engine, JOB.run(engine, AS_OF).reports["cohorts"])
    assert [r["month"] for r in rows] == ["2026-02", "2026-03", "2026-04", "2026-05"]
    assert {r["cohort"] for r in rows} == {"2026-02"}
    assert [r["active"] for r in rows] == [1, 0, 1, 0]
    assert [r["retention"] for r in rows] == [1.0, 0.0, 1.0, 0.0]
    assert [r["repeat_buyers"] for r in rows] == [0, 0, 1, 1]
    assert [r["revenue"] for r in rows] == [50.0, 0.0, 30.0, 0.0]
    assert [r["ltv"] for r in rows] == [50.0, 50.0, 80.0, 80.0]


def test_cohorts_of_several_customers_share_their_month(tmp_path):
    shop = TinyShop()
    for customer, total in ((1, 10.0), (2, 20.0), (3, 60.0)):
        shop.customer(customer)
        shop.order(customer, datetime(2026, 4, 5), total=total)
    shop.order(3, datetime(2026, 4, 20), total=40.0)
    with shop.open(tmp_path) as engine:
        rows = report(engine, JOB.run(engine, AS_OF).reports["cohorts"])
    april, may = rows
    assert (april["customers"], april["repeat_buyers"], april["revenue"]) == (3, 1, 130.0)
    assert april["repurchase_rate"] == 1 / 3
    assert math.isclose(may["ltv"], 130.0 / 3, abs_tol=0.005)


def test_an_empty_shop_has_no_cohorts(tmp_path):
    with TinyShop().open(tmp_path) as engine:
        output = JOB.run(engine, AS_OF)
        assert report(engine, output.reports["cohorts"]) == []
    assert output.diagnostics == {"cohorts": 0, "rows": 0}


def test_a_customer_who_never_bought_is_in_no_cohort(tmp_path):
    shop = TinyShop()
    shop.customer(1)
    shop.order(1, datetime(2026, 4, 5), status="refunded")
    with shop.open(tmp_path) as engine:
        assert report(engine, JOB.run(engine, AS_OF).reports["cohorts"]) == []
