"""Repurchase predictions recover the simulator's planted staple cycles."""

from __future__ import annotations

import math
from datetime import timedelta

import pyarrow.parquet as pq

from liveloop.analytics.jobs.repurchase import JOB
from liveloop.sim.catalog import BY_SKU, season_factor
from tests.analytics.shop import Shop, context_at

COLUMNS = [
    "customer_id",
    "sku",
    "purchases",
    "interval_days",
    "last_purchase_at",
    "runout_at",
    "remind_at",
]


def _relative_errors(duck, sim_small, context) -> dict[str, list[float]]:
    """|predicted − planted| / planted per person × staple, against the planted interval and
    against the planted interval × the season factor of the last purchase's month."""
    planted = {
        (row["person_id"] + 1, row["sku"]): row["planted_interval_days"]
        for row in pq.read_table(sim_small / "truth" / "staples.parquet").to_pylist()
    }
    errors: dict[str, list[float]] = {"all": [], "3+": [], "3+ seasonal": []}
    offset = context.utc_offset_hours
    for customer, sku, purchases, interval, last in duck.rows(
        "SELECT customer_id, sku, purchases, interval_days, last_purchase_at FROM repurchase"
    ):
        truth = planted.get((customer, sku))
        if truth is None:
            continue
        errors["all"].append(abs(interval - truth) / truth)
        if purchases >= 3:
            errors["3+"].append(abs(interval - truth) / truth)
            month = (last + timedelta(hours=offset)).month
            expected = truth * season_factor(BY_SKU[sku].category, month)
            errors["3+ seasonal"].append(abs(interval - expected) / expected)
    return errors


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return (ordered[middle] + ordered[~middle]) / 2


def test_repurchase_recovers_planted_staple_cycles(duck, sim_small, context_small):
    output = JOB.run(duck, context_small)

    assert output.repurchase == "repurchase"
    errors = _relative_errors(duck, sim_small, context_small)
    figures = {name: round(_median(values), 4) for name, values in errors.items()}
    print("median absolute relative error of interval_days:", figures)
    assert len(errors["3+"]) > 300
    assert figures["3+"] <= 0.15
    assert figures["3+ seasonal"] <= 0.08
    assert figures["all"] <= 0.25


def test_repurchase_rows_are_complete_and_dated(duck, context_small):
    output = JOB.run(duck, context_small)

    data = duck.arrow("SELECT * FROM repurchase")
    assert data.column_names == COLUMNS
    assert data.num_rows == output.diagnostics["predictions"] > 0
    lead = duck.scalar(
        "SELECT COUNT(*) FROM repurchase WHERE remind_at <> runout_at - INTERVAL 3 DAY "
        "OR runout_at <= last_purchase_at OR interval_days IS NULL OR isnan(interval_days)"
    )
    assert lead == 0
    assert duck.scalar("SELECT COUNT(*) FROM repurchase WHERE purchases < 1") == 0


def test_festival_and_impulse_items_get_no_reminders(duck, context_small):
    output = JOB.run(duck, context_small)

    states = {sku: v["state"] for sku, v in output.diagnostics["skus"].items()}
    for sku in ("MOONCAKE-GIFT", "ZONGZI-GIFT", "NIANHUO-BOX"):
        assert states[sku] == "festival"
    staples = [s.sku for s in BY_SKU.values() if s.cycle_days]
    cyclic = [sku for sku in staples if states.get(sku) == "cyclic"]
    assert len(cyclic) >= len(staples) - 2
    for sku, state in states.items():
        if state == "cyclic":
            cycle = BY_SKU[sku].cycle_days
            population = output.diagnostics["skus"][sku]["population_interval_days"]
            if cycle:  # add-ons ride on a staple's cycle and have none of their own
                assert math.isclose(population, cycle, rel_tol=0.15), sku
    dairy = output.diagnostics["season_factors"]["乳品"]
    assert dairy[6] < 0.97 < 1.02 < dairy[0]  # milk goes faster in July than in January
    festive = duck.scalar(
        "SELECT COUNT(*) FROM repurchase WHERE sku IN ('MOONCAKE-GIFT', 'ZONGZI-GIFT')"
    )
    assert festive == 0


def test_first_time_buyer_of_a_cyclic_sku_gets_the_population_interval(tmp_path):
    shop = Shop().customer(*range(1, 9))
    for person in range(1, 7):  # six regular milk drinkers, a week apart (a day's pace each)
        for trip in range(5):
            shop.buy(person, trip * (6 + person / 3), "MILK-WEEK-7")
    shop.buy(7, 30, "MILK-WEEK-7")  # tries it once
    shop.buy(8, 10, "CHIPS-DEVIL").buy(8, 40, "CHIPS-DEVIL")  # a new SKU, twice
    with shop.open(tmp_path / "snap") as engine:
        output = JOB.run(engine, context_at(60))
        rows = {
            (c, s): (n, i)
            for c, s, n, i in engine.rows(
                "SELECT customer_id, sku, purchases, interval_days FROM repurchase"
            )
        }
    assert output.diagnostics["skus"]["MILK-WEEK-7"]["state"] == "cyclic"
    population = output.diagnostics["skus"]["MILK-WEEK-7"]["population_interval_days"]
    assert 6 < population < 9
    purchases, interval = rows[(7, "MILK-WEEK-7")]
    assert purchases == 1 and math.isclose(interval, population, rel_tol=0.15)
    assert rows[(8, "CHIPS-DEVIL")][0] == 2  # own gap of 30 days, shrunk toward min(shelf, 30)
    assert 25 < rows[(8, "CHIPS-DEVIL")][1] < 35


def test_repurchase_survives_empty_tiny_and_single_purchase_snapshots(tmp_path):
    with Shop().open(tmp_path / "empty") as engine:
        output = JOB.run(engine, context_at(10))
        assert engine.scalar("SELECT COUNT(*) FROM repurchase") == 0
        assert output.diagnostics["predictions"] == 0
    with Shop().customer(1).open(tmp_path / "one") as engine:
        JOB.run(engine, context_at(10))
        assert engine.scalar("SELECT COUNT(*) FROM repurchase") == 0
    shop = Shop().customer(1, 2, 3).buy(1, 1, "MILK-WEEK-7").buy(2, 2, "FLOUR-BREAD-2KG")
    shop.buy(3, 3, "COFFEE-BEAN-500", counted=False)
    with shop.open(tmp_path / "singles") as engine:
        JOB.run(engine, context_at(10))
        # SKUs nobody re-buys yet: no cycle known, a single trip says nothing
        assert engine.scalar("SELECT COUNT(*) FROM repurchase") == 0
