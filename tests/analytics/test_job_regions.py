"""Regions: customers, buyers and GMV by province and city."""

import json
import math
from collections import defaultdict
from datetime import datetime

from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.regions import JOB

from .tiny_snapshot import TinyShop, report

AS_OF = RunContext(as_of=datetime(2026, 5, 1))


def test_provinces_and_their_cities_add_up_to_the_whole_shop(duck, context_small):
    output = JOB.run(duck, context_small)
    rows = report(duck, output.reports["regions"])
    provinces = [r for r in rows if r["level"] == "province"]
    cities = [r for r in rows if r["level"] == "city"]
    customers = duck.scalar("SELECT COUNT(*) FROM customers")
    buyers, gmv = duck.rows(
        "SELECT COUNT(DISTINCT customer_id), SUM(total) FROM orders WHERE counted"
    )[0]

    for level in (provinces, cities):
        assert sum(r["customers"] for r in level) == customers
        assert sum(r["buyers"] for r in level) == buyers
        assert math.isclose(sum(r["gmv"] for r in level), gmv, abs_tol=0.05)
        assert math.isclose(sum(r["gmv_share"] for r in level), 1.0)
    by_province: dict[str, int] = defaultdict(int)
    for city in cities:
        by_province[city["province"]] += city["customers"]
    assert by_province == {p["province"]: p["customers"] for p in provinces}
    assert rows[: len(provinces)] == provinces  # provinces first, largest GMV first
    assert [p["gmv"] for p in provinces] == sorted((p["gmv"] for p in provinces), reverse=True)
    assert output.diagnostics == {
        "provinces": len(provinces),
        "cities": len(cities),
        "buyers": buyers,
    }
    json.dumps(output.diagnostics)


def test_penetration_counts_people_who_bought_among_people_who_live_there(tmp_path):
    shop = TinyShop()
    for customer in (1, 2, 3, 4):
        shop.customer(customer, province="浙江省", city="杭州市" if customer < 4 else "宁波市")
    shop.customer(5, province=None, city=None)
    shop.customer(6, province="浙江省", city="杭州市", created_at=datetime(2026, 6, 1))  # later
    shop.order(1, total=100.0)
    shop.order(1, total=50.0)
    shop.order(2, total=30.0, status="refunded")
    shop.order(4, total=50.0)
    shop.order(99, total=200.0)  # an id the customer table lacks
    with shop.open(tmp_path) as engine:
        rows = report(engine, JOB.run(engine, AS_OF).reports["regions"])
    got = {(r["level"], r["province"], r["city"]): r for r in rows}

    unknown = got[("province", "未知", None)]
    assert (unknown["customers"], unknown["buyers"], unknown["gmv"]) == (2, 1, 200.0)
    zhejiang = got[("province", "浙江省", None)]
    assert (zhejiang["customers"], zhejiang["buyers"], zhejiang["orders"]) == (4, 2, 3)
    assert (zhejiang["buyer_share"], zhejiang["gmv"], zhejiang["gmv_share"]) == (0.5, 200, 0.5)
    assert (zhejiang["gmv_per_customer"], zhejiang["gmv_per_buyer"]) == (50.0, 100.0)
    hangzhou = got[("city", "浙江省", "杭州市")]
    assert (hangzhou["customers"], hangzhou["buyers"], hangzhou["gmv"]) == (3, 1, 150.0)
    assert got[("city", "浙江省", "宁波市")]["buyer_share"] == 1.0
    assert [r["level"] for r in rows] == ["province"] * 2 + ["city"] * 3


def test_a_region_where_nobody_bought_has_no_spend_per_buyer(tmp_path):
    shop = TinyShop()
    shop.customer(1, province="西藏自治区", city="拉萨市")
    with shop.open(tmp_path) as engine:
        province, city = report(engine, JOB.run(engine, AS_OF).reports["regions"])
    assert (province["buyers"], province["buyer_share"], province["gmv"]) == (0, 0.0, 0.0)
    assert province["gmv_per_customer"] == 0.0
    assert province["gmv_per_buyer"] is None and province["gmv_share"] is None
    assert city["city"] == "拉萨市"


def test_an_empty_shop_has_no_regions(tmp_path):
    with TinyShop().open(tmp_path) as engine:
        output = JOB.run(engine, AS_OF)
        assert report(engine, output.reports["regions"]) == []
    assert output.diagnostics == {"provinces": 0, "cities": 0, "buyers": 0}
