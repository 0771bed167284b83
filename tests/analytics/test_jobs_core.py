"""The rfm, clv, lifecycle and baskets jobs on the 2k simulation, and on Spark the same rows."""

from __future__ import annotations

import math

import pytest

from liveloop.analytics.jobs.plan import compute, plan
from tests.analytics.conftest import same_rows

CORE = ("rfm", "clv", "lifecycle", "baskets")


def _rows(engine, query):
    data = engine.arrow(query)
    return [
        dict(zip(data.column_names, row, strict=True))
        for row in zip(*(c.to_pylist() for c in data.columns), strict=True)
    ]


def test_rfm_scores_buyers_one_to_five_and_ties_share_a_score(duck, context_small):
    compute(duck, context_small, plan(("rfm",)))
    rows = _rows(duck, "SELECT * FROM scores_rfm")
    buyers = [r for r in rows if r["frequency"]]
    assert buyers and len(rows) == duck.scalar("SELECT COUNT(*) FROM customers")
    assert {r["rfm_r"] for r in buyers} == {1, 2, 3, 4, 5}
    assert {r["rfm_f"] for r in buyers if r["frequency"] == 1} == {1}
    assert all(r["rfm_group"] for r in buyers)
    assert all(r["rfm_group"] is None and r["rfm_r"] is None for r in rows if not r["frequency"])
    vip = [r for r in buyers if r["rfm_group"] == "VIP"]
    assert vip and all(min(r["rfm_r"], r["rfm_f"], r["rfm_m"]) >= 4 for r in vip)
    new = [r for r in buyers if r["rfm_group"] == "新客"]
    assert all(r["frequency"] == 1 and r["recency_days"] <= 30 for r in new)


def test_clv_predictions_are_finite_and_track_who_is_still_buying(duck, context_small, sim_small):
    outputs = compute(duck, context_small, plan(("clv",)))
    diagnostics = outputs["clv"].diagnostics
    assert diagnostics["bgnbd"]["log_likelihood"] < 0
    holdout = diagnostics["holdout"]
    assert holdout["actual_total"] > 0
    # the model's holdout total is within 20% of what happened (sim: BG/NBD-like dropout)
    assert abs(holdout["predicted_total"] / holdout["actual_total"] - 1) < 0.2
    rows = _rows(duck, "SELECT * FROM scores_clv WHERE p_alive IS NOT NULL")
    for row in rows:
        assert all(math.isfinite(row[c]) for c in ("p_alive", "purchases_30d", "purchases_90d"))
        assert 0 <= row["p_alive"] <= 1 and row["purchases_90d"] >= row["purchases_30d"]
    dropped = dict(
        duck.rows(
            f"SELECT person_id + 1, dropped_at IS NOT NULL FROM "
            f"read_parquet('{sim_small}/truth/people.parquet')"
        )
    )
    alive = [r["p_alive"] for r in rows if not dropped[r["customer_id"]]]
    gone = [r["p_alive"] for r in rows if dropped[r["customer_id"]]]
    assert sum(alive) / len(alive) > sum(gone) / len(gone) + 0.1


def test_lifecycle_names_a_stage_for_everyone(duck, context_small):
    compute(duck, context_small, plan(("lifecycle",)))
    stages = dict(
        duck.rows("SELECT lifecycle_stage, COUNT(*) FROM scores_lifecycle GROUP BY lifecycle_stage")
    )
    assert set(stages) <= {"认知", "考虑", "首购", "复购", "忠诚", "流失预警"}
    assert {"认知", "首购", "复购", "流失预警"} <= set(stages)
    assert sum(stages.values()) == duck.scalar("SELECT COUNT(*) FROM customers")


def test_basket_rules_recover_the_planted_bread_flour_and_butter(duck, context_small):
    compute(duck, context_small, plan(("baskets",)))
    rules = _rows(duck, "SELECT * FROM report_basket_rules")
    assert rules
    flour_butter = [
        r
        for r in rules
        if "面包粉" in r["antecedents"]
        and "|" not in r["antecedents"]
        and "黄油" in r["consequents"]
    ]
    assert flour_butter, "面包粉 → 黄油 not found"
    assert flour_butter[0]["confidence"] == pytest.approx(0.70, abs=0.12)
    assert [r["lift"] for r in rules] == sorted((r["lift"] for r in rules), reverse=True)


@pytest.mark.spark
def test_spark_computes_the_same_rfm_clv_lifecycle_and_rules(duck, spark, context_small):
    jobs = plan(CORE)
    on_duck = compute(duck, context_small, jobs)
    on_spark = compute(spark, context_small, jobs)
    for name in ("scores_rfm", "scores_clv", "scores_lifecycle"):
        same_rows(duck, spark, name, "customer_id")
    same_rows(duck, spark, "report_basket_rules", ["antecedents", "consequents"])
    assert on_duck["clv"].diagnostics["bgnbd"]["params"] == pytest.approx(
        on_spark["clv"].diagnostics["bgnbd"]["params"]
    )
