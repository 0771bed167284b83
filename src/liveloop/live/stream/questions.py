"""The live question queue: viewers' questions clustered ("23 人在问 适合炖吗"), each cluster
with a suggested answer, open until the host or 场控 answers it (``answer_question`` action).

How a question finds its cluster: the product it is about (one named in it, else the product
on air), its aspect, and its text. Price, stock and logistics questions about one product have
one answer, so they share a cluster whatever their words; other aspects join an open cluster
of the same product when their core words overlap (characters and character pairs, after the
question's frame — 请问/主播/可以/适合/吗 … — and the product's names are cut away): the overlap
coefficient ≥ 0.6 and Jaccard ≥ 0.3, so "适合炖吗" and "这个能炖汤吗" meet, "炖多久能熟" stays
apart.

Invariants:
- a cluster's id is ``q<event id of its first question>``, so a rebuild from the log gives the
  same ids (the actions that answered them keep pointing at them);
- a cluster counts distinct askers (viewer keys); the same person asking again adds a mention;
- an answered cluster is closed: a later question starts a new one, and the old keeps when it
  was answered (the report's missed-question rate is open ÷ all at the show's end);
- a suggested answer is rendered from the shelf when the cluster is framed (current price and
  stock), never with a placeholder left in it: the operator's 话术 for the product and aspect,
  else theirs for the aspect, else the built-in template (``suggested_answer``). An LLM may
  write a better one off the hot path (``QuestionBoard.suggest``); the processor itself never
  calls the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from liveloop.live.contracts import Aspect
from liveloop.live.stream.figures import ShelfItem

# Aspects whose questions about one product all have the same answer.
ONE_ANSWER = frozenset({Aspect.PRICE, Aspect.STOCK, Aspect.LOGISTICS})
MIN_OVERLAP = 0.6
MIN_JACCARD = 0.3
# The frame of a question, not its subject (longest first so 能不能 goes before 能).
FRAME_WORDS = sorted(
    (
        "请问",
        "问一下",
        "想问",
        "主播",
        "老师",
        "家人们",
        "宝宝",
        "姐姐",
        "这个",
        "那个",
        "这款",
        "是不是",
        "能不能",
        "可不可以",
        "可以",
        "适合",
        "有没有",
        "一下",
        "怎么样",
        "吗",
        "呢",
        "啊",
        "呀",
        "吧",
        "嘛",
        "哦",
        "么",
        "的",
        "了",
        "能",
        "会",
        "这",
        "那",
        "我",
        "你",
        "们",
    ),
    key=len,
    reverse=True,
)
_EMOJI_NAME = re.compile(r"\[[^\]]*\]")
_FRAME = re.compile("|".join(map(re.escape, FRAME_WORDS)))
_NOT_WORD = re.compile(r"[\W_]+")
_NAME_PIECES = re.compile(r"[\s/,，、()（）·\-]+")

# 话术: the built-in template answer per aspect, with and without a product (the first form
# needs {name}, {price} and {stock}). The operator's library (``live.scripts``) goes first.
TEMPLATES: dict[Aspect, tuple[str, str]] = {
    Aspect.PRICE: (
        "今天直播间到手价 {price} 元，{name} 直播专享，点下方小黄车就能下单～",
        "今天直播间都是专享价，点下方小黄车就能看到到手价～",
    ),
    Aspect.STOCK: (
        "{name} 本场还剩 {stock} 件，拍完就没有了，喜欢的抓紧下单～",
        "本场库存有限，喜欢的宝宝抓紧下单，卖完就恢复原价啦～",
    ),
    Aspect.LOGISTICS: (
        "{name} 下单后 48 小时内发货，冷链包邮到家，偏远地区稍晚 1–2 天～",
        "下单后 48 小时内发货，冷链包邮到家，偏远地区稍晚 1–2 天～",
    ),
    Aspect.HEALTH: (
        "{name}{attributes}，具体配料和营养成分在商品详情页，有特殊饮食需要的可以问客服～",
        "配料表和营养成分都写在商品详情页，有特殊饮食需要的可以私信客服～",
    ),
    Aspect.USAGE: (
        "{name} 的做法主播马上演示，详情页也有推荐吃法，收到后按说明烹饪就好～",
        "做法主播马上演示，详情页也有推荐吃法～",
    ),
    Aspect.TASTE: (
        "{name} 口感主播现场试吃给大家看，已经回购的家人们也可以说说～",
        "口感主播现场试吃给大家看，买过的家人们也可以说说～",
    ),
    Aspect.FRESHNESS: (
        "{name} 当季新货，产地直发，保质期写在详情页，收到后按说明保存～",
        "都是当季新货，产地直发，保质期写在详情页～",
    ),
    Aspect.PACKAGING: (
        "{name} 是独立密封包装，送礼自用都合适，详情页有实拍图～",
        "都是独立密封包装，详情页有实拍图～",
    ),
    Aspect.ORIGIN: (
        "{name} 产地直采，产地信息和检测报告都在详情页～",
        "我们都是产地直采，产地信息和检测报告在详情页～",
    ),
    Aspect.NONE: (
        "这个问题主播马上回答，{name} 的详情也可以点小黄车看看～",
        "这个问题主播马上回答，大家稍等～",
    ),
}


# The placeholders an operator's 话术 may use (``live.scripts`` refuses any other brace).
SCRIPT_PLACEHOLDERS = ("{product}", "{price}", "{stock}")
_PLACEHOLDER = re.compile(r"\{(?:product|price|stock)\}")
# The operator's 话术 by (aspect, sku); sku None is the aspect's answer for any product.
Scripts = Mapping[tuple[Aspect, str | None], str]


class AnswerWriter(Protocol):
    """The seam for an answer written by an LLM (an OpenAI-compatible endpoint, configured by
    ``LIVELOOP_LIVE_ANSWER_LLM_URL``): called off the hot path by whoever owns the network, with
    the cluster's frame and the product; returns the answer or None to keep the template."""

    def __call__(self, cluster: Mapping[str, Any], item: ShelfItem | None) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Asked:
    """One viewer question as the board takes it."""

    event_id: int
    at: float
    viewer: str
    customer_id: int | None
    text: str  # the normalised text (``Reading.text``)
    aspect: Aspect
    subject: str | None = None  # the text without the product's names (None: the text)


