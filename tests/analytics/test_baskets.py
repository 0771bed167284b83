"""Association rules: hand-computed cases, mlxtend as the reference on random baskets, the
simulator's planted rules recovered, basket files, the CLI and edge cases."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from liveloop.analytics.baskets import (
    RULES_SCHEMA,
    BasketFileError,
    mine,
    mine_lines,
    read_baskets,
    rules_table,
    suggest_bundles,
)
from liveloop.cli import app
from liveloop.sim.catalog import BASKET_RULES, BY_SKU

HAND = [
    ["酱油", "蚝油", "醋"],
    ["酱油", "蚝油"],
    ["酱油", "醋"],
    ["酱油"],
    ["面包粉", "黄油"],
]


def by_sides(mining):
    return {(r.antecedents, r.consequents): r for r in mining.rules}


# --- measures on a hand-computed example -------------------------------------------------------


def test_rules_carry_support_confidence_and_lift_as_computed_by_hand():
    rules = by_sides(mine(HAND, min_support=0.2, min_confidence=0.5))
    soy_oyster = rules[(("酱油",), ("蚝油",))]
    # 2 of 5 baskets hold both; 4 hold 酱油; 2 hold 蚝油.
    assert soy_oyster.support == pytest.approx(2 / 5)
    assert soy_oyster.confidence == pytest.approx(2 / 4)
    assert soy_oyster.lift == pytest.approx((2 / 4) / (2 / 5))
    oyster_soy = rules[(("蚝油",), ("酱油",))]
    assert oyster_soy.confidence == 1.0
    assert oyster_soy.lift == pytest.approx(1 / (4 / 5))
    # {酱油, 蚝油, 醋}: 1 basket of 5 — frequent at 0.2; {蚝油, 醋} → 酱油 holds always.
    assert rules[(("蚝油", "醋"), ("酱油",))].confidence == 1.0
    assert (("醋",), ("蚝油",)) in rules  # 1 of 2: confidence 0.5, kept (≥ is inclusive)
    assert (("酱油",), ("黄油",)) not in rules  # never together


def test_itemsets_report_their_support_and_items_sorted():
    mining = mine(HAND, min_support=0.4, min_confidence=0.5)
    supports = {s.items: s.support for s in mining.itemsets}
    assert supports == {
        ("酱油",): 0.8,
        ("蚝油",): 0.4,
        ("醋",): 0.4,
        ("蚝油", "酱油"): 0.4,
        ("酱油", "醋"): 0.4,
    }
    assert mining.baskets == 5


def test_rules_come_strongest_lift_first_then_confidence():
    rules = mine(HAND, min_support=0.2, min_confidence=0.1).rules
    keys = [(-r.lift, -r.confidence, r.antecedents, r.consequents) for r in rules]
    assert keys == sorted(keys)


def test_an_item_listed_twice_in_a_basket_counts_once():
    twice = mine([["酱油", "酱油", "蚝油"], ["酱油"]], min_support=0.5, min_confidence=0.1)
    once = mine([["酱油", "蚝油"], ["酱油"]], min_support=0.5, min_confidence=0.1)
    assert twice == once
    assert {s.items: s.count for s in twice.itemsets}[("酱油",)] == 2


def test_consequents_hold_one_item_unless_asked_for_more():
    baskets = [["a", "b", "c"]] * 3 + [["a"]]
    single = mine(baskets, min_support=0.5, min_confidence=0.5)
    assert all(len(r.consequents) == 1 for r in single.rules)
    wide = by_sides(mine(baskets, min_support=0.5, min_confidence=0.5, max_consequent=2))
    assert wide[(("a",), ("b", "c"))].confidence == pytest.approx(3 / 4)
    assert wide[(("b",), ("a", "c"))].confidence == 1.0


def test_a_planted_three_item_rule_is_recovered_among_noise():
    rng = random.Random(42)
    noise = [f"SKU-{i}" for i in range(30)]
    baskets = []
    for _ in range(4_000):
        basket = rng.sample(noise, rng.randint(0, 3))
        if rng.random() < 0.1:
            basket += ["面包粉", "黄油", "牛奶"]
            if rng.random() < 0.8:
                basket.append("酵母")
        baskets.append(basket)
    rules = by_sides(mine(baskets, min_support=0.02, min_confidence=0.5))
    rule = rules[(("牛奶", "面包粉", "黄油"), ("酵母",))]
    assert rule.confidence == pytest.approx(0.8, abs=0.05)
    assert rule.lift > 5
    assert not any(
        len(a) == 1 and a[0].startswith("SKU-") and c[0].startswith("SKU-") for a, c in rules
    )


def test_max_len_bounds_itemsets_and_max_len_one_gives_no_rules():
    baskets = [["a", "b", "c"]] * 3
    assert max(len(s.items) for s in mine(baskets, 0.5, 0.5, max_len=2).itemsets) == 2
    only_items = mine(baskets, 0.5, 0.5, max_len=1)
    assert only_items.rules == ()
    assert {s.items for s in only_items.itemsets} == {("a",), ("b",), ("c",)}


# --- mlxtend as the reference -------------------------------------------------------------------


def mlxtend_rules(baskets, min_support, min_confidence, max_len=None):
    """mlxtend's TransactionEncoder + fpgrowth + association_rules (all consequent sizes)."""
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from mlxtend.preprocessing import TransactionEncoder

    encoder = TransactionEncoder()
    frame = pd.DataFrame(encoder.fit(baskets).transform(baskets), columns=encoder.columns_)
    itemsets = fpgrowth(frame, min_support=min_support, use_colnames=True, max_len=max_len)
    if itemsets.empty:
        return {}, {}
    rules = association_rules(
        itemsets,
        len(baskets),
        metric="confidence",
        min_threshold=min_confidence,
        return_metrics=["support", "confidence", "lift"],
    )
    return (
        {tuple(sorted(s)): v for s, v in zip(itemsets.itemsets, itemsets.support, strict=True)},
        {
            (tuple(sorted(a)), tuple(sorted(c))): (s, conf, lift)
            for a, c, s, conf, lift in zip(
                rules.antecedents,
                rules.consequents,
                rules.support,
                rules.confidence,
                rules.lift,
                strict=True,
            )
        },
    )


