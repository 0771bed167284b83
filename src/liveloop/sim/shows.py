"""One simulated live show, as the platform would send it through the signed webhook.

``generate_show(ShowConfig(seed=…))`` writes the show's script: every event a live platform
delivers (viewer_joined, viewer_left, comment, like, share, product_click, add_to_cart, order —
the schema of ``live.webhook``) at its second of the show, and the truths planted in it, so a
test can check that the stream processor recovers them:

- an audience curve: an early rush while the host warms up, arrivals peaking after each 福袋 and
  coupon, fewer late in the show, and a **viewer drop** at a known minute (a share of those
  present leave within that minute);
- 讲解 segments, one per shelf product: while a product is explained its clicks (and so carts and
  orders) run at a planted multiple of its rate off air;
- comments from the simulator's labelled vocabulary (``sim.comments``) with their labels, and a
  **question cluster** per segment — many viewers asking one question ("适合炖吗", "糖尿病能吃吗")
  in their own words within a few minutes;
- a few **VIP / 金卡 arrivals**: members of the simulated brand, named by the member number and
  unionid the brand's own records carry, so OneID links them to their CRM customer;
- honest data: every event has a real viewer (no virtual viewers); the host's messages come from
  the host and are marked as such (``"role": "host"``).

Everything is a pure function of the config: the same seed gives the same script, event ids
included, so replaying a show twice writes nothing new. Times are seconds from the show's start;
``ScriptedEvent.payload`` places them on a clock.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from liveloop.sim.catalog import BY_SKU, IMPULSE, STAPLES, Sku
from liveloop.sim.comments import EMOJI, Label, intent_mix, make_comment
from liveloop.sim.config import SimConfig
from liveloop.sim.geo import CITIES, GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from liveloop.sim.person import draw_person
from liveloop.sim.touches import draw_identifiers

HOSTS = ("小禾", "阿鲜", "米粒姐")
VIP_TIERS = ("金卡", "黑金")
CITY_WEIGHTS = [c.weight for c in CITIES]
PRICE_FACTORS = (Decimal("0.80"), Decimal("0.85"), Decimal("0.90"))
CENT = Decimal("0.01")
DEMO_BRAND = SimConfig(customers=1_000)  # `liveloop demo`'s default scale

# A question many viewers ask in their own words while one product is explained: its key (what
# a console would show, "23 人在问 适合炖吗"), its planted label, and the ways it is asked.
CLUSTER_QUESTIONS: dict[str, tuple[Label, tuple[str, ...]]] = {
    "适合炖吗": (
        Label("ask_suitability", "suitability", "neutral"),
        (
            "{product}适合炖吗",
            "适合炖汤吗?",
            "这个能炖吗{emoji}",
            "炖着吃可以吗",
            "适合炖吗",
            "炖的话要多久",
        ),
    ),
    "糖尿病能吃吗": (
        Label("ask_suitability", "health", "neutral"),
        ("糖尿病能吃吗", "糖尿病人能吃{product}吗", "血糖高能吃吗{emoji}", "适合糖尿病人吃吗?"),
    ),
    "保质期多久": (
        Label("ask_freshness", "freshness", "neutral"),
        ("保质期多久?", "{product}能放多久", "保质期几天呀", "开封后能放几天{emoji}"),
    ),
    "宝宝能吃吗": (
        Label("ask_suitability", "suitability", "neutral"),
        ("宝宝能吃吗", "一岁宝宝可以吃{product}吗", "小孩子能吃吗{emoji}", "几个月宝宝能吃"),
    ),
    "什么时候发货": (
        Label("ask_logistics", "logistics", "neutral"),
        ("什么时候发货?", "今天拍明天能发吗", "{product}几天能到", "发货快吗{emoji}"),
    ),
}
CHEERS = ("想要", "想要想要", "想要{emoji}", "冲", "来了来了想要")
CHEER_LABEL = Label("chitchat", "none", "neutral")


@dataclass(frozen=True)
class ShowConfig:
    """One show to simulate. ``brand`` is the simulated brand whose people watch (the demo's
    config, so its members are the CRM's customers); the rest shapes the show."""

    seed: int = 1
    room: str = "main"
    minutes: int = 120
    viewers: int = 400  # distinct viewers over the show
    products: int = 5  # shelf products, one 讲解 segment each
    vips: int = 3
    brand: SimConfig = DEMO_BRAND
    share_known: float = 0.55  # viewers who are the brand's people (the rest are new to it)
    drop_share: float = 0.4  # of those present at the drop minute, who leave in that minute
    uplift: tuple[float, float] = (3.0, 7.0)  # planted on-air click multiple, drawn per product
    clicks_per_minute: float = 0.004  # per viewer and product, off air
    host: str | None = None  # default: drawn from HOSTS

    def __post_init__(self) -> None:
        if not 20 <= self.minutes <= 24 * 60:
            raise ValueError("a show lasts 20 minutes to 24 hours")
        if not 10 <= self.viewers <= 200_000:
            raise ValueError("a show has 10 to 200,000 viewers")
        if not 1 <= self.products <= 12:
            raise ValueError("a show's shelf holds 1 to 12 products")
        if not 0 <= self.vips <= min(20, self.brand.customers):
            raise ValueError("a show has 0 to 20 VIP arrivals, no more than the brand's people")
        if not 0 <= self.drop_share < 1 or not 0 <= self.share_known <= 1:
            raise ValueError("drop_share is in [0, 1) and share_known in [0, 1]")


@dataclass(frozen=True, slots=True)
class ShelfProduct:
    sku: str
    name: str
    price: Decimal  # the live price


@dataclass(frozen=True, slots=True)
class ScriptedEvent:
    """One platform event at ``at`` seconds from the show's start (the webhook's schema, with
    no clock yet). ``host`` marks the host's own messages."""

    id: str
    at: float
    type: str
    viewer: Mapping[str, Any]
    data: Mapping[str, Any]
    host: bool = False

    def payload(
        self,
        start: datetime,
        *,
        speed: float = 1.0,
        live_session_id: int | None = None,
        platform: str | None = None,
    ) -> dict[str, Any]:
        """The webhook event, placed on a clock: the show started at ``start`` and runs
        ``speed`` times faster than real time (times and watch time shrink alike)."""
        data = dict(self.data)
        if self.type == "viewer_left":
            data["watch_seconds"] = round(data["watch_seconds"] / speed)
        event: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "occurred_at": (start + timedelta(seconds=self.at / speed)).isoformat(),
            "viewer": dict(self.viewer),
        }
        if data:
            event["data"] = data
        if live_session_id is not None:
            event["live_session_id"] = live_session_id
        if platform:
            event["platform"] = platform
        if self.host:
            event["role"] = "host"
        return event