class Cluster:
    """Questions that one answer answers."""

    __slots__ = (
        "answered_at",
        "answered_by",
        "askers",
        "aspect",
        "core",
        "first_at",
        "id",
        "last_at",
        "mentions",
        "sku",
        "suggestion",
        "text",
        "tokens",
    )

    def __init__(self, first: Asked, sku: str | None, core: str, tokens: frozenset[str]) -> None:
        self.id = f"q{first.event_id}"
        self.sku = sku
        self.aspect = first.aspect
        self.text = representative(first.text)
        self.core = core
        self.tokens = tokens
        self.askers: dict[str, int | None] = {}
        self.mentions = 0
        self.first_at = first.at
        self.last_at = first.at
        self.answered_at: float | None = None
        self.answered_by: str | None = None
        self.suggestion: tuple[str, str] | None = None  # (text, source) written off the path

    @property
    def open(self) -> bool:
        return self.answered_at is None

    def add(self, asked: Asked) -> None:
        previous = self.askers.get(asked.viewer)
        if previous is None:
            self.askers[asked.viewer] = asked.customer_id
        self.mentions += 1
        self.last_at = max(self.last_at, asked.at)

    def frame(
        self,
        shelf: Mapping[str, ShelfItem],
        sold: Mapping[str, int],
        scripts: Scripts | None = None,
    ) -> dict[str, Any]:
        item = shelf.get(self.sku) if self.sku else None
        answer, source = self.suggestion or suggested_answer(
            self.aspect, self.sku, item, sold, scripts or {}
        )
        askers = len(self.askers)
        return {
            "id": self.id,
            "label": f"{askers} 人在问 {self.text}",
            "text": self.text,
            "aspect": self.aspect.value,
            "sku": self.sku,
            "product": item.name if item else None,
            "askers": askers,
            "mentions": self.mentions,
            "customer_ids": sorted({c for c in self.askers.values() if c is not None}),
            "first_at": self.first_at,
            "last_at": self.last_at,
            "status": "open" if self.open else "answered",
            "answered_at": self.answered_at,
            "answered_by": self.answered_by,
            "suggested_answer": answer,
            "answer_source": source,
        }