def assert_same_as_mlxtend(baskets, min_support, min_confidence, max_len=None):
    ours = mine(baskets, min_support, min_confidence, max_len=max_len, max_consequent=None)
    their_itemsets, their_rules = mlxtend_rules(baskets, min_support, min_confidence, max_len)
    assert {s.items: s.support for s in ours.itemsets}.keys() == their_itemsets.keys()
    for itemset in ours.itemsets:
        assert math.isclose(itemset.support, their_itemsets[itemset.items], abs_tol=1e-9)
    rules = by_sides(ours)
    assert rules.keys() == their_rules.keys()
    for key, (support, confidence, lift) in their_rules.items():
        rule = rules[key]
        assert math.isclose(rule.support, support, abs_tol=1e-9)
        assert math.isclose(rule.confidence, confidence, abs_tol=1e-9)
        assert math.isclose(rule.lift, lift, rel_tol=1e-12, abs_tol=1e-9)
    return ours


@pytest.mark.parametrize("seed", range(8))
def test_same_itemsets_rules_and_measures_as_mlxtend_on_random_baskets(seed):
    rng = random.Random(seed)
    items = [f"商品{i}" for i in range(rng.randint(5, 30))]
    weights = [rng.random() ** 3 for _ in items]  # a few popular items, a long tail
    baskets = [
        rng.choices(items, weights, k=rng.randint(0, 9)) for _ in range(rng.randint(1, 3000))
    ]
    # Thresholds off round fractions, so no measure ties its threshold exactly (mlxtend divides
    # supports, we divide counts; at an exact tie the two could round to different sides).
    min_support = rng.choice([0.005, 0.02, 0.05, 0.2]) + 0.00013
    min_confidence = rng.choice([0.05, 0.3, 0.7]) + 0.00017
    max_len = rng.choice([None, 2, 3])
    assert_same_as_mlxtend(baskets, min_support, min_confidence, max_len)


