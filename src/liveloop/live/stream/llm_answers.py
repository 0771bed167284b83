"""Suggested answers written by an LLM through an OpenAI-compatible endpoint, when one is
configured (``LIVELOOP_LIVE_ANSWER_LLM_URL``, ``_KEY``, ``_MODEL``: OpenAI, DeepSeek, 通义千问's
compatible mode, a local vLLM …); the template or the operator's 话术 otherwise.

The processor never calls the network. ``Answering`` wraps a room's frame source: after each
tick it hands the clusters that are new and still on their template to the ``AnswerDesk``, one
thread per process that asks the endpoint (``POST {url}/chat/completions``) with the question,
the product's shelf facts (live price, stock, attributes) and the answer the template or 话术
gave; on a later tick the room picks the written answer up and it replaces the template
(``answer_source`` = ``llm``). An answer is asked for once per cluster and kept by the desk, so
a room rebuilt from the log gets its answers back without asking again.

Invariants: a slow or failing endpoint never holds a frame back — the desk's queue is bounded
(a cluster that does not fit keeps its template), each call has a timeout, a refusal or an
unusable answer (empty, too long, a placeholder left in it) keeps the template and is logged
without the key; the key is a ``SecretStr`` and never leaves the request's header.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from liveloop.live.contracts import Aspect
from liveloop.live.stream.feed import Frame, FrameSource
from liveloop.live.stream.figures import ShelfItem
from liveloop.live.stream.processor import RoomProcessor

log = logging.getLogger(__name__)

ASPECT_WORDS: dict[str, str] = {
    Aspect.PRICE: "价格",
    Aspect.TASTE: "口味",
    Aspect.HEALTH: "健康",
    Aspect.LOGISTICS: "物流",
    Aspect.FRESHNESS: "新鲜度",
    Aspect.PACKAGING: "包装",
    Aspect.USAGE: "吃法",
    Aspect.STOCK: "库存",
    Aspect.ORIGIN: "产地",
}
MAX_ANSWER = 160  # characters: what a host reads out in one breath, twice
KEPT_ANSWERS = 2_000  # per room: a long show's clusters, and then some
SYSTEM_PROMPT = (
    "你是一家食品品牌直播间的场控助手。观众在直播间提问，请替主播写一句可以直接念出来的回答："
    "中文，口语，亲切，不超过 80 个字；只用给出的商品信息，不编造价格、库存、功效或医疗效果；"
    "信息不够时请观众看商品详情或问客服。只输出回答本身。"
)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|\{\{|\}\}")


def _facts(item: ShelfItem | None) -> str:
    if item is None:
        return "（没有对应的商品信息）"
    parts = [f"商品：{item.name}"]
    if item.live_price is not None:
        parts.append(f"直播价：¥{item.live_price}")
    if item.stock is not None:
        parts.append(f"本场库存：{item.stock} 件")
    parts += [f"{key}：{value}" for key, value in item.attributes.items()]
    return "；".join(parts)


class ChatAnswerWriter:
    """The ``AnswerWriter`` over an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout: float = 8.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )
        self.model = model

    def close(self) -> None:
        self._http.close()

    def __call__(self, cluster: Mapping[str, Any], item: ShelfItem | None) -> str | None:
        aspect = ASPECT_WORDS.get(str(cluster.get("aspect")), "其他")
        question = (
            f"观众的问题（{cluster.get('askers', 1)} 人在问，关于「{aspect}」）："
            f"{cluster.get('text', '')}\n{_facts(item)}\n"
            f"现有的模板回答：{cluster.get('suggested_answer', '')}"
        )
        payload = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": question},
            ],
            "temperature": 0.3,
            "max_tokens": 200,
        }
        try:
            response = self._http.post("/chat/completions", json=payload)
        except httpx.HTTPError as exc:
            log.warning("live answers: the LLM endpoint failed (%s)", type(exc).__name__)
            return None
        if response.status_code != 200:
            log.warning("live answers: the LLM endpoint answered HTTP %d", response.status_code)
            return None
        try:
            text = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            log.warning("live answers: the LLM endpoint's answer is not a chat completion")
            return None
        return usable(text)


def usable(text: object) -> str | None:
    """The answer as a host may read it, or None: one line, no placeholder, not too long."""
    if not isinstance(text, str):
        return None
    answer = " ".join(text.split()).strip().strip("「」\"'")
    if not answer or len(answer) > MAX_ANSWER or _PLACEHOLDER.search(answer):
        return None
    return answer


class AnswerDesk:
    """The one thread that writes answers for every room of the process (``Background``, the
    ``live`` kind of work)."""

    name = "live-answers"
    kind = "live"

    def __init__(self, writer: ChatAnswerWriter, *, capacity: int = 64) -> None:
        self.writer = writer
        self._asks: queue.Queue[tuple[str, dict[str, Any], ShelfItem | None]] = queue.Queue(
            capacity
        )
        self._lock = threading.Lock()
        self._asked: set[tuple[str, str]] = set()
        self._written: dict[str, OrderedDict[str, str]] = {}  # room → cluster → answer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ask(self, room: str, cluster: dict[str, Any], item: ShelfItem | None) -> bool:
        """Queue a cluster's question once; False when it was asked already or the queue is
        full (the cluster keeps its template)."""
        key = (room, str(cluster["id"]))
        with self._lock:
            if key in self._asked:
                return False
            try:
                self._asks.put_nowait((room, cluster, item))
            except queue.Full:
                return False
            self._asked.add(key)
        return True

    def pending(self, room: str) -> dict[str, str]:
        """Every answer written for ``room`` (the source applies those it has not yet)."""
        with self._lock:
            return dict(self._written.get(room, ()))

    def work_once(self, timeout: float = 0.5) -> bool:
        try:
            room, cluster, item = self._asks.get(timeout=timeout)
        except queue.Empty:
            return False
        answer = self.writer(cluster, item)
        if answer is not None:
            with self._lock:
                written = self._written.setdefault(room, OrderedDict())
                written[str(cluster["id"])] = answer
                while len(written) > KEPT_ANSWERS:
                    written.popitem(last=False)
        return True

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name="liveloop-live-answers", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.writer.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.work_once()
            except Exception:  # one bad answer must not stop the desk
                log.exception("live answers: writing an answer failed")


class Answering:
    """A room's frame source whose open clusters get the desk's written answers; ``processor``
    is the room's stream processor inside ``source``."""

    def __init__(
        self, room: str, source: FrameSource, processor: RoomProcessor, desk: AnswerDesk
    ) -> None:
        self.room, self.source, self.processor, self.desk = room, source, processor, desk
        self._applied: set[str] = set()

    def apply(self, events: Any) -> None:
        self.source.apply(events)

    def tick(self, now: datetime) -> Frame:
        for cluster_id, text in self.desk.pending(self.room).items():
            if cluster_id not in self._applied and self.processor.suggest(cluster_id, text, "llm"):
                self._applied.add(cluster_id)
        frame = self.source.tick(now)
        for cluster in frame.get("questions") or ():
            if cluster.get("status") == "open" and cluster.get("answer_source") != "llm":
                sku = cluster.get("sku")
                self.desk.ask(self.room, cluster, self.processor.shelf.get(sku) if sku else None)
        return frame

    def snapshot(self, now: datetime) -> Frame:
        return self.source.snapshot(now)
