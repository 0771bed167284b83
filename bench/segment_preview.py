"""Segment preview at a million customers on the embedded SQLite store (issue 6: < 1 s).

Builds (once, cached under bench/out/) a store migrated like any other, filled directly with
synthetic but brand-shaped rows: 1,000,000 customers (2% merged away) with province/city
weighted like the simulator's, tiers, traits; ~2.6M orders / ~3.4M order lines over two years
on the simulator's catalog; 200 lives with Joined/Left events carrying watch time; Product
Viewed, Order Completed and other tracked events (~9M events in all); tags, consents, analytics
scores and profile counters for everyone. Indexes are dropped for the bulk load and re-created
with the migration's own definitions.

Then it times ``segments.service.preview`` (count + 20-person sample) for the issue's example
rules, and the same rules evaluated by a named baseline in the same run: pandas over the same
rows already in memory (vectorised set operations; loading them from the store is timed once,
separately). Counts must agree.

    python -m bench.segment_preview             # 1,000,000 customers
    python -m bench.segment_preview 100000      # another scale
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from liveloop import schema
from liveloop.segments.service import members_among, parse_rule, preview
from liveloop.sim.catalog import CATALOG
from liveloop.sim.geo import CITIES
from liveloop.store.engine import make_engine, make_session_factory, transaction

OUT = Path(__file__).parent / "out"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=730)
LIVES = 150
BIG_TABLES = (
    "customers",
    "orders",
    "order_items",
    "events",
    "customer_tags",
    "customer_consents",
    "customer_scores",
    "profile_counters",
    "live_attendance",
)
TAGS = ("烘焙爱好者", "关注健康", "价格敏感型", "活跃于晚间时段", "宝妈", "咖啡爱好者")
TAG_SHARE = (0.08, 0.15, 0.3, 0.25, 0.12, 0.06)
TIERS = ("普通", "银卡", "金卡", "钻石")
RFM = ("新客", "VIP", "活跃客", "沉睡客", "流失客")
RISK = ("低", "中", "高")
STAGES = ("引入期", "成长期", "成熟期", "休眠期", "流失期")


def ts(seconds: np.ndarray) -> list[str]:
    """Epoch seconds as the store's SQLite text timestamps (UTC, naive)."""
    text = np.char.replace(
        np.datetime_as_string(seconds.astype("datetime64[s]"), unit="us"), "T", " "
    )
    return text.tolist()


def sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build(path: Path, n: int, seed: int = 6) -> None:
    rng = np.random.default_rng(seed)
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA foreign_keys=OFF")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type='index' AND sql IS NOT NULL AND tbl_name IN "
        f"({','.join('?' * len(BIG_TABLES))})",
        BIG_TABLES,
    ).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')
    t0 = time.perf_counter()
    start_s, now_s = int(START.timestamp()), int(NOW.timestamp())

    # --- catalog, lives ---
    db.executemany(
        "INSERT INTO products (id, sku, name, category, price, shelf_life_days, cold_chain, "
        "regions, active, created_at) VALUES (?,?,?,?,?,?,?,?,1,?)",
        [
            (
                i + 1,
                s.sku,
                s.name,
                s.category,
                int(s.price * 100),
                s.shelf_life_days,
                int(s.cold_chain),
                json.dumps(list(s.regions), ensure_ascii=False),
                sqlite_time(START),
            )
            for i, s in enumerate(CATALOG)
        ],
    )
    live_start = np.sort(rng.integers(start_s, now_s - 3600 * 6, LIVES))
    db.executemany(
        "INSERT INTO live_sessions (id, room, title, host, platform, status, scheduled_at, "
        "started_at, ended_at, peak_viewers, costs) VALUES (?,?,?,?,?,?,?,?,?,0,'{}')",
        [
            (i + 1, "main", f"直播 {i + 1}", "主播", "wechat_channels", "ended", t, t, e)
            for i, (t, e) in enumerate(zip(ts(live_start), ts(live_start + 7200), strict=True))
        ],
    )

    # --- customers ---
    ids = np.arange(1, n + 1)
    weights = np.array([c.weight for c in CITIES], dtype=float)
    city = rng.choice(len(CITIES), n, p=weights / weights.sum())
    tier = rng.choice(len(TIERS), n, p=[0.55, 0.25, 0.15, 0.05])
    member = rng.random(n) < 0.6
    created = rng.integers(start_s, now_s, n)
    birthday = rng.integers(-7000, 12000, n).astype("datetime64[D]").astype(str).tolist()
    merged = rng.random(n) < 0.02
    created_s = ts(created)
    diet = rng.choice(["素食", "无", "低糖"], n, p=[0.1, 0.8, 0.1])
    db.executemany(
        "INSERT INTO customers (id, oneid, name, gender, birthday, province, city, member_tier, "
        "traits, merged_into_id, version, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?)",
        (
            (
                i,
                f"O{i:09d}",
                "张秀英" if i % 2 else "李静",
                "女" if i % 3 else "男",
                birthday[i - 1] if member[i - 1] else None,
                CITIES[city[i - 1]].province if member[i - 1] else None,
                CITIES[city[i - 1]].city if member[i - 1] else None,
                TIERS[tier[i - 1]] if member[i - 1] else None,
                f'{{"diet":"{diet[i - 1]}"}}',
                (i - 1 if i > 1 else None) if merged[i - 1] else None,
                created_s[i - 1],
                created_s[i - 1],
            )
            for i in ids.tolist()
        ),
    )

    # --- orders and lines ---
    buys = rng.poisson(3.2, n) * (rng.random(n) < 0.82)
    buyer = np.repeat(ids, buys)
    m = len(buyer)
    placed = np.maximum(created[buyer - 1], rng.integers(start_s, now_s, m))
    status = rng.choice(["paid", "completed", "refunded"], m, p=[0.18, 0.78, 0.04])
    in_live = rng.random(m) < 0.25
    live_of = rng.integers(1, LIVES + 1, m)
    lines = 1 + (rng.random(m) < 0.3) + (rng.random(m) < 0.08)
    sku_ix = rng.integers(0, len(CATALOG), int(lines.sum()))
    prices = np.array([int(s.price * 100) for s in CATALOG])
    qty = 1 + (rng.random(len(sku_ix)) < 0.2)
    line_total = prices[sku_ix] * qty
    order_of_line = np.repeat(np.arange(1, m + 1), lines)
    totals = np.bincount(order_of_line, weights=line_total, minlength=m + 1)[1:].astype(int)
    placed_s = ts(placed)
    db.executemany(
        "INSERT INTO orders (id, order_no, customer_id, channel, status, total, discount, "
        "live_session_id, placed_at, attributes, updated_at) VALUES (?,?,?,?,?,?,0,?,?,'{}',?)",
        (
            (
                o + 1,
                f"SO{o + 1:010d}",
                b,
                "live" if lv else "mini_program",
                st,
                tot,
                lid if lv else None,
                p,
                p,
            )
            for o, (b, st, tot, lv, lid, p) in enumerate(
                zip(
                    buyer.tolist(),
                    status.tolist(),
                    totals.tolist(),
                    in_live.tolist(),
                    live_of.tolist(),
                    placed_s,
                    strict=True,
                )
            )
        ),
    )
    starts = np.cumsum(lines) - lines
    numbers = np.arange(len(sku_ix)) - np.repeat(starts, lines) + 1
    db.executemany(
        "INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) "
        "VALUES (?,?,?,?,?)",
        zip(
            order_of_line.tolist(),
            numbers.tolist(),
            (sku_ix + 1).tolist(),
            qty.tolist(),
            prices[sku_ix].tolist(),
            strict=True,
        ),
    )

    # --- events ---
    next_id = [0]

    def events(rows: Any) -> None:
        def numbered() -> Any:
            for name, customer, at, props in rows:
                next_id[0] += 1
                yield (next_id[0], f"m{next_id[0]:012d}", name, customer, props, at, at)

        db.executemany(
            "INSERT INTO events (id, message_id, type, name, customer_id, properties, context, "
            "timestamp, received_at, source) VALUES (?,?,'track',?,?,?,'{}',?,?,'bench')",
            numbered(),
        )

    # live viewing: 35% of people watch; each live draws ~5-9k of them plus the loyal fans
    viewers = ids[rng.random(n) < 0.35]
    for live in range(LIVES):
        k = int(rng.integers(5_000, 9_000) * n / 1_000_000)
        who = rng.choice(viewers, k, replace=False)
        # loyal fans keep coming back: a fixed 1.5% of viewers are in every live
        who = np.union1d(who, viewers[: max(1, len(viewers) // 66)])
        joined = live_start[live] + rng.integers(0, 3600, len(who))
        watched = rng.lognormal(np.log(20 * 60), 0.8, len(who)).astype(int)
        left = joined + watched
        events(
            ("Live Joined", c, t, f'{{"live_session_id":{live + 1},"room":"main"}}')
            for c, t in zip(who.tolist(), ts(joined), strict=True)
        )
        events(
            (
                "Live Left",
                c,
                t,
                f'{{"live_session_id":{live + 1},"room":"main","watch_seconds":{w}}}',
            )
            for c, t, w in zip(who.tolist(), ts(left), watched.tolist(), strict=True)
        )
    # product views and other tracked events
    views = int(1.5 * n)
    who = rng.integers(1, n + 1, views)
    at = rng.integers(start_s, now_s, views)
    sku = rng.integers(0, len(CATALOG), views)
    skus = [s.sku for s in CATALOG]
    events(
        ("Product Viewed", c, t, f'{{"sku":"{skus[s]}","price":19.9}}')
        for c, t, s in zip(who.tolist(), ts(at), sku.tolist(), strict=True)
    )
    events(
        ("Order Completed", c, t, '{"total":"59.00"}')
        for c, t in zip(buyer.tolist(), placed_s, strict=True)
    )
    other = int(1.0 * n)
    who = rng.integers(1, n + 1, other)
    at = rng.integers(start_s, now_s, other)
    names = rng.choice(
        ["Page Viewed", "Product Added", "Checkout Started", "Live Comment Posted"], other
    )
    events((nm, c, t, "{}") for nm, c, t in zip(names.tolist(), who.tolist(), ts(at), strict=True))

    # --- tags, consents, scores, counters ---
    rows = []
    for tag, share in zip(TAGS, TAG_SHARE, strict=True):
        for c in ids[rng.random(n) < share].tolist():
            rows.append((c, tag, "rule:1", created_s[c - 1]))
    db.executemany(
        "INSERT INTO customer_tags (customer_id, tag, source, tagged_at) VALUES (?,?,?,?)", rows
    )
    rows = []
    for channel, share in (("sms", 0.7), ("wecom", 0.5), ("email", 0.2)):
        said = ids[member & (rng.random(n) < 0.9)]
        granted = rng.random(len(said)) < share
        rows += [
            (c, channel, int(g), "crm", created_s[c - 1])
            for c, g in zip(said.tolist(), granted.tolist(), strict=True)
        ]
    db.executemany(
        "INSERT INTO customer_consents (customer_id, channel, granted, source, updated_at) "
        "VALUES (?,?,?,?,?)",
        rows,
    )
    del rows
    orders_n = np.bincount(buyer, minlength=n + 1)[1:]
    spend = np.bincount(buyer, weights=totals, minlength=n + 1)[1:].astype(int)
    last = np.zeros(n + 1, dtype=np.int64)
    np.maximum.at(last, buyer, placed)
    last = last[1:]
    last_s = ts(last)
    group = rng.choice(len(RFM), n)
    risk = rng.choice(len(RISK), n, p=[0.5, 0.3, 0.2])
    stage = rng.choice(len(STAGES), n)
    clv = (rng.gamma(2, 150, n) * 100).astype(int)
    p_alive = rng.random(n)
    now_text = sqlite_time(NOW)
    db.executemany(
        "INSERT INTO customer_scores (customer_id, scored_at, run_id, recency_days, frequency, "
        "rfm_group, lifecycle_stage, p_alive, clv_12m, churn_risk) VALUES (?,?,1,?,?,?,?,?,?,?)",
        (
            (
                i,
                now_text,
                int((now_s - last[i - 1]) // 86400),
                int(orders_n[i - 1]),
                RFM[group[i - 1]],
                STAGES[stage[i - 1]],
                float(p_alive[i - 1]),
                int(clv[i - 1]),
                RISK[risk[i - 1]],
            )
            for i in ids[orders_n > 0].tolist()
        ),
    )
    db.executemany(
        "INSERT INTO profile_counters (customer_id, orders, coupon_orders, refunds, spend, "
        "first_order_at, last_order_at, categories, lives_attended, watch_seconds, events, hours, "
        "last_active_at) VALUES (?,?,0,0,?,NULL,?,'[]',0,0,0,'[]',NULL)",
        (
            (i, int(orders_n[i - 1]), int(spend[i - 1]), last_s[i - 1] if orders_n[i - 1] else None)
            for i in ids.tolist()
        ),
    )
    db.commit()
    t1 = time.perf_counter()
    for _, sql in indexes:
        db.execute(sql)
    db.execute("ANALYZE")
    db.commit()
    db.close()
    print(
        f"built {n:,} customers in {t1 - t0:.0f} s, "
        f"indexes + ANALYZE {time.perf_counter() - t1:.0f} s"
    )


# --- the example rules ------------------------------------------------------------------
RULES: dict[str, dict[str, Any]] = {
    "烘焙爱好者, no purchase in 7 days": {
        "and": [
            {"type": "tag", "tag": "烘焙爱好者"},
            {"not": {"type": "order", "within": {"days": 7}}},
        ]
    },
    "≥15 min in each of the last 3 lives, bought nothing": {
        "and": [
            {"type": "live", "last": 3, "min_minutes": 15},
            {"not": {"type": "order", "within": {"last_lives": 3}}},
        ]
    },
    "bought A (30 d) and viewed B (7 d)": {
        "and": [
            {"type": "order", "sku": [CATALOG[0].sku], "within": {"days": 30}},
            {
                "type": "event",
                "name": "Product Viewed",
                "within": {"days": 7},
                "where": [{"property": "sku", "op": "eq", "value": CATALOG[1].sku}],
            },
        ]
    },
    "广东 金卡 with SMS consent": {
        "and": [
            {"type": "trait", "field": "province", "value": "广东省"},
            {"type": "trait", "field": "member_tier", "value": "金卡"},
            {"type": "consent", "channel": "sms"},
        ]
    },
    "沉睡客 at high churn risk": {
        "and": [
            {"type": "score", "field": "rfm_group", "value": "沉睡客"},
            {"type": "score", "field": "churn_risk", "value": "高"},
        ]
    },
    f"≥2 orders of {CATALOG[0].category} in 90 days": {
        "type": "order",
        "category": [CATALOG[0].category],
        "within": {"days": 90},
        "count": {"op": "gte", "value": 2},
    },
}


class Frames:
    """The same rows in pandas, for the baseline."""

    def __init__(self, path: Path) -> None:
        import pandas as pd

        db = sqlite3.connect(path)
        read = lambda sql: pd.read_sql_query(sql, db)  # noqa: E731
        self.customers = read("SELECT id, province, member_tier, merged_into_id FROM customers")
        self.orders = read("SELECT id, customer_id, status, placed_at FROM orders")
        self.orders["placed_at"] = pd.to_datetime(self.orders["placed_at"])
        self.items = read("SELECT order_id, product_id FROM order_items")
        self.products = read("SELECT id, sku, category FROM products")
        self.tags = read("SELECT customer_id, tag FROM customer_tags")
        self.consents = read("SELECT customer_id, channel, granted FROM customer_consents")
        self.scores = read("SELECT customer_id, rfm_group, churn_risk FROM customer_scores")
        ev = read(
            "SELECT customer_id, name, timestamp, properties FROM events "
            "WHERE name IN ('Live Left', 'Product Viewed')"
        )
        ev["timestamp"] = pd.to_datetime(ev["timestamp"])
        props = ev["properties"].map(json.loads)
        ev["live"] = props.map(lambda p: p.get("live_session_id"))
        ev["watch"] = props.map(lambda p: p.get("watch_seconds"))
        ev["sku"] = props.map(lambda p: p.get("sku"))
        self.events = ev.drop(columns="properties")
        self.lives = read("SELECT id, started_at FROM live_sessions")
        self.lives["started_at"] = pd.to_datetime(self.lives["started_at"])
        db.close()
        self.now = pd.Timestamp(NOW.replace(tzinfo=None))

    def alive(self) -> set[int]:
        c = self.customers
        return set(c.id[c.merged_into_id.isna()])

    def bought(
        self,
        since: Any,
        skus: list[str] | None = None,
        category: str | None = None,
        at_least: int = 1,
    ) -> set[int]:
        o = self.orders
        o = o[
            o.status.isin(["paid", "completed"])
            & (o.placed_at >= since)
            & (o.placed_at <= self.now)
        ]
        if skus or category:
            p = self.products
            ids = p.id[p.sku.isin(skus or []) | (p.category == category)]
            hit = self.items.order_id[self.items.product_id.isin(ids)].unique()
            o = o[o.id.isin(hit)]
        counts = o.groupby("customer_id").size()
        return set(counts.index[counts >= at_least])

    def evaluate(self, name: str) -> set[int]:
        now, day = self.now, np.timedelta64(1, "D")
        alive = self.alive()
        if name.startswith("烘焙爱好者"):
            bakers = set(self.tags.customer_id[self.tags.tag == "烘焙爱好者"])
            return (bakers - self.bought(now - 7 * day)) & alive
        if name.startswith("≥15 min"):
            last3 = self.lives[self.lives.started_at <= now].nlargest(3, "started_at")
            ev = self.events
            ev = ev[(ev.name == "Live Left") & ev.live.isin(last3.id) & (ev.timestamp <= now)]
            per = ev.groupby(["customer_id", "live"]).watch.sum()
            per = per[per >= 15 * 60].reset_index().groupby("customer_id").size()
            watchers = set(per.index[per >= 3])
            return (watchers - self.bought(last3.started_at.min())) & alive
        if name.startswith("bought A"):
            ev = self.events
            viewed = ev[
                (ev.name == "Product Viewed")
                & (ev.sku == CATALOG[1].sku)
                & (ev.timestamp >= now - 7 * day)
                & (ev.timestamp <= now)
            ]
            return (
                self.bought(now - 30 * day, skus=[CATALOG[0].sku]) & set(viewed.customer_id) & alive
            )
        if name.startswith("广东"):
            c = self.customers
            people = set(c.id[(c.province == "广东省") & (c.member_tier == "金卡")])
            k = self.consents
            return people & set(k.customer_id[(k.channel == "sms") & (k.granted == 1)]) & alive
        if name.startswith("沉睡客"):
            s = self.scores
            return set(s.customer_id[(s.rfm_group == "沉睡客") & (s.churn_risk == "高")]) & alive
        return self.bought(now - 90 * day, category=CATALOG[0].category, at_least=2) & alive


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main(n: int = 1_000_000, profile: bool = False) -> None:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"segments-{n}.db"
    if not path.exists():
        partial = path.with_suffix(".building")
        for leftover in OUT.glob(f"{partial.name}*"):
            leftover.unlink()
        build(partial, n)
        partial.rename(path)
    engine = make_engine(f"sqlite:///{path}", read_only=True)
    factory = make_session_factory(engine)
    migrate_ok = schema.is_current(engine)
    assert migrate_ok, "the cached bench store is behind the migrations; delete it and rerun"
    load = os.getloadavg()
    print(f"segment preview at {n:,} customers (load average {load[0]:.2f}, 2 cores)")
    t = time.perf_counter()
    frames = Frames(path)
    print(
        f"baseline: loading the rows into pandas took {time.perf_counter() - t:.1f} s "
        "(not in the ratios)"
    )
    print("| rule | members | liveloop preview (s) | pandas in memory (s) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, doc in RULES.items():
        rule = parse_rule(doc)
        with transaction(factory) as session:
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
                preview(session, rule, NOW)
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False))
            ours, result = timed(lambda: preview(session, rule, NOW))  # noqa: B023
        theirs, expected = timed(lambda: frames.evaluate(name))  # noqa: B023
        status = "" if result.count == len(expected) else f" MISMATCH pandas={len(expected)}"
        print(
            f"| {name} | {result.count:,}{status} | {ours:.3f} | {theirs:.3f} "
            f"| {theirs / ours:.1f}× |"
        )
    among(factory, n)
    engine.dispose()
    refresh(path)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def among(factory: Any, n: int) -> None:
    """The journeys' branch check: 500 people at a time against each rule."""
    rng = np.random.default_rng(1)
    batch = sorted(set(rng.integers(1, n + 1, 500).tolist()))
    print()
    print("| rule | members_among, 500 ids (s) |")
    print("|---|---:|")
    for name, doc in RULES.items():
        rule = parse_rule(doc)
        with transaction(factory) as session:
            seconds, _ = timed(lambda: members_among(session, rule, batch, NOW))  # noqa: B023
        print(f"| {name} | {seconds:.3f} |")


def refresh(path: Path) -> None:
    """A saved segment's first refresh (every member enters, one event each) and a second one
    with nothing changed; rolled back, so the cached store stays as built."""
    from liveloop.segments.service import create_segment, refresh_memberships

    engine = make_engine(f"sqlite:///{path}")
    print()
    print("| segment | first refresh (s) | entered | refresh, nothing changed (s) |")
    print("|---|---:|---:|---:|")
    for name in list(RULES)[:2]:
        with make_session_factory(engine)() as session:
            made = create_segment(session, name=name, rule=RULES[name], created_by="bench", now=NOW)
            t = time.perf_counter()
            first = refresh_memberships(session, NOW, made.id)[made.id]
            took = time.perf_counter() - t
            again, _ = timed(lambda: refresh_memberships(session, NOW, made.id), repeat=1)  # noqa: B023
            session.rollback()
        print(f"| {name} | {took:.2f} | {first.entered:,} | {again:.3f} |")
    engine.dispose()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 1_000_000, profile="--profile" in sys.argv)