def representative(text: str) -> str:
    """The question as the console shows it: emoji names and trailing marks cut."""
    shown = _EMOJI_NAME.sub("", text).strip().rstrip("?？!！。.~～ ")
    return shown or text.strip()


def core_of(text: str) -> str:
    """The subject of a question: its frame words and punctuation cut."""
    return _NOT_WORD.sub("", _FRAME.sub("", _EMOJI_NAME.sub("", text)))


def tokens_of(core: str) -> frozenset[str]:
    return frozenset(core) | frozenset(core[i : i + 2] for i in range(len(core) - 1))


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    both = len(a & b)
    return both / min(len(a), len(b)) >= MIN_OVERLAP and both / len(a | b) >= MIN_JACCARD


def template_answer(aspect: Aspect, item: ShelfItem | None, sold: Mapping[str, int]) -> str:
    """The 话术 template for ``aspect`` filled from the shelf; a form without the product when a
    value it needs is unknown, so no placeholder ever shows."""
    with_product, without = TEMPLATES.get(aspect, TEMPLATES[Aspect.NONE])
    if item is None:
        return without
    values = {"name": item.name, "price": "", "stock": "", "attributes": ""}
    if "{price}" in with_product:
        if item.live_price is None:
            return without
        values["price"] = str(item.live_price)
    if "{stock}" in with_product:
        if item.stock is None:
            return without
        values["stock"] = str(max(item.stock - sold.get(item.sku, 0), 0))
    if item.attributes:
        values["attributes"] = "：" + "，".join(f"{k}{v}" for k, v in item.attributes.items())
    return with_product.format(**values)


def render_script(text: str, item: ShelfItem | None, sold: Mapping[str, int]) -> str | None:
    """An operator's 话术 with its placeholders filled from the shelf; None when a value it
    needs is unknown (no product, no live price, unlimited stock) or anything that still looks
    like a placeholder would show (a product named "{price}"), so the caller falls back."""
    used = set(_PLACEHOLDER.findall(text))
    if item is None:
        return None if used or "{" in text or "}" in text else text
    rendered = text
    for placeholder in used:
        if placeholder == "{product}":
            value = item.name
        elif placeholder == "{price}":
            if item.live_price is None:
                return None
            value = str(item.live_price)
        else:
            if item.stock is None:
                return None
            value = str(max(item.stock - sold.get(item.sku, 0), 0))
        rendered = rendered.replace(placeholder, value)
    if _PLACEHOLDER.search(rendered) or "{" in rendered or "}" in rendered:
        return None
    return rendered


def suggested_answer(
    aspect: Aspect,
    sku: str | None,
    item: ShelfItem | None,
    sold: Mapping[str, int],
    scripts: Scripts,
) -> tuple[str, str]:
    """(answer, source) for a cluster: the operator's 话术 for this product and aspect, else
    theirs for the aspect, each only when it renders whole (``source`` = ``script``); else the
    built-in template (``template``)."""
    for key in ((aspect, sku), (aspect, None)) if sku is not None else ((aspect, None),):
        text = scripts.get(key)
        if text is not None:
            rendered = render_script(text, item, sold)
            if rendered is not None:
                return rendered, "script"
    return template_answer(aspect, item, sold), "template"