def test_same_as_mlxtend_on_correlated_baskets_with_long_itemsets():
    rng = random.Random(7)
    groups = [[f"g{g}-{i}" for i in range(6)] for g in range(4)]
    baskets = []
    for _ in range(2_000):
        group = rng.choice(groups)
        baskets.append([item for item in group if rng.random() < 0.7] + [rng.choice(groups[0])])
    ours = assert_same_as_mlxtend(baskets, 0.03001, 0.40017)
    assert max(len(s.items) for s in ours.itemsets) >= 5


# --- the simulator's planted rules --------------------------------------------------------------


def test_the_simulators_planted_basket_rules_come_out_near_their_confidence(sim_small):
    """The simulator adds each rule's consequent to a basket holding its antecedents with the
    planted probability, and sells the consequents in no other way, so measured confidence is
    a binomial proportion around the plant over count(antecedents) baskets. Allowed: 4 standard
    errors, sqrt(p(1-p)/count) — a miss would be a 1-in-15,000 draw, yet a rule mined wrongly
    (say from order lines instead of orders, or duplicates counted twice) is far outside it."""
    items = pq.read_table(sim_small / "order_items.parquet", columns=["order_no", "sku"])
    baskets: dict[str, list[str]] = defaultdict(list)
    for order_no, sku in zip(
        *(items.column(c).to_pylist() for c in ("order_no", "sku")), strict=True
    ):
        baskets[order_no].append(BY_SKU[sku].name)  # product names: Chinese items
    rules = by_sides(mine(list(baskets.values()), min_support=0.002, min_confidence=0.2))
    for plant in BASKET_RULES:
        antecedents = tuple(sorted(BY_SKU[s].name for s in plant.antecedents))
        rule = rules[(antecedents, (BY_SKU[plant.consequent].name,))]
        tolerance = 4 * math.sqrt(plant.confidence * (1 - plant.confidence) / rule.antecedent_count)
        assert abs(rule.confidence - plant.confidence) <= tolerance, (plant, rule)
        assert rule.antecedent_count >= 100  # enough baskets for the test to mean something
        assert rule.lift > 3


def test_mining_order_lines_in_arrow_equals_mining_the_grouped_baskets(sim_small):
    lines = pq.read_table(sim_small / "order_items.parquet", columns=["order_no", "sku"])
    baskets: dict[str, list[str]] = defaultdict(list)
    for order_no, sku in zip(
        *(lines.column(c).to_pylist() for c in lines.column_names), strict=True
    ):
        baskets[order_no].append(sku)
    expected = mine(list(baskets.values()), 0.003, 0.1, max_consequent=None)
    assert len(expected.rules) > 10
    got = mine_lines(lines.column("order_no"), lines.column("sku"), 0.003, 0.1, max_consequent=None)
    assert got == expected
    shuffled = lines.take(random.Random(1).sample(range(lines.num_rows), lines.num_rows))
    assert mine_lines(shuffled["order_no"], shuffled["sku"], 0.003, 0.1, None, None) == expected


def test_mining_arrow_lines_skips_null_lines_and_refuses_non_string_items():
    import pyarrow as pa

    orders = pa.array(["o1", "o1", "o2", None, "o3"])
    skus = pa.array(["酱油", "蚝油", "酱油", "醋", None])
    mining = mine_lines(orders, skus, 1.0, 0.5)
    assert mining.baskets == 2  # o3 holds only a null item
    assert {s.items for s in mining.itemsets} == {("酱油",)}
    assert mine_lines(pa.array([], pa.string()), pa.array([], pa.string()), 0.5, 0.5).rules == ()
    one = mine_lines(pa.array(["o1"]), pa.array(["酱油"]), 1.0, 0.5)
    assert (one.baskets, one.itemsets[0].items) == (1, ("酱油",))
    # Lines grouped by order but not sorted: the same as sorted.
    grouped = mine_lines(pa.array(["o2", "o2", "o1"]), pa.array(["酱油", "蚝油", "酱油"]), 0.5, 0.5)
    assert grouped == mine([["酱油", "蚝油"], ["酱油"]], 0.5, 0.5)
    with pytest.raises(TypeError, match="string column"):
        mine_lines(orders, pa.array([1, 2, 3, 4, 5]), 0.5, 0.5)
    with pytest.raises(ValueError, match="equal length"):
        mine_lines(orders, skus[:2], 0.5, 0.5)