@dataclass(frozen=True, slots=True)
class Segment:
    """A product explained (讲解) from ``start`` to ``end`` seconds."""

    sku: str
    name: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Uplift:
    """A product's planted on-air click multiple, and what the script holds: clicks and
    viewer-minutes on air (its segment) and off air."""

    sku: str
    planted: float
    clicks_on_air: int
    clicks_off_air: int
    viewer_minutes_on_air: float
    viewer_minutes_off_air: float

    @property
    def measured(self) -> float:
        """Clicks per viewer-minute on air over off air."""
        on = self.clicks_on_air / max(self.viewer_minutes_on_air, 1e-9)
        off = self.clicks_off_air / max(self.viewer_minutes_off_air, 1e-9)
        return on / off if off else math.inf


@dataclass(frozen=True, slots=True)
class QuestionCluster:
    """``count`` viewers (each once) asking ``key`` about ``sku`` between ``first`` and ``last``
    seconds, in the words of the comment events ``event_ids``."""

    key: str
    sku: str
    intent: str
    aspect: str
    count: int
    first: float
    last: float
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VipArrival:
    """A member of the brand (金卡 / 黑金) entering at ``at`` seconds."""

    user_id: str  # the member number: OneID's key to the CRM customer
    person_id: int  # the simulated person (``truth/people``)
    name: str
    tier: str
    at: float


@dataclass(frozen=True, slots=True)
class Giveaway:
    kind: str  # "福袋" | "coupon"
    minute: int


