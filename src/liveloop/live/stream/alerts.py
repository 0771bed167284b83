"""Alerts for the host and 场控, each with its rule (``AlertRules``, every threshold
configurable) and, where one helps, the one-click action it suggests:

- ``person_entered``   a VIP, 金卡 (or 黑金) member or KOC came in — with what to thank them for;
- ``viewers_dropping`` online fell more than ``drop_percent`` within a minute → 福袋 or coupon;
- ``product_heating``  a product's clicks + carts in the last minute ≥ ``heat_factor`` × the
                       minute before (and ≥ ``heat_min``) → explain it next;
- ``stock_running_out`` at the current order velocity a product's allocated stock runs out
                       within ``stock_minutes`` → tell supply;
- ``complaints_spiking`` complaints in the last minute ≥ ``complaint_floor`` and
                       ≥ ``complaint_factor`` × the minute before;
- ``questions_waiting`` ≥ ``queue_count`` open question clusters older than ``queue_age_seconds``.

Invariant: an alert is raised once per cause (its code and what it is about: a person, a sku,
the room) per ``cooldown_seconds`` — a person's arrival once a show — so a condition that holds
for minutes is one alert, not a storm. An alert is a JSON-able dict with a Chinese ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liveloop.live.contracts import ActionKind
from liveloop.live.stream.figures import ShelfItem
from liveloop.live.stream.viewers import PersonBadge, badge_of

if TYPE_CHECKING:
    from liveloop.live.stream.show import Show


@dataclass(frozen=True, slots=True)
class AlertRules:
    """When the room raises an alert (the defaults are the issue's)."""

    welcome_vip: bool = True
    welcome_tiers: frozenset[str] = frozenset({"金卡", "黑金"})
    welcome_koc: bool = True
    # An arrival is alerted only while fresh (a rebuild replaying old joins says nothing).
    arrival_fresh_seconds: int = 30
    drop_percent: float = 20.0
    drop_min_online: int = 20  # below this the room is too small for a percentage to mean much
    heat_factor: float = 2.0
    heat_min: int = 10
    stock_minutes: float = 10.0
    stock_velocity_seconds: int = 120  # the order velocity is measured over this span
    complaint_floor: int = 5  # per minute
    complaint_factor: float = 2.0
    queue_age_seconds: int = 60
    queue_count: int = 5
    cooldown_seconds: int = 300

    def welcomes(self, badge: PersonBadge | None) -> bool:
        if badge is None:
            return False
        return (
            (self.welcome_vip and badge.vip)
            or (self.welcome_koc and badge.koc)
            or (badge.tier is not None and badge.tier in self.welcome_tiers)
        )


class AlertBook:
    """The alerts raised in a show and when each cause may be raised again."""

    def __init__(self, rules: AlertRules) -> None:
        self.rules = rules
        self.next_allowed: dict[tuple[str, str], float] = {}
        self.raised: list[dict[str, Any]] = []
        self.new: list[dict[str, Any]] = []

    def raise_once(
        self,
        code: str,
        about: str,
        at: float,
        message: str,
        *,
        level: str = "warning",
        suggest: tuple[ActionKind, str | None, str] | None = None,
        data: dict[str, Any] | None = None,
        once: bool = False,
    ) -> dict[str, Any] | None:
        """Raise ``code`` about ``about`` unless it is cooling down; ``once`` = never again in
        this show. Returns the alert, or None when it was held back."""
        cause = (code, about)
        if at < self.next_allowed.get(cause, float("-inf")):
            return None
        self.next_allowed[cause] = float("inf") if once else at + self.rules.cooldown_seconds
        alert: dict[str, Any] = {
            "id": f"{code}:{about}:{int(at)}",
            "code": code,
            "about": about,
            "level": level,
            "at": at,
            "message": message,
            "suggest": None,
            "data": data or {},
        }
        if suggest is not None:
            kind, target, label = suggest
            alert["suggest"] = {"kind": kind.value, "target": target, "label": label}
        self.raised.append(alert)
        self.new.append(alert)
        return alert

    def take_new(self) -> list[dict[str, Any]]:
        out, self.new = self.new, []
        return out


def welcome_message(name: str, badge: PersonBadge) -> str:
    who = "、".join(badge.labels()) or "老客"
    text = f"{who} {name} 进入直播间"
    if badge.last_product:
        text += f"，可以感谢 TA 上次购买的「{badge.last_product}」"
    else:
        text += "，记得打个招呼"
    return text


def drop_message(before: int, now: int, percent: float) -> str:
    return f"在线人数一分钟内从 {before} 降到 {now}（下降 {percent:.0f}%），建议发福袋或优惠券留人"


def heat_message(name: str, last: int, before: int) -> str:
    return (
        f"「{name}」热度飙升：近一分钟点击加购 {last} 次（上一分钟 {before} 次），建议下一个讲解它"
    )


def stock_message(name: str, left: int, minutes: float) -> str:
    if left <= 0:
        return f"「{name}」本场分配库存已售罄，请通知供应链补货或下架"
    return f"「{name}」按当前下单速度约 {minutes:.0f} 分钟后售罄（剩 {left} 件），请通知供应链"


def complaint_message(last: int, before: int) -> str:
    return f"投诉激增：近一分钟 {last} 条（上一分钟 {before} 条），请场控及时处理"


def queue_message(waiting: int, seconds: int) -> str:
    return f"有 {waiting} 组问题超过 {seconds} 秒未回答，请主播或场控尽快回复"


def evaluate(
    show: Show,
    shelf: Mapping[str, ShelfItem],
    people: Mapping[int, PersonBadge],
    at: float,
    second: int,
) -> None:
    """Raise what the show's state at ``at`` calls for (each rule in the module docstring)."""
    book = show.alerts
    rules = book.rules
    for joined, key in show.welcomes if show.ended_at is None else ():
        viewer = show.audience.viewers[key]
        badge = badge_of(viewer, people)
        if badge is None or at - joined > rules.arrival_fresh_seconds:
            continue
        name = viewer.nickname or f"顾客 {viewer.customer_id}"
        book.raise_once(
            "person_entered",
            key,
            joined,
            welcome_message(name, badge),
            level="info",
            data={"viewer": key, "customer_id": viewer.customer_id, **badge.frame()},
            once=True,
        )
    show.welcomes.clear()
    if show.ended_at is not None or show.ring.head is None:
        return
    ring = show.ring
    # Viewers dropping: the minute's peak against now.
    peak = ring.peak_online(second, 60)
    online = show.audience.online
    if peak >= rules.drop_min_online and peak > 0:
        fall = (peak - online) * 100.0 / peak
        if fall > rules.drop_percent:
            book.raise_once(
                "viewers_dropping",
                "room",
                at,
                drop_message(peak, online, fall),
                suggest=(ActionKind.PUSH_COUPON, None, "发优惠券"),
                data={
                    "peak": peak,
                    "online": online,
                    "percent": round(fall, 1),
                    "alternatives": [{"kind": ActionKind.PUSH_LUCKY_BAG.value, "label": "发福袋"}],
                },
            )
    # A product heating up (clicks + carts, this minute against the one before; not before
    # the show has a minute before, so its first interest is no surge).
    last = ring.sku_sums(second, 60)
    before = ring.sku_sums(second - 60, 60)
    history = ring.first is not None and ring.first <= second - 119
    for sku, counts in last.items() if history else ():
        now_heat = counts[0] + counts[1]
        prior = before.get(sku)
        then_heat = prior[0] + prior[1] if prior else 0
        if sku == show.on_air or now_heat < rules.heat_min:
            continue
        if now_heat >= rules.heat_factor * then_heat:
            name = shelf[sku].name if sku in shelf else sku
            book.raise_once(
                "product_heating",
                sku,
                at,
                heat_message(name, now_heat, then_heat),
                level="info",
                suggest=(ActionKind.START_EXPLAINING, sku, f"讲解「{name}」"),
                data={"sku": sku, "last_minute": now_heat, "minute_before": then_heat},
            )
    # Stock running out at the current order velocity.
    span = rules.stock_velocity_seconds
    recent = ring.sku_sums(second, span) if span != 60 else last
    for sku, item in shelf.items():
        if item.stock is None:
            continue
        sold = show.products[sku].units if sku in show.products else 0
        left = item.stock - sold
        if left <= 0:
            if sold > 0:
                book.raise_once(
                    "stock_sold_out",
                    sku,
                    at,
                    stock_message(item.name, left, 0.0),
                    level="critical",
                    data={"sku": sku, "stock": item.stock, "sold": sold},
                    once=True,
                )
            continue
        units = recent[sku][2] if sku in recent else 0
        if units <= 0:
            continue
        minutes = left / (units / span) / 60
        if minutes <= rules.stock_minutes:
            book.raise_once(
                "stock_running_out",
                sku,
                at,
                stock_message(item.name, left, minutes),
                level="critical",
                data={"sku": sku, "left": left, "minutes": round(minutes, 1)},
            )
    # Complaints spiking.
    complaints = ring.window(second, 60).complaints
    prior_complaints = ring.window(second - 60, 60).complaints
    if (
        complaints >= rules.complaint_floor
        and complaints >= rules.complaint_factor * prior_complaints
    ):
        book.raise_once(
            "complaints_spiking",
            "room",
            at,
            complaint_message(complaints, prior_complaints),
            data={"last_minute": complaints, "minute_before": prior_complaints},
        )
    # The question queue backing up.
    cutoff = at - rules.queue_age_seconds
    waiting = [c.id for c in show.board.open_clusters() if c.first_at <= cutoff]
    if len(waiting) >= rules.queue_count:
        book.raise_once(
            "questions_waiting",
            "room",
            at,
            queue_message(len(waiting), rules.queue_age_seconds),
            data={"waiting": len(waiting), "clusters": waiting[:10]},
        )