# --- bundles and the Arrow table ----------------------------------------------------------------


def test_bundles_are_high_lift_rules_deduplicated_as_sets():
    rules = mine(HAND + [["面包粉", "黄油"]] * 3, min_support=0.1, min_confidence=0.3).rules
    bundles = suggest_bundles(rules, min_lift=1.5, min_confidence=0.5)
    item_sets = [b.items for b in bundles]
    assert item_sets[0] == ("面包粉", "黄油")  # lift 8/4 = 2, both directions: listed once
    assert len(item_sets) == len(set(item_sets))
    assert all(b.lift >= 1.5 and b.confidence >= 0.5 for b in bundles)
    assert suggest_bundles(rules, min_lift=1.5, limit=1) == bundles[:1]


def test_rules_table_has_the_documented_columns_and_types():
    mining = mine(HAND, min_support=0.2, min_confidence=0.5)
    table = rules_table(mining.rules)
    assert table.schema.equals(RULES_SCHEMA)
    assert table.num_rows == len(mining.rules)
    row = table.slice(0, 1).to_pylist()[0]
    first = mining.rules[0]
    assert row["antecedents"] == "|".join(first.antecedents)
    assert row["antecedent_count"] == first.antecedent_count
    assert row["antecedent_items"] == len(first.antecedents)
    assert rules_table([]).num_rows == 0


# --- edge cases ---------------------------------------------------------------------------------


def test_no_baskets_give_no_itemsets_and_no_rules():
    mining = mine([], 0.1, 0.5)
    assert (mining.baskets, mining.itemsets, mining.rules) == (0, (), ())


def test_baskets_of_one_item_or_none_give_itemsets_but_no_rules():
    mining = mine([["酱油"], [], ["酱油"], ["醋"]], 0.25, 0.1)
    assert mining.rules == ()
    assert {s.items: s.support for s in mining.itemsets} == {("酱油",): 0.5, ("醋",): 0.25}


def test_nothing_frequent_gives_nothing():
    assert mine([["a"], ["b"], ["c"]], 0.5, 0.5).itemsets == ()


def test_baskets_may_be_any_iterables_of_strings():
    generated = mine((iter(b) for b in HAND), 0.2, 0.5)
    assert generated == mine([tuple(b) for b in HAND], 0.2, 0.5)
    assert generated == mine([set(b) for b in HAND], 0.2, 0.5)
    assert generated == mine(tuple(frozenset(b) for b in HAND), 0.2, 0.5)


def test_items_that_are_not_strings_are_refused():
    for basket in (["酱油", None], ["酱油", 1]):
        with pytest.raises(TypeError, match="items must be strings"):
            mine([basket], 0.5, 0.5)


@pytest.mark.parametrize("value", [0, -0.1, 1.5, float("nan"), "0.1"])
def test_thresholds_outside_zero_to_one_are_refused(value):
    with pytest.raises(ValueError, match=r"min_support must be a fraction in \(0, 1\]"):
        mine(HAND, value, 0.5)
    with pytest.raises(ValueError, match=r"min_confidence must be a fraction in \(0, 1\]"):
        mine(HAND, 0.5, value)


def test_lengths_below_one_are_refused():
    with pytest.raises(ValueError, match="max_len"):
        mine(HAND, 0.5, 0.5, max_len=0)
    with pytest.raises(ValueError, match="max_consequent"):
        mine(HAND, 0.5, 0.5, max_consequent=0)


def test_a_basket_given_as_one_string_or_none_is_refused():
    with pytest.raises(TypeError, match="not one string"):
        mine(["酱油,蚝油"], 0.5, 0.5)
    with pytest.raises(TypeError, match="not one string"):
        mine([["酱油", "蚝油"], "酱油"], 0.5, 0.5)
    with pytest.raises(TypeError, match="not None"):
        mine([["酱油"], None], 0.5, 0.5)
    assert mine([["A", "B"], ["A"]], 0.5, 0.5).rules[0].antecedents == ("B",)  # 1-char items


