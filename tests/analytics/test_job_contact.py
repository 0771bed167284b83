"""Best contact hour and preferred channel, from when and where people show up."""

from __future__ import annotations

from liveloop.analytics.jobs.contact import JOB
from tests.analytics.shop import Shop, context_at

HOUR = 1 / 24  # START is 10:00 in Shanghai


def test_every_customer_gets_a_row_with_valid_values(duck, context_small):
    output = JOB.run(duck, context_small)

    assert output.scores == "scores_contact"
    rows = duck.rows("SELECT customer_id, best_contact_hour, preferred_channel FROM scores_contact")
    assert len(rows) == duck.scalar("SELECT COUNT(*) FROM customers")
    hours = [hour for _, hour, _ in rows if hour is not None]
    channels = {channel for _, _, channel in rows}
    assert len(hours) > 0.8 * len(rows) and all(0 <= hour <= 23 for hour in hours)
    assert channels <= {"wecom", "douyin", "store", "leader", None}
    # the simulated lives run at 20:00 and draw the most regular visits
    assert max(output.diagnostics["people_per_hour"].items(), key=lambda kv: kv[1])[0] == 20


def test_best_hour_counts_a_burst_once_and_needs_three_interactions(tmp_path):
    shop = Shop().customer(1, 2)
    for minute in range(10):  # ten comments in one live at 20:00
        shop.event(1, 1 + 10 * HOUR + minute / 1440, "Live Comment Posted", channel="douyin")
    shop.event(1, 2 - HOUR).event(1, 3 - HOUR)  # opened the mini program at 09:00, twice
    shop.event(2, 1).event(2, 2)  # two interactions only
    with shop.open(tmp_path / "snap") as engine:
        JOB.run(engine, context_at(5))
        rows = dict(engine.rows("SELECT customer_id, best_contact_hour FROM scores_contact"))
    assert rows == {1: 9, 2: None}


def test_preferred_channel_weighs_orders_and_maps_sources(tmp_path):
    shop = Shop().customer(1, 2, 3, 4)
    shop.buy(1, 1, "MILK-WEEK-7", channel="douyin").buy(1, 2, "MILK-WEEK-7", channel="douyin")
    for day in range(3, 7):
        shop.event(1, day, channel="official_account")  # 4 touches < 2 orders × 3
    shop.buy(2, 1, "MILK-WEEK-7", channel="group_buy")
    shop.buy(3, 1, "MILK-WEEK-7", channel="live").event(3, 1, "Live Joined", channel="h5_live")
    shop.buy(4, 1, "MILK-WEEK-7", channel="pos").event(4, 2, channel="douyin")
    with shop.open(tmp_path / "snap") as engine:
        JOB.run(engine, context_at(10))
        rows = dict(engine.rows("SELECT customer_id, preferred_channel FROM scores_contact"))
    assert rows == {1: "douyin", 2: "leader", 3: None, 4: "store"}


def test_contact_survives_empty_and_one_customer_snapshots(tmp_path):
    with Shop().open(tmp_path / "empty") as engine:
        JOB.run(engine, context_at(10))
        assert engine.scalar("SELECT COUNT(*) FROM scores_contact") == 0
    with Shop().customer(1).open(tmp_path / "one") as engine:
        JOB.run(engine, context_at(10))
        assert engine.rows("SELECT * FROM scores_contact") == [(1, None, None)]
