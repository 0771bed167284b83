"""Churn risk: people the simulator made drop out long ago are 高, people still buying are 低."""

from __future__ import annotations

import pyarrow.parquet as pq

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs import churn, clv, repurchase
from liveloop.analytics.jobs.base import RunContext
from liveloop.analytics.jobs.timing import days_between
from tests.analytics.shop import Shop, context_at


def stand_in_clv(engine: Engine, context: RunContext) -> None:
    """``scores_clv`` for tiny hand-made shops: P(alive) 1 after a single order day (as BG/NBD
    gives), else falling as the silence outgrows three of the person's own gaps."""
    as_of = context.as_of_sql
    engine.create(
        "scores_clv",
        f"""
        SELECT c.customer_id,
               CASE WHEN o.days IS NULL THEN NULL WHEN o.days < 2 THEN 1.0
                    ELSE EXP(-{days_between("o.last_at", as_of)}
                             / (3.0 * GREATEST({days_between("o.first_at", "o.last_at")}, 1.0)
                                / (o.days - 1)))
               END AS p_alive
        FROM customers c LEFT JOIN (
            SELECT customer_id, MIN(placed_at) AS first_at, MAX(placed_at) AS last_at,
                   COUNT(DISTINCT CAST(placed_at AS DATE)) AS days
            FROM orders WHERE counted GROUP BY customer_id
        ) o ON o.customer_id = c.customer_id
        """,
    )


def run_churn(
    engine: Engine, context: RunContext, *, real_clv: bool = False
) -> dict[int, str | None]:
    """Churn after repurchase and P(alive): the CLV job's on the simulation; on hand-made shops
    of two or three people (too few to fit BG/NBD) the stand-in's."""
    repurchase.JOB.run(engine, context)
    if real_clv:
        clv.JOB.run(engine, context)
    else:
        stand_in_clv(engine, context)
    output = churn.JOB.run(engine, context)
    assert output.scores == "scores_churn"
    return dict(engine.rows("SELECT customer_id, churn_risk FROM scores_churn"))


def test_dropped_out_buyers_are_high_risk_and_buying_ones_low(duck, sim_small, context_small):
    risk = run_churn(duck, context_small, real_clv=True)

    people = pq.read_table(sim_small / "truth" / "people.parquet").to_pylist()
    assert len(risk) == len(people)
    long_gone = context_small.as_of.timestamp() - 90 * 86400
    groups: dict[str, list[str | None]] = {"gone 90d+": [], "alive": [], "never bought": []}
    for person in people:
        level = risk[person["person_id"] + 1]
        if person["first_order_at"] is None:
            groups["never bought"].append(level)
        elif person["dropped_at"] is None:
            groups["alive"].append(level)
        elif person["dropped_at"].timestamp() < long_gone:
            groups["gone 90d+"].append(level)
    share = {
        name: {lvl: round(levels.count(lvl) / len(levels), 3) for lvl in ("低", "中", "高")}
        for name, levels in groups.items()
    }
    print("churn risk by planted state:", share)
    assert share["gone 90d+"]["高"] >= 0.85
    assert share["alive"]["低"] >= 0.85
    assert set(groups["never bought"]) == {None}


def test_churn_survives_empty_and_single_purchase_snapshots(tmp_path):
    with Shop().open(tmp_path / "empty") as engine:
        assert run_churn(engine, context_at(10)) == {}
    with Shop().customer(1).open(tmp_path / "one") as engine:
        assert run_churn(engine, context_at(10)) == {1: None}
    shop = Shop().customer(1, 2, 3).buy(1, 195, "CHIPS-DEVIL").buy(2, 1, "CHIPS-DEVIL")
    shop.buy(3, 190, "CHIPS-DEVIL", counted=False)
    with shop.open(tmp_path / "singles") as engine:
        # one order, 5 days ago / 199 days ago (no cycle known: 30 days); a refund only
        assert run_churn(engine, context_at(200)) == {1: "低", 2: "高", 3: None}


def test_fading_interaction_raises_an_overdue_buyer_to_medium(tmp_path):
    shop = Shop().customer(1, 2)
    for person in (1, 2):
        shop.buy(person, 0, "CHIPS-DEVIL").buy(person, 30, "CHIPS-DEVIL")
    for day in range(10, 36, 5):  # person 1 was around 31–56 days ago, then went quiet
        shop.event(1, day)
    with shop.open(tmp_path / "snap") as engine:
        # 36 days since the last order against a 30-day pace: overdue 1.2, not yet 中 alone
        assert run_churn(engine, context_at(66)) == {1: "中", 2: "低"}