# --- basket files -------------------------------------------------------------------------------


def test_basket_files_split_on_ascii_and_full_width_commas_with_or_without_bom(tmp_path):
    text = " 酱油 , 蚝油\n\n酱油，醋，\r\n,,\n面包粉\n"
    plain, bom = tmp_path / "plain.txt", tmp_path / "bom.txt"
    plain.write_text(text, encoding="utf-8")
    bom.write_bytes("\ufeff".encode() + text.encode())
    expected = [["酱油", "蚝油"], ["酱油", "醋"], ["面包粉"]]
    assert read_baskets(plain) == expected
    assert read_baskets(bom) == expected


def test_a_missing_or_non_utf8_basket_file_is_a_clear_error(tmp_path):
    with pytest.raises(BasketFileError, match="No such basket file"):
        read_baskets(tmp_path / "missing.txt")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("酱油,蚝油\n醋,糖\n".encode("gbk"))
    with pytest.raises(BasketFileError, match=r"not UTF-8 text \(line 1"):
        read_baskets(gbk)


# --- the CLI ------------------------------------------------------------------------------------


def basket_file(tmp_path):
    path = tmp_path / "baskets.txt"
    path.write_text("\n".join(",".join(b) for b in HAND) + "\n", encoding="utf-8")
    return path


def test_cli_rules_prints_csv_strongest_first(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "analytics",
            "rules",
            "--baskets",
            str(basket_file(tmp_path)),
            "--min-support",
            "0.2",
            "--min-confidence",
            "0.5",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "antecedents,consequents,support,confidence,lift"
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == len(mine(HAND, 0.2, 0.5).rules)
    assert ["蚝油|醋", "酱油", "0.2", "1.0", "1.25"] in rows
    lifts = [float(row[4]) for row in rows]
    assert lifts == sorted(lifts, reverse=True)


def test_cli_rules_writes_the_out_file(tmp_path):
    out = tmp_path / "rules.csv"
    result = CliRunner().invoke(
        app,
        [
            "analytics",
            "rules",
            "--baskets",
            str(basket_file(tmp_path)),
            "--min-support",
            "0.2",
            "--min-confidence",
            "0.5",
            "--max-len",
            "2",
            "--out",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "antecedents,consequents,support,confidence,lift"
    assert all("|" not in line for line in lines[1:])  # max-len 2: one item a side
    assert "酱油,蚝油" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-support", "1.5", "--min-confidence", "0.5"], "min_support must be a fraction"),
        (["--min-support", "0.2", "--min-confidence", "0"], "min_confidence must be a fraction"),
        (["--min-support", "0.2", "--min-confidence", "0.5", "--max-len", "0"], "max_len"),
    ],
)
def test_cli_rules_refuses_bad_thresholds_with_exit_2(tmp_path, args, message):
    result = CliRunner().invoke(
        app, ["analytics", "rules", "--baskets", str(basket_file(tmp_path)), *args]
    )
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_rules_refuses_a_missing_or_non_utf8_file_with_exit_2(tmp_path):
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("酱油,蚝油\n".encode("gbk"))
    for path, message in ((tmp_path / "missing.txt", "No such basket file"), (gbk, "UTF-8")):
        result = CliRunner().invoke(
            app,
            [
                "analytics",
                "rules",
                "--baskets",
                str(path),
                "--min-support",
                "0.2",
                "--min-confidence",
                "0.5",
            ],
        )
        assert result.exit_code == 2
        assert message in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_baskets_packed_a_block_at_a_time_give_the_same_rules(monkeypatch):
    from liveloop.analytics.baskets import tidsets

    rng = random.Random(9)
    baskets = [rng.sample("abcdefgh", rng.randint(0, 4)) for _ in range(1_000)]
    whole = mine(baskets, 0.01, 0.1, max_consequent=None)
    monkeypatch.setattr(tidsets, "BLOCK_BYTES", 8 * 64 * 3)  # blocks of 192 baskets
    assert mine(baskets, 0.01, 0.1, max_consequent=None) == whole
