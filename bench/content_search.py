"""Content search at a million items (issue 12: p95 under 20 ms over 1,000,000 items).

Builds a content library of N items (default 1,000,000) that reads like a food brand's:
titles and bodies composed from the simulator's catalog (product names and SKUs), aspects,
topics, 话术 phrases, cities and show numbers, with tags from the library's vocabulary. Rows go
into a migrated SQLite store (``content_items``, the truth) with ``executemany``; the same items
go into the tantivy index in bulk. Each fragment is cut by jieba once and its terms reused, so
building does not cut the same phrase a million times (the terms are those ``content.tokens``
gives each fragment; a whole text can cut differently only across a fragment's edge).

Then it times, over the same queries in the same run:

- ``content.service.search`` — the facade a request calls: the index's freshness check, the
  index search, the hits read back from the table (p50/p95/p99);
- the index search alone;
- baseline 1, SQLite FTS5 over the same jieba terms (unicode61 tokenizer, bm25 order, LIMIT 20):
  the library without a search engine of its own (decision 0025);
- baseline 2, SQLite ``LIKE '%word%'`` on title and body with bm25-free ranking by the number of
  query words matched (the whole table scanned), on fewer queries: it is slow.

    python -m bench.content_search            # 1,000,000 items
    python -m bench.content_search 100000     # another scale
    python -m bench.content_search --reuse    # the items the last run at that scale built
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from liveloop import schema
from liveloop.content import index as content_index
from liveloop.content import service, tokens
from liveloop.content.contracts import Topic
from liveloop.content.index import ContentIndex, IndexDoc
from liveloop.sim.catalog import CATALOG
from liveloop.sim.geo import CITIES
from liveloop.store.engine import make_engine, make_session_factory

OUT = Path(__file__).parent / "out" / "content"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUERIES = 1_000
FTS_QUERIES = 100
LIKE_QUERIES = 10

ASPECT_WORDS = {
    "price": ("价格", "多少钱", "优惠", "第二件半价", "券后到手价", "性价比"),
    "taste": ("口感", "好不好吃", "软糯", "香甜", "有嚼劲", "味道"),
    "health": ("控糖", "低GI", "升糖慢", "膳食纤维", "蛋白质", "适合糖尿病人", "减脂期"),
    "logistics": ("发货", "几天到", "顺丰冷链", "包邮", "物流"),
    "freshness": ("新鲜", "当天采摘", "保质期", "现磨", "冷链到家"),
    "packaging": ("包装", "真空", "礼盒", "小包装", "密封罐"),
    "usage": ("做法", "怎么煮", "炖汤", "蒸饭", "早餐搭配", "宝宝辅食"),
    "stock": ("库存", "还有货吗", "补货", "限量"),
    "origin": ("产地", "基地直发", "原产地", "有机认证", "溯源"),
}
TOPIC_PHRASES = {
    Topic.ORIGIN_VISIT: ("走进{city}基地", "{city}原产地探访", "跟着主播去田间", "溯源直播"),
    Topic.NUTRITION: ("营养师讲解", "一分钟看懂营养标签", "控糖人群怎么选", "升糖指数科普"),
    Topic.COOKING: ("家常做法", "三步学会", "厨房小白也能做", "电饭煲版本"),
    Topic.TESTIMONIAL: ("用户连线", "回购三次的宝妈说", "我家孩子爱吃", "老顾客好评"),
}
SCRIPT_PHRASES = (
    "家人们点点关注",
    "今天直播间专属价",
    "拍一发二",
    "坏果包赔",
    "七天无理由",
    "满99减20",
    "福袋马上开",
    "新人首单立减",
    "库存不多了抓紧",
    "主播自己家也在吃",
    "回头客都说好",
    "支持货到验收",
)
FILLER = ("每周三晚8点", "主食健康课", "第{n}期", "{city}的家人们", "限时", "今晚", "本周")
HOSTS = ("小米", "阿禾", "麦麦", "老周", "糖糖", "稻稻")


class Terms:
    """Each fragment cut once; a text's terms are its fragments' terms."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, *fragments: str) -> str:
        out = []
        for fragment in fragments:
            cut = self.cache.get(fragment)
            if cut is None:
                cut = self.cache[fragment] = tokens.indexed(fragment)
            if cut:
                out.append(cut)
        return " ".join(out)


POOL = 40_000  # distinct titles and distinct bodies; an item pairs one of each


