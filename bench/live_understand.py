"""Comment understanding speed: liveloop's ``understand`` (normalise, jieba with our dictionary,
the cue automaton, one sparse product through the three-head classifier) in batches and one
comment at a time, against two baselines in the same run: the cue-word first cut it replaced
(substring tests after the same normalisation) and ``jieba.lcut`` alone on each raw comment
(tokenising, no reading). Issue 12 asks for ≥ 5,000 comments/s on one core in batches and
under 20 ms p95 for one comment.

Comments: the shipped set's texts and the simulator's live comments, mixed, each used once per
pass (nothing is cached between comments). Training (first use) is timed apart.

    python -m bench.live_understand            # 20,000 comments, batches of 500
    python -m bench.live_understand 50000 1000

One core: the sparse product is single-threaded (run under `taskset -c 0` to be sure).
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time

from liveloop.live.contracts import Aspect, Intent, Reading, Sentiment
from liveloop.live.understand import dataset, understand, warm_understanding
from liveloop.live.understand.normalise import normalise
from liveloop.live.understand.tokens import _tokenizer
from liveloop.sim.catalog import CATALOG
from liveloop.sim.comments import intent_mix, make_comment


def corpus(n: int) -> list[str]:
    """``n`` distinct comments (after normalisation): the shipped set's texts, then the
    simulator's, each made distinct by a viewer's number where the templates repeat (a batch
    of distinct comments gets no help from ``understand`` reading a repeated text once)."""
    rng = random.Random(12)
    texts = [row.text for row in dataset.comments()]
    seen = {normalise(text) for text in texts}
    while len(texts) < n:
        need = rng.choice((None, None, "糖尿病", "高血压", "减脂"))
        mix = intent_mix(health_need=need is not None, price_sensitive=rng.random() < 0.3)
        product = rng.choice(CATALOG).name.split()[0]
        text = make_comment(rng, mix, product, "广州市", need).text
        if normalise(text) in seen:
            text = f"{text} {rng.randint(1, 10**6)}"
        seen.add(normalise(text))
        texts.append(text)
    rng.shuffle(texts)
    return texts[:n]


def first_cut(texts: list[str]) -> list[Reading]:
    """The cue-word reading that came before the classifier (commit b6032dd), for the ratio."""
    out = []
    for text in texts:
        plain = normalise(text)
        if any(c in plain for c in ("吗", "?", "？", "怎么", "多少", "能不能", "什么")):
            intent, sentiment = Intent.QUESTION, Sentiment.NEUTRAL
        elif any(c in plain for c in ("差", "退", "坏", "慢", "投诉")):
            intent, sentiment = Intent.COMPLAINT, Sentiment.NEGATIVE
        elif any(c in plain for c in ("拍了", "下单", "买了", "要", "抢")):
            intent, sentiment = Intent.PURCHASE, Sentiment.POSITIVE
        elif any(c in plain for c in ("好吃", "赞", "喜欢", "好")):
            intent, sentiment = Intent.PRAISE, Sentiment.POSITIVE
        else:
            intent, sentiment = Intent.CHITCHAT, Sentiment.NEUTRAL
        aspect = next((a for c, a in _FIRST_CUT_ASPECTS if c in plain), Aspect.NONE)
        out.append(Reading(plain, intent, aspect, sentiment))
    return out


_FIRST_CUT_ASPECTS = (
    ("多少钱", Aspect.PRICE),
    ("价", Aspect.PRICE),
    ("味", Aspect.TASTE),
    ("糖", Aspect.HEALTH),
    ("发货", Aspect.LOGISTICS),
    ("新鲜", Aspect.FRESHNESS),
    ("包装", Aspect.PACKAGING),
    ("怎么", Aspect.USAGE),
    ("库存", Aspect.STOCK),
    ("产地", Aspect.ORIGIN),
)


def per_second(read, texts: list[str], batch: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Comments per second of wall time and per second of this process's CPU time (the
    figure for one core when the machine's cores are shared with other work)."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), batch):
        read(texts[start : start + batch])
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    return len(texts) / wall_s, len(texts) / cpu_s


def latencies_ms(read, texts: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    gc.collect()
    out = []
    for text in texts:
        started = time.perf_counter()
        read([text])
        out.append((time.perf_counter() - started) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(n: int = 20_000, batch: int = 500) -> dict[str, float]:
    started = time.perf_counter()
    warm_understanding()
    trained_s = time.perf_counter() - started
    texts = corpus(n)
    tokenizer = _tokenizer()

    def jieba_alone(batch_texts: list[str]) -> None:
        for text in batch_texts:
            tokenizer.lcut(text)

    understand(texts[:1_000])  # warm caches (OpenCC, the automaton), not timed
    ours = per_second(understand, texts, batch)
    cut = per_second(first_cut, texts, batch)
    jieba = per_second(jieba_alone, texts, batch)
    single = texts[: min(3_000, n)]
    ours_ms = latencies_ms(understand, single)
    jieba_ms = latencies_ms(jieba_alone, single)
    print(
        f"trained on first use in {trained_s:.2f} s (dictionary, features, three heads)\n"
        f"{n:,} comments in batches of {batch}, per s of wall (of CPU): "
        f"understand {ours[0]:,.0f} ({ours[1]:,.0f}), first cut {cut[0]:,.0f} ({cut[1]:,.0f}), "
        f"jieba.lcut alone {jieba[0]:,.0f} ({jieba[1]:,.0f}); understand / jieba alone "
        f"{ours[1] / jieba[1]:.2f}, / first cut {ours[1] / cut[1]:.2f} (CPU)\n"
        f"one comment at a time ({len(single):,}): understand p50 {p(ours_ms, 50):.3f} ms, "
        f"p95 {p(ours_ms, 95):.3f} ms, p99 {p(ours_ms, 99):.3f} ms, max {max(ours_ms):.2f} ms; "
        f"jieba.lcut alone p95 {p(jieba_ms, 95):.3f} ms"
    )
    return {
        "trained_seconds": trained_s,
        "batch_per_second": ours[0],
        "batch_per_cpu_second": ours[1],
        "first_cut_per_cpu_second": cut[1],
        "jieba_per_cpu_second": jieba[1],
        "single_p95_ms": p(ours_ms, 95),
        "single_p99_ms": p(ours_ms, 99),
    }


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
