"""Interests: bakers come out as 烘焙原料 people, coffee drinkers as 咖啡饮品 people."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from liveloop.analytics.jobs.interests import JOB
from tests.analytics.shop import Shop, context_at


def _tag_share(people: list[dict], tags: dict[int, set[str]], flag: str, tag: str) -> dict:
    buyers = [p for p in people if p["first_order_at"] is not None]
    share = {}
    for value in (True, False):
        group = [p for p in buyers if bool(p[flag]) is value]
        tagged = sum(tag in tags.get(p["person_id"] + 1, set()) for p in group)
        share[value] = tagged / len(group)
    return share


def test_bakers_and_coffee_drinkers_get_their_interest_tags(duck, sim_small, context_small):
    output = JOB.run(duck, context_small)

    assert (output.scores, output.tags) == ("scores_interests", "tags_interests")
    tags: dict[int, set[str]] = {}
    for customer, tag in duck.rows("SELECT customer_id, tag FROM tags_interests"):
        tags.setdefault(customer, set()).add(tag)
    people = pq.read_table(sim_small / "truth" / "people.parquet").to_pylist()
    baker = _tag_share(people, tags, "baker", "兴趣:烘焙原料")
    coffee = _tag_share(people, tags, "coffee", "兴趣:咖啡饮品")
    print("share of buyers tagged (flag → share):", {"baker": baker, "coffee": coffee})
    assert baker[True] >= 0.08 and baker[True] >= 10 * baker[False]
    assert coffee[True] >= 0.08 and coffee[True] >= 10 * coffee[False]


def test_interest_maps_hold_the_top_three_and_match_the_tags(duck, context_small):
    JOB.run(duck, context_small)

    assert duck.scalar("SELECT COUNT(*) FROM scores_interests") == duck.scalar(
        "SELECT COUNT(*) FROM customers"
    )
    tags: dict[int, set[str]] = {}
    for customer, tag in duck.rows("SELECT customer_id, tag FROM tags_interests"):
        tags.setdefault(customer, set()).add(tag)
    maps = duck.rows("SELECT customer_id, interests FROM scores_interests")
    assert sum(text is not None for _, text in maps) > 500
    for customer, text in maps:
        if text is None:
            assert customer not in tags
            continue
        scores = json.loads(text)
        assert 1 <= len(scores) <= 3
        assert list(scores.values()) == sorted(scores.values(), reverse=True)
        assert min(scores.values()) >= 0.5
        assert {f"兴趣:{category}" for category in scores} == tags[customer]


def test_interests_decay_and_count_carts(tmp_path):
    shop = Shop().customer(1, 2, 3)
    for day in (170, 175, 180):
        shop.buy(1, day, "MILK-WEEK-7")
    shop.buy(1, 0, "FLOUR-BREAD-2KG")  # two half-lives ago: 0.25, under the bar
    shop.event(1, 180, "Product Added", sku="COFFEE-BEAN-500")  # a cart today: 0.5
    shop.event(1, 180, "Live Product Clicked", sku="CHIPS-DEVIL")  # a click: 0.2
    shop.buy(2, 100, "CHIPS-DEVIL", counted=False)
    with shop.open(tmp_path / "snap") as engine:
        JOB.run(engine, context_at(180))
        maps = dict(engine.rows("SELECT customer_id, interests FROM scores_interests"))
        tags = sorted(engine.rows("SELECT customer_id, tag FROM tags_interests"))
    scores = json.loads(maps[1])
    assert list(scores) == ["乳品", "咖啡饮品"]
    assert 2.8 < scores["乳品"] < 3.0 and scores["咖啡饮品"] == 0.5
    assert maps[2] is None and maps[3] is None
    assert tags == [(1, "兴趣:乳品"), (1, "兴趣:咖啡饮品")]


def test_interests_survive_empty_and_one_customer_snapshots(tmp_path):
    with Shop().open(tmp_path / "empty") as engine:
        JOB.run(engine, context_at(10))
        assert engine.scalar("SELECT COUNT(*) FROM scores_interests") == 0
        assert engine.scalar("SELECT COUNT(*) FROM tags_interests") == 0
    with Shop().customer(1).buy(1, 9, "MILK-WEEK-7").open(tmp_path / "one") as engine:
        JOB.run(engine, context_at(10))
        assert engine.rows("SELECT * FROM scores_interests") == [(1, '{"乳品":0.992}')]