def _titles(rng: random.Random, terms: Terms) -> list[tuple[str, str, str, str]]:
    """(title, its terms, tags as JSON, the kind's topic) — distinct titles."""
    seen: dict[str, tuple[str, str, str, str]] = {}
    topics, aspects = list(TOPIC_PHRASES), list(ASPECT_WORDS)
    while len(seen) < POOL:
        sku = rng.choice(CATALOG)
        topic, aspect = rng.choice(topics), rng.choice(aspects)
        city = rng.choice(CITIES).city.removesuffix("市")
        parts = [
            rng.choice(TOPIC_PHRASES[topic]).format(city=city),
            sku.name.split(" ")[0],
            rng.choice(ASPECT_WORDS[aspect]),
            rng.choice(FILLER).format(n=rng.randint(1, 300), city=city),
        ]
        title = "".join(parts)[:128]
        tags = json.dumps([topic.value, f"sku:{sku.sku}", f"aspect:{aspect}"], ensure_ascii=False)
        seen.setdefault(title, (title, terms(*parts), tags, topic.value))
    return list(seen.values())


def _bodies(rng: random.Random, terms: Terms) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    aspects = list(ASPECT_WORDS)
    while len(seen) < POOL:
        sku = rng.choice(CATALOG)
        city = rng.choice(CITIES).city.removesuffix("市")
        parts = [
            rng.choice(FILLER).format(n=rng.randint(1, 300), city=city),
            rng.choice(HOSTS),
            sku.name.split(" ")[0],
            sku.category,
            rng.choice(ASPECT_WORDS[rng.choice(aspects)]),
            rng.choice(ASPECT_WORDS[rng.choice(aspects)]),
            rng.choice(SCRIPT_PHRASES),
            rng.choice(SCRIPT_PHRASES),
        ]
        body = "，".join(parts)
        seen.setdefault(body, (body, terms(*parts)))
    return list(seen.values())


def items(n: int, seed: int = 12) -> Iterator[tuple[tuple, IndexDoc]]:
    """(row values, index doc) for items 1..n: a title and a body from the pools, each pair
    drawn at random (1.6 billion pairs, so items rarely repeat one another)."""
    rng = random.Random(seed)
    terms = Terms()
    titles, bodies = _titles(rng, terms), _bodies(rng, terms)
    kinds = ("clip", "clip", "recipe", "script")
    created = NOW.isoformat()
    pick = rng.randrange
    for i in range(1, n + 1):
        title, title_terms, tags, _topic = titles[pick(POOL)]
        body, body_terms = bodies[pick(POOL)]
        kind = kinds[i & 3]
        clip = kind == "clip"
        start = (i * 7919 % 14_000) * 1000
        row = (
            i,
            f"{kind}:{i}",
            kind,
            title,
            body,
            tags,
            i % 400 + 1 if clip else None,
            start if clip else None,
            start + 30_000 if clip else None,
            created,
            "bench",
            created,
            "bench",
            i,
        )
        yield row, IndexDoc(i, kind, tuple(json.loads(tags)), title_terms, body_terms)


def queries(n: int, seed: int = 99) -> list[tuple[str, tuple[str, ...]]]:
    rng = random.Random(seed)
    fixed = ["适合糖尿病人吃的杂粮", "牛腩怎么炖", "五常大米产地", "宝宝辅食做法", "鲜牛奶几天到"]
    out: list[tuple[str, tuple[str, ...]]] = [(q, ()) for q in fixed]
    while len(out) < n:
        sku = rng.choice(CATALOG)
        name = sku.name.split(" ")[0]
        aspect = rng.choice(list(ASPECT_WORDS))
        shape = rng.random()
        if shape < 0.4:
            query = f"{name}{rng.choice(ASPECT_WORDS[aspect])}"
        elif shape < 0.6:
            query = f"{rng.choice(ASPECT_WORDS[aspect])}的{sku.category}"
        elif shape < 0.8:
            query = rng.choice(ASPECT_WORDS[aspect]) + rng.choice(SCRIPT_PHRASES)
        else:
            query = name
        tags: tuple[str, ...] = ()
        if rng.random() < 0.3:
            tags = (rng.choice(list(Topic)).value,)
        out.append((query, tags))
    return out


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return at(0.50), at(0.95), at(0.99)