@dataclass(frozen=True)
class ShowTruth:
    """What was planted in a show, and its exact totals."""

    room: str
    host: str
    seconds: int
    shelf: tuple[ShelfProduct, ...]
    segments: tuple[Segment, ...]
    giveaways: tuple[Giveaway, ...]
    drop_minute: int
    drop_leavers: int  # left in the drop minute because of the drop
    online_at_drop: int  # viewers online when the drop minute began
    uplift: Mapping[str, Uplift]
    clusters: tuple[QuestionCluster, ...]
    vips: tuple[VipArrival, ...]
    viewers: int  # distinct viewers (the host not counted)
    known_viewers: int  # of them, the brand's people
    peak_online: int
    orders: int
    gmv: Decimal
    orders_by_sku: Mapping[str, int]
    host_messages: int
    comment_labels: Mapping[str, Label]  # comment event id → planted label (viewers' only)


@dataclass(frozen=True)
class Show:
    config: ShowConfig
    events: tuple[ScriptedEvent, ...]  # in time order
    truth: ShowTruth

    @property
    def seconds(self) -> int:
        return self.config.minutes * 60


@dataclass
class _Viewer:
    key: str
    viewer: dict[str, Any]
    join: float
    leave: float
    city: str
    health_need: str | None = None
    price_sensitive: bool = False
    vip: VipArrival | None = None
    dropped: bool = False

    def present(self, t: float) -> bool:
        return self.join < t < self.leave


@dataclass
class _Draft:
    """The events as they are drawn, before they are put in time order and numbered."""

    items: list[tuple[float, int, str, dict[str, Any], dict[str, Any], bool]] = field(
        default_factory=list
    )

    def add(
        self,
        at: float,
        kind: str,
        viewer: dict[str, Any],
        data: dict[str, Any] | None = None,
        *,
        host: bool = False,
    ) -> int:
        self.items.append((round(at, 3), len(self.items), kind, viewer, data or {}, host))
        return len(self.items) - 1


def generate_show(config: ShowConfig) -> Show:
    """The show's script and its planted truths (a pure function of ``config``)."""
    rng = random.Random(f"show:{config.seed}:{config.room}")
    seconds = config.minutes * 60
    host = config.host or rng.choice(HOSTS)
    shelf = _shelf(rng, config.products)
    segments = _segments(shelf, config.minutes)
    drop_minute = int(config.minutes * rng.uniform(0.45, 0.6))
    giveaways = (
        Giveaway("福袋", round(config.minutes * 0.3)),
        Giveaway("coupon", round(config.minutes * 0.75)),
    )
    uplift = {p.sku: round(rng.uniform(*config.uplift), 3) for p in shelf}

    viewers = _audience(rng, config, drop_minute, giveaways)
    draft = _Draft()
    host_viewer = {"anonymous_id": f"host-{config.room}", "nickname": f"主播{host}"}
    _host_lines(draft, host_viewer, shelf, segments, giveaways, seconds)
    for v in viewers:
        draft.add(v.join, "viewer_joined", v.viewer)
        draft.add(v.leave, "viewer_left", v.viewer, {"watch_seconds": round(v.leave - v.join)})
    drop_leavers = sum(1 for v in viewers if v.dropped)
    online_at_drop = sum(1 for v in viewers if v.join < drop_minute * 60 < v.leave)
    labels = _chatter(rng, draft, viewers, segments, giveaways)
    clusters = _clusters(rng, draft, viewers, segments, labels)
    figures = _buying(rng, draft, viewers, shelf, segments, uplift, config)
    _likes_and_shares(rng, draft, viewers)

    prefix = f"show-{config.room}-{config.seed}"
    ordered = sorted(draft.items, key=lambda item: (item[0], item[1]))
    ids = {item[1]: f"{prefix}-{n:06d}" for n, item in enumerate(ordered)}
    events = tuple(
        ScriptedEvent(ids[seq], round(at, 3), kind, viewer, data, host_msg)
        for at, seq, kind, viewer, data, host_msg in ordered
    )
    truth = ShowTruth(
        room=config.room,
        host=host,
        seconds=seconds,
        shelf=shelf,
        segments=segments,
        giveaways=giveaways,
        drop_minute=drop_minute,
        drop_leavers=drop_leavers,
        online_at_drop=online_at_drop,
        uplift=figures.uplift,
        clusters=tuple(
            QuestionCluster(
                c.key,
                c.sku,
                c.intent,
                c.aspect,
                c.count,
                c.first,
                c.last,
                tuple(ids[seq] for seq in c.seqs),
            )
            for c in clusters
        ),
        vips=tuple(sorted((v.vip for v in viewers if v.vip), key=lambda a: a.at)),
        viewers=len(viewers),
        known_viewers=sum(1 for v in viewers if v.key.startswith("p")),
        peak_online=max(online_curve(events, config.minutes)),
        orders=figures.orders,
        gmv=figures.gmv,
        orders_by_sku=dict(figures.orders_by_sku),
        host_messages=sum(1 for e in events if e.host),
        comment_labels={ids[seq]: label for seq, label in labels.items()},
    )
    return Show(config, events, truth)


