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

from dataclasses import dataclass
from typing import Any

from liveloop.live.contracts import ActionKind
from liveloop.live.stream.viewers import PersonBadge


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