def timed(run: Callable[[], object], count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (this process's, all its threads) of each of ``count`` runs."""
    wall, cpu = [], []
    for _ in range(count):
        start, used = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    return wall, cpu


def build(n: int) -> tuple[Path, Path, dict[str, float]]:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    db, index_dir = OUT / "content.db", OUT / "content.db.content-index"
    engine = make_engine(f"sqlite:///{db}")
    schema.upgrade(engine)
    engine.dispose()
    figures: dict[str, float] = {}
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("CREATE VIRTUAL TABLE terms USING fts5(title, body, tokenize='unicode61')")
    index = ContentIndex(index_dir)
    rows: list[tuple] = []
    docs: list[IndexDoc] = []
    start = time.perf_counter()
    for row, doc in items(n):
        rows.append(row)
        docs.append(doc)
    figures["generate_s"] = time.perf_counter() - start
    start = time.perf_counter()
    connection.executemany(
        "INSERT INTO content_items (id, key, kind, title, body, tags, live_session_id, start_ms,"
        " end_ms, created_at, created_by, updated_at, updated_by, revision)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    figures["table_s"] = time.perf_counter() - start
    start = time.perf_counter()
    index.write(iter(docs), revision=n, everything=True, heap_bytes=600_000_000, threads=2)
    figures["index_s"] = time.perf_counter() - start
    start = time.perf_counter()
    connection.executemany(
        "INSERT INTO terms (rowid, title, body) VALUES (?, ?, ?)",
        ((d.id, d.title, d.body) for d in docs),
    )
    connection.commit()
    figures["fts5_s"] = time.perf_counter() - start
    connection.close()
    figures["index_mb"] = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20
    return db, index_dir, figures


def built(n: int) -> tuple[Path, Path] | None:
    """The store and index of an earlier run at this scale (``--reuse``), if there is one."""
    try:
        if json.loads((OUT / "built.json").read_text())["n"] == n:
            return OUT / "content.db", OUT / "content.db.content-index"
    except (OSError, ValueError, KeyError):
        pass
    return None


def report(label: str, samples: tuple[list[float], list[float]]) -> tuple[float, float, float]:
    """A table row: wall-clock p50/p95/p99, then the CPU time's p50/p95 (what one core spends
    on a query, whatever else the machine runs)."""
    wall, cpu = samples
    p50, p95, p99 = percentiles(wall)
    c50, c95, _ = percentiles(cpu)
    print(
        f"| {label} | {len(wall)} | {p50:.2f} | {p95:.2f} | {p99:.2f} | {c50:.2f} | {c95:.2f} |",
        flush=True,
    )
    return p50, p95, p99


def main(n: int, reuse: bool) -> None:
    earlier = built(n) if reuse else None
    if earlier:
        db, index_dir = earlier
        print(f"reusing the {n:,} items built before in {OUT}")
    else:
        print(f"building {n:,} items …", flush=True)
        db, index_dir, figures = build(n)
        (OUT / "built.json").write_text(json.dumps({"n": n, **figures}))
        print(
            f"generated {figures['generate_s']:.1f} s, table {figures['table_s']:.1f} s, "
            f"tantivy index {figures['index_s']:.1f} s ({figures['index_mb']:.0f} MB), "
            f"FTS5 {figures['fts5_s']:.1f} s",
            flush=True,
        )
    url = f"sqlite:///{db}"
    content_index.bind(url, index_dir)
    engine = make_engine(url, read_only=True)
    sessions = make_session_factory(engine)
    asked = queries(QUERIES)
    index = content_index.for_store(url)
    found: list[int] = []
    print(
        "| search | queries | p50 (ms) | p95 (ms) | p99 (ms) | CPU p50 (ms) | CPU p95 (ms) |\n"
        "|---|---:|---:|---:|---:|---:|---:|"
    )

    with sessions() as session:
        service.search(session, "预热")  # jieba and the index opened before timing
        each = iter(asked)

        def facade_search() -> None:
            query, tags = next(each)
            found.append(len(service.search(session, query, tags=tags, limit=20)))

        samples = timed(facade_search, len(asked))
    facade = report("content.service.search (tantivy + jieba, rows read back)", samples)

    cut = [(tokens.query_terms(q), tags) for q, tags in asked]
    it = iter(cut)

    def index_only() -> None:
        (own, related), tags = next(it)
        index.search(own, related, tags=tags, limit=20)

    report("the tantivy index alone", timed(index_only, len(cut)))

    connection = sqlite3.connect(db)
    fts_each = iter(cut[:FTS_QUERIES])

    def fts5() -> None:
        (own, _), _tags = next(fts_each)
        match = " OR ".join(f'"{t}"' for t in own)
        connection.execute(
            "SELECT rowid FROM terms WHERE terms MATCH ? ORDER BY bm25(terms, 2.0, 1.0) LIMIT 20",
            (match,),
        ).fetchall()

    fts = report("baseline: SQLite FTS5 over the same terms, bm25", timed(fts5, FTS_QUERIES))
    like_each = iter(cut[:LIKE_QUERIES])

    def like_scan() -> None:
        (own, _), _tags = next(like_each)
        words = own[:4]
        score = " + ".join("((title LIKE ?) OR (body LIKE ?))" for _ in words)
        where = " OR ".join("title LIKE ? OR body LIKE ?" for _ in words)
        args = [f"%{w}%" for w in words for _ in (0, 1)]
        connection.execute(
            f"SELECT id FROM content_items WHERE {where} ORDER BY {score} DESC LIMIT 20",
            args + args,
        ).fetchall()

    like = report("baseline: SQLite LIKE '%word%', whole table", timed(like_scan, LIKE_QUERIES))
    connection.close()
    engine.dispose()
    print(
        f"\n{n:,} items; {len(asked)} queries (30% with a topic tag); hits per query: median "
        f"{statistics.median(found):.0f}; p95 ratio FTS5 / service.search "
        f"{fts[1] / facade[1]:.1f}×, LIKE / service.search {like[1] / facade[1]:.0f}×"
    )


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else 1_000_000, reuse="--reuse" in sys.argv)