def online_curve(events: Sequence[ScriptedEvent], minutes: int) -> list[int]:
    """Viewers online at the end of each minute of the show (from joins and leaves)."""
    change = [0] * (minutes + 1)
    for e in events:
        if e.type in ("viewer_joined", "viewer_left") and not e.host:
            change[min(minutes, int(e.at // 60))] += 1 if e.type == "viewer_joined" else -1
    curve, online = [], 0
    for minute in range(minutes):
        online += change[minute]
        curve.append(online)
    return curve


# -- the shelf and the running order -------------------------------------------------------


def _shelf(rng: random.Random, count: int) -> tuple[ShelfProduct, ...]:
    # Nationwide products only, so every viewer may buy what is on the shelf.
    pool = [s for s in STAPLES + IMPULSE if s.pool == "" and s.festival is None]
    return tuple(
        ShelfProduct(s.sku, s.name, (s.price * rng.choice(PRICE_FACTORS)).quantize(CENT))
        for s in rng.sample(pool, k=min(count, len(pool)))
    )


def _segments(shelf: Sequence[ShelfProduct], minutes: int) -> tuple[Segment, ...]:
    """After a warm-up, each product in turn until the closing minutes."""
    warm_up = max(3.0, minutes * 0.07) * 60
    close = minutes * 60 - max(2.0, minutes * 0.04) * 60
    length = (close - warm_up) / len(shelf)
    return tuple(
        Segment(p.sku, p.name, warm_up + n * length, warm_up + (n + 1) * length)
        for n, p in enumerate(shelf)
    )


def _on_air(segments: Sequence[Segment], t: float) -> Segment | None:
    return next((s for s in segments if s.start <= t < s.end), None)


def _short(name: str) -> str:
    return name.split(" ")[0]


def _question_for(sku: Sku | None, name: str) -> str:
    if sku is not None and (sku.audience == "infant" or "宝宝" in name or "儿童" in name):
        return "宝宝能吃吗"
    if any(word in name for word in ("牛腩", "五花", "排骨", "扣肉", "红烧", "酸菜鱼")):
        return "适合炖吗"
    if sku is not None and (
        sku.audience == "health" or sku.category in ("大米杂粮", "滋补健康", "休闲零食")
    ):
        return "糖尿病能吃吗"
    if sku is not None and (sku.cold_chain or sku.category == "乳品"):
        return "保质期多久"
    return "什么时候发货"


# -- who watches ----------------------------------------------------------------------------


def _arrival_weights(config: ShowConfig, giveaways: Sequence[Giveaway]) -> list[float]:
    warm_up = max(3, round(config.minutes * 0.07))
    weights = []
    for minute in range(config.minutes - 1):
        w = 1.8 if minute < warm_up else 1.0  # those waiting for the show come in at once
        if minute > config.minutes * 0.8:
            w *= 0.5
        if any(0 <= minute - g.minute < 4 for g in giveaways):
            w *= 3.0  # a 福袋 or coupon draws people in (shared, pushed to followers)
        weights.append(w)
    return weights


def _audience(
    rng: random.Random, config: ShowConfig, drop_minute: int, giveaways: Sequence[Giveaway]
) -> list[_Viewer]:
    seconds = config.minutes * 60
    weights = _arrival_weights(config, giveaways)
    brand = config.brand
    known = round((config.viewers - config.vips) * config.share_known)
    known = min(known, brand.customers - config.vips)
    vip_people = _vip_people(rng, brand, config.vips)
    taken = {index for index, _ in vip_people}
    candidates = [i for i in range(brand.customers) if i not in taken]
    people = rng.sample(candidates, k=max(0, min(known, len(candidates))))
    viewers: list[_Viewer] = []
    for index, tier in vip_people:
        viewers.append(_brand_viewer(brand, index, tier))
    for index in people:
        viewers.append(_brand_viewer(brand, index, None))
    while len(viewers) < config.viewers:
        viewers.append(_new_viewer(rng, config.seed, len(viewers)))

    vip_slots = [0.12 + 0.7 * (n + 0.5) / max(1, config.vips) for n in range(config.vips)]
    for v in viewers:
        if v.vip is not None:
            join = seconds * vip_slots.pop(0) + rng.uniform(-60, 60)
            stay = rng.uniform(0.3, 0.6) * seconds
        else:
            minute = rng.choices(range(len(weights)), weights)[0]
            join = minute * 60 + rng.uniform(0, 60)
            stay = rng.lognormvariate(math.log(22 * 60), 0.8)
        join = min(max(join, 1.0), seconds - 30.0)
        leave = min(seconds - 0.5, join + max(20.0, stay))
        # A draw keeps people until it is drawn (3 minutes after it opens).
        for g in giveaways:
            if join < g.minute * 60 < leave < g.minute * 60 + 180:
                leave = min(seconds - 0.5, g.minute * 60 + 180 + rng.uniform(0, 60))
        # The planted drop: a share of those present leave within the minute (VIPs stay).
        drop = drop_minute * 60
        present = v.vip is None and join < drop - 30 < drop + 60 < leave
        if present and rng.random() < config.drop_share:
            leave, v.dropped = drop + rng.uniform(0.5, 59.5), True
        v.join, v.leave = round(join, 3), round(leave, 3)  # times are kept to the millisecond
        if v.vip is not None:
            v.vip = VipArrival(v.vip.user_id, v.vip.person_id, v.vip.name, v.vip.tier, v.join)
    return viewers


def _vip_people(rng: random.Random, brand: SimConfig, count: int) -> list[tuple[int, str]]:
    """Members of the brand with a high tier (金卡, 黑金), found from a random starting person."""
    found: list[tuple[int, str]] = []
    start = rng.randrange(brand.customers)
    for step in range(brand.customers):
        if len(found) == count:
            break
        index = (start + step) % brand.customers
        person = draw_person(random.Random(brand.seed * 10_000_019 + index), brand, index)
        if person.member and person.tier in VIP_TIERS:
            found.append((index, person.tier))
    return found


def _brand_viewer(brand: SimConfig, index: int, vip_tier: str | None) -> _Viewer:
    """One of the brand's people, seen through the identifiers they hold in the brand's records
    (the same draws as ``sim.person.simulate_person``, so they are the same person)."""
    rng = random.Random(brand.seed * 10_000_019 + index)
    person = draw_person(rng, brand, index)
    ids = draw_identifiers(rng, brand, person)
    viewer: dict[str, Any] = {"anonymous_id": ids.devices[0], "nickname": person.name}
    if ids.member_no and (ids.wechat or vip_tier):
        viewer["user_id"] = ids.member_no
    external = []
    if ids.wechat and ids.unionid:
        external.append({"type": "unionid", "id": ids.unionid})
    elif ids.douyin:
        external.append({"type": "douyin_id", "id": ids.douyin})
    if external:
        viewer["external_ids"] = external
    vip = (
        VipArrival(ids.member_no or "", person.pid, person.name, vip_tier, 0.0)
        if vip_tier
        else None
    )
    return _Viewer(
        f"p{person.pid}",
        viewer,
        0.0,
        0.0,
        person.city.city,
        person.health_need,
        person.price_sensitive,
        vip,
    )


def _new_viewer(rng: random.Random, seed: int, n: int) -> _Viewer:
    """Someone new to the brand: only the platform's anonymous id and their nickname."""
    female = rng.random() < 0.68
    name = rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    city = rng.choices(CITIES, CITY_WEIGHTS)[0]
    viewer = {"anonymous_id": f"lv{rng.getrandbits(120):030x}", "nickname": name}
    return _Viewer(f"n{seed}-{n}", viewer, 0.0, 0.0, city.city)


# -- what they say --------------------------------------------------------------------------


def _host_lines(
    draft: _Draft,
    host: dict[str, Any],
    shelf: Sequence[ShelfProduct],
    segments: Sequence[Segment],
    giveaways: Sequence[Giveaway],
    seconds: int,
) -> None:
    def say(at: float, text: str) -> None:
        draft.add(at, "comment", host, {"text": text}, host=True)

    say(20.0, "欢迎来到禾谷鲜生直播间,今天给大家带来好吃又健康的主食~")
    for product, segment in zip(shelf, segments, strict=True):
        say(segment.start + 5, f"现在讲解:{product.name},直播间价{product.price}元")
    for g in giveaways:
        if g.kind == "福袋":
            say(g.minute * 60 + 2.0, "福袋来啦!评论「想要」参与,3分钟后开奖")
        else:
            say(g.minute * 60 + 2.0, "直播间专属券已发放:满59减10,手慢无")
    say(seconds - 60.0, "今天的直播就到这里,下周三晚8点不见不散")


def _chatter(
    rng: random.Random,
    draft: _Draft,
    viewers: Sequence[_Viewer],
    segments: Sequence[Segment],
    giveaways: Sequence[Giveaway],
) -> dict[int, Label]:
    """Everyday comments from the labelled vocabulary, and the 「想要」 after each 福袋."""
    labels: dict[int, Label] = {}
    for v in viewers:
        watched = v.leave - v.join
        mix = intent_mix(health_need=bool(v.health_need), price_sensitive=v.price_sensitive)
        for _ in range(_poisson(rng, 0.08 * watched / 60)):
            at = rng.uniform(v.join + 1, v.leave - 1)
            segment = _on_air(segments, at) or segments[0]
            comment = make_comment(rng, mix, _short(segment.name), v.city, v.health_need)
            seq = draft.add(at, "comment", v.viewer, {"text": comment.text})
            labels[seq] = comment.label
        if v.vip is not None:  # a member comes in and says so
            at = min(v.join + rng.uniform(10, 60), v.leave - 1)
            text = f"回购第{rng.randint(3, 9)}次了,支持{rng.choice(EMOJI[:8])}"
            seq = draft.add(at, "comment", v.viewer, {"text": text})
            labels[seq] = Label("praise_taste", "repurchase", "positive")
    for g in giveaways:
        if g.kind != "福袋":
            continue
        opens = g.minute * 60 + 5
        for v in viewers:
            if v.present(opens) and v.leave > opens + 120 and rng.random() < 0.3:
                text = rng.choice(CHEERS).format(emoji=rng.choice(EMOJI))
                seq = draft.add(opens + rng.uniform(0, 115), "comment", v.viewer, {"text": text})
                labels[seq] = CHEER_LABEL
    return labels


@dataclass
class _Cluster:
    key: str
    sku: str
    intent: str
    aspect: str
    count: int
    first: float
    last: float
    seqs: list[int]


def _clusters(
    rng: random.Random,
    draft: _Draft,
    viewers: Sequence[_Viewer],
    segments: Sequence[Segment],
    labels: dict[int, Label],
) -> list[_Cluster]:
    """One question per segment, asked by many viewers (each once) within a few minutes."""
    clusters = []
    for segment in segments:
        key = _question_for(BY_SKU.get(segment.sku), segment.name)
        label, phrasings = CLUSTER_QUESTIONS[key]
        window = (segment.start + 60, min(segment.end - 10, segment.start + 60 + 240))
        present = [v for v in viewers if v.join < window[0] and v.leave > window[1]]
        if not present:
            continue
        count = min(len(present), rng.randint(8, 24))
        cluster = _Cluster(key, segment.sku, label.intent, label.aspect, count, math.inf, 0.0, [])
        for v in rng.sample(present, k=count):
            at = rng.uniform(*window)
            text = rng.choice(phrasings).format(
                product=_short(segment.name), emoji=rng.choice(EMOJI)
            )
            seq = draft.add(at, "comment", v.viewer, {"text": text})
            cluster.seqs.append(seq)
            labels[seq] = label
            at = draft.items[seq][0]
            cluster.first, cluster.last = min(cluster.first, at), max(cluster.last, at)
        clusters.append(cluster)
    return clusters


# -- what they do ---------------------------------------------------------------------------


@dataclass
class _Figures:
    uplift: dict[str, Uplift]
    orders: int
    gmv: Decimal
    orders_by_sku: Counter[str]


def _buying(
    rng: random.Random,
    draft: _Draft,
    viewers: Sequence[_Viewer],
    shelf: Sequence[ShelfProduct],
    segments: Sequence[Segment],
    uplift: Mapping[str, float],
    config: ShowConfig,
) -> _Figures:
    """Per viewer, minute and product, a click with the product's rate — its planted multiple
    while it is explained; a click leads to a cart (35%), a cart to an order (45%)."""
    on_air_minutes: dict[str, float] = {p.sku: 0.0 for p in shelf}
    off_air_minutes: dict[str, float] = {p.sku: 0.0 for p in shelf}
    clicks_on: Counter[str] = Counter()
    clicks_off: Counter[str] = Counter()
    orders, gmv, by_sku = 0, Decimal("0.00"), Counter[str]()
    segment_of = {s.sku: s for s in segments}
    order_prefix = f"LV{config.room[:16]}{config.seed}"
    for v in viewers:
        minute = int(v.join // 60)
        while minute * 60 < v.leave:
            lo, hi = max(v.join, minute * 60.0), min(v.leave, minute * 60.0 + 60)
            share = (hi - lo) / 60
            for product in shelf:
                segment = segment_of[product.sku]
                # On air for the part of the minute inside the segment.
                on = max(0.0, min(hi, segment.end) - max(lo, segment.start)) / 60
                on_air_minutes[product.sku] += on
                off_air_minutes[product.sku] += share - on
                rate = config.clicks_per_minute * (share - on + on * uplift[product.sku])
                if rng.random() >= rate:
                    continue
                at = round(rng.uniform(lo, hi), 3)
                if not v.present(at) or at >= v.leave - 2:
                    continue
                if segment.start <= at < segment.end:
                    clicks_on[product.sku] += 1
                else:
                    clicks_off[product.sku] += 1
                click = {"sku": product.sku, "price": str(product.price)}
                draft.add(at, "product_click", v.viewer, click)
                if rng.random() >= 0.35:
                    continue
                at += rng.uniform(0.3, 0.6) * min(60.0, v.leave - at)
                quantity = 2 if rng.random() < 0.2 else 1
                draft.add(at, "add_to_cart", v.viewer, {**click, "quantity": quantity})
                if rng.random() >= 0.45:
                    continue
                at += rng.uniform(0.3, 0.9) * min(120.0, v.leave - at)
                lines = [(product, quantity)]
                if rng.random() < 0.15 and len(shelf) > 1:
                    other = rng.choice([p for p in shelf if p.sku != product.sku])
                    lines.append((other, 1))
                total = sum((p.price * q for p, q in lines), Decimal("0.00"))
                orders += 1
                gmv += total
                by_sku[product.sku] += 1
                draft.add(
                    at,
                    "order",
                    v.viewer,
                    {
                        "order_id": f"{order_prefix}-{orders:05d}",
                        "total": str(total),
                        "products": [
                            {"sku": p.sku, "quantity": q, "price": str(p.price)} for p, q in lines
                        ],
                    },
                )
            minute += 1
    return _Figures(
        {
            p.sku: Uplift(
                p.sku,
                uplift[p.sku],
                clicks_on[p.sku],
                clicks_off[p.sku],
                round(on_air_minutes[p.sku], 3),
                round(off_air_minutes[p.sku], 3),
            )
            for p in shelf
        },
        orders,
        gmv,
        by_sku,
    )


def _likes_and_shares(rng: random.Random, draft: _Draft, viewers: Sequence[_Viewer]) -> None:
    for v in viewers:
        watched = v.leave - v.join
        for _ in range(_poisson(rng, 0.05 * watched / 60)):
            at = rng.uniform(v.join + 1, v.leave - 1)
            draft.add(at, "like", v.viewer, {"count": rng.randint(1, 30)})
        if rng.random() < 0.04 and watched > 5:
            at = rng.uniform(v.join + 1, v.leave - 1)
            draft.add(at, "share", v.viewer, {"channel": rng.choice(("wechat", "moments"))})


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means; a normal approximation above 30."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
