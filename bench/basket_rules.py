"""Association rules on the simulator's 1M-people orders: liveloop's ``mine`` against mlxtend's
``TransactionEncoder`` + ``fpgrowth`` + ``association_rules`` on the same baskets, in the same
run (issue 5 asks for ≥ 10×, with the same rules and measures). Also timed: ``mine_lines``
on the order lines' Arrow columns, the path an analytics job takes (no Python list per order).

Baskets are orders: each order's lines, as product names (Chinese), cached simulation from
bench.identity_recompute; building the Python lists is not timed. Thresholds: min_support 0.001
(an itemset in at least ~0.1% of orders), min_confidence 0.1, itemsets of any length and
consequents of any size on both sides, so both produce every rule.

    python -m bench.basket_rules              # 1,000,000 people, every order
    python -m bench.basket_rules 100000       # another scale
    python -m bench.basket_rules 1000000 200000   # mlxtend on a sample of 200,000 orders
"""

from __future__ import annotations

import gc
import math
import resource
import sys
import time
import warnings

import pyarrow as pa

from bench.identity_recompute import simulation
from liveloop.analytics.baskets import mine, mine_lines

MIN_SUPPORT = 0.001
MIN_CONFIDENCE = 0.1


def lines_of(people: int) -> pa.Table:
    """Order lines: order_no and the product's name."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    sim = simulation(people)
    catalog = pq.read_table(sim / "catalog.parquet", columns=["sku", "name"])
    lines = pq.read_table(sim / "order_items.parquet", columns=["order_no", "sku"])
    names = catalog.column("name").take(pc.index_in(lines.column("sku"), catalog.column("sku")))
    return pa.table({"order_no": lines.column("order_no"), "name": names})


def baskets_of(lines: pa.Table) -> list[list[str]]:
    """Every order's product names, one list per order."""
    grouped = lines.group_by("order_no", use_threads=False).aggregate([("name", "list")])
    return grouped.column("name_list").to_pylist()


def mlxtend_rules(baskets: list[list[str]]) -> dict[tuple[tuple[str, ...], tuple[str, ...]], tuple]:
    import pandas as pd
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from mlxtend.preprocessing import TransactionEncoder

    encoder = TransactionEncoder()
    frame = pd.DataFrame(encoder.fit(baskets).transform(baskets), columns=encoder.columns_)
    itemsets = fpgrowth(frame, min_support=MIN_SUPPORT, use_colnames=True)
    rules = association_rules(
        itemsets,
        len(baskets),
        metric="confidence",
        min_threshold=MIN_CONFIDENCE,
        return_metrics=["support", "confidence", "lift"],
    )
    return {
        (tuple(sorted(a)), tuple(sorted(c))): (s, conf, lift)
        for a, c, s, conf, lift in zip(
            rules.antecedents,
            rules.consequents,
            rules.support,
            rules.confidence,
            rules.lift,
            strict=True,
        )
    }


def timed(function, *args):  # type: ignore[no-untyped-def]
    gc.collect()
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main(people: int = 1_000_000, peer_sample: int | None = None) -> dict[str, float]:
    lines = lines_of(people)
    baskets = baskets_of(lines)
    ours, ours_s = timed(mine, baskets, MIN_SUPPORT, MIN_CONFIDENCE, None, None)
    longest = max(len(s.items) for s in ours.itemsets)
    print(
        f"{len(baskets):,} baskets, {lines.num_rows:,} lines: liveloop mine {ours_s:.2f} s, "
        f"{len(ours.itemsets)} itemsets (longest {longest}), {len(ours.rules)} rules",
        flush=True,
    )
    from_arrow, arrow_s = timed(
        mine_lines, lines["order_no"], lines["name"], MIN_SUPPORT, MIN_CONFIDENCE, None, None
    )
    assert from_arrow == ours
    print(f"mine_lines on the Arrow columns: {arrow_s:.2f} s (same result)", flush=True)
    sample = baskets if peer_sample is None else baskets[:peer_sample]
    if sample is not baskets:
        ours, ours_s = timed(mine, sample, MIN_SUPPORT, MIN_CONFIDENCE, None, None)
        print(f"sample of {len(sample):,} baskets: liveloop {ours_s:.2f} s", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, peer_s = timed(mlxtend_rules, sample)
    mine_rules = {(r.antecedents, r.consequents): r for r in ours.rules}
    assert mine_rules.keys() == theirs.keys(), "different rules"
    for key, (support, confidence, lift) in theirs.items():
        rule = mine_rules[key]
        assert math.isclose(rule.support, support, abs_tol=1e-9)
        assert math.isclose(rule.confidence, confidence, abs_tol=1e-9)
        assert math.isclose(rule.lift, lift, rel_tol=1e-12, abs_tol=1e-9)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"on {len(sample):,} baskets: liveloop {ours_s:.2f} s, mlxtend {peer_s:.2f} s "
        f"(TransactionEncoder + fpgrowth + association_rules); {peer_s / ours_s:.1f}x faster; "
        f"same {len(theirs)} rules and measures; peak RSS {peak_mb:,.0f} MB"
    )
    return {
        "baskets": float(len(sample)),
        "liveloop_seconds": ours_s,
        "mlxtend_seconds": peer_s,
        "speedup": peer_s / ours_s,
        "mine_lines_seconds": arrow_s,
        "rules": float(len(theirs)),
    }


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