class QuestionBoard:
    """The show's question clusters and the index that finds an open one for a new question."""

    def __init__(self) -> None:
        self.clusters: dict[str, Cluster] = {}  # in order of first question
        # (sku, aspect) → the open cluster of a one-answer aspect
        self._one_answer: dict[tuple[str | None, Aspect], Cluster] = {}
        # (sku, token) → open clusters holding that token
        self._index: dict[tuple[str | None, str], list[Cluster]] = {}
        self.changed: dict[str, Cluster] = {}  # since the last frame
        self.asked = 0

    def ask(self, asked: Asked, sku: str | None) -> Cluster:
        self.asked += 1
        cluster: Cluster | None
        if asked.aspect in ONE_ANSWER:
            cluster = self._one_answer.get((sku, asked.aspect))
            if cluster is None:
                cluster = Cluster(asked, sku, "", frozenset())
                self._one_answer[(sku, asked.aspect)] = cluster
                self.clusters[cluster.id] = cluster
        else:
            core = core_of(asked.text if asked.subject is None else asked.subject)
            tokens = tokens_of(core)
            cluster = self._match(sku, asked.aspect, tokens, core)
            if cluster is None:
                cluster = Cluster(asked, sku, core, tokens)
                self.clusters[cluster.id] = cluster
                for token in tokens:
                    self._index.setdefault((sku, token), []).append(cluster)
                if not tokens:  # nothing but frame words: cluster on the text itself
                    self._index.setdefault((sku, "=" + asked.text), []).append(cluster)
        cluster.add(asked)
        self.changed[cluster.id] = cluster
        return cluster

    def _match(
        self, sku: str | None, aspect: Aspect, tokens: frozenset[str], core: str
    ) -> Cluster | None:
        if not tokens:
            found = self._index.get((sku, "=" + core))
            return next((c for c in found or () if c.open), None)
        seen: set[str] = set()
        best: Cluster | None = None
        best_score = -1.0
        for token in tokens:
            for cluster in self._index.get((sku, token), ()):
                if cluster.id in seen or not cluster.open:
                    continue
                seen.add(cluster.id)
                if not similar(tokens, cluster.tokens):
                    continue
                score = len(tokens & cluster.tokens) / len(tokens | cluster.tokens)
                score += 0.5 if cluster.aspect == aspect else 0.0
                if score > best_score:
                    best, best_score = cluster, score
        return best

    def answer(self, cluster_id: str, at: float, by: str | None) -> Cluster | None:
        """Mark a cluster answered (the first answer counts); None for an unknown id."""
        cluster = self.clusters.get(cluster_id)
        if cluster is None or not cluster.open:
            return cluster
        cluster.answered_at = at
        cluster.answered_by = by
        if self._one_answer.get((cluster.sku, cluster.aspect)) is cluster:
            del self._one_answer[(cluster.sku, cluster.aspect)]
        keys = cluster.tokens or ({"=" + cluster.core} if cluster.aspect not in ONE_ANSWER else ())
        for token in keys:
            listed = self._index.get((cluster.sku, token))
            if listed and cluster in listed:
                listed.remove(cluster)
        self.changed[cluster.id] = cluster
        return cluster

    def suggest(self, cluster_id: str, text: str, source: str = "llm") -> bool:
        """An answer written off the hot path (e.g. by an LLM) replaces the template."""
        cluster = self.clusters.get(cluster_id)
        if cluster is None or not text.strip():
            return False
        cluster.suggestion = (text.strip(), source)
        self.changed[cluster.id] = cluster
        return True

    def open_clusters(self) -> Iterable[Cluster]:
        return (c for c in self.clusters.values() if c.open)

    def take_changed(self) -> list[Cluster]:
        out = list(self.changed.values())
        self.changed = {}
        return out

    def missed(self) -> tuple[int, int]:
        """(open clusters, all clusters): the missed-question rate's parts."""
        return sum(1 for c in self.clusters.values() if c.open), len(self.clusters)


def mentioned_sku(text: str, names: Iterable[tuple[str, str]]) -> str | None:
    """The first shelf product whose name (or a piece of it, or an alias) the text names;
    ``names`` are (key, sku) pairs, longest key first."""
    for key, sku in names:
        if key in text:
            return sku
    return None


def without_names(text: str, sku: str, names: Iterable[tuple[str, str]]) -> str | None:
    """The text with the names of ``sku`` cut (the cluster's product is already its key, so
    "X 适合炖吗" and "X 适合做早餐吗" must not meet on X's name); None when none was in it."""
    cut = text
    for key, owner in names:
        if owner == sku and key in cut:
            cut = cut.replace(key, "")
    return None if cut == text else cut


def name_keys(items: Iterable[ShelfItem]) -> list[tuple[str, str]]:
    """The words that name each shelf product in a question, longest first."""
    keys: dict[str, str] = {}
    for item in items:
        for word in (item.name, item.sku, *item.aliases, *_NAME_PIECES.split(item.name)):
            if len(word) >= 2:
                keys.setdefault(word, item.sku)
    return sorted(keys.items(), key=lambda kv: len(kv[0]), reverse=True)
