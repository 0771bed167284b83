"""Every viewer of a show as a person: who they are (customer id once OneID resolved them,
nickname, badges from their profile), how long they watched, what they asked, clicked, carted
and paid — and the high-intent list (asked the price + clicked a product + watched ≥ 3 min +
not paid), the people a guide should follow up.

Invariants:
- a viewer is one viewer key (``StreamEvent.viewer``); joining twice while present counts once,
  leaving while absent changes nothing (only what was seen counts);
- watch time is measured from our own join and leave times: a closed session adds its length,
  an open one its length so far; the audience's sum of open sessions is kept as
  ``online × now − Σ join times`` so the average costs O(1);
- badges come from outside (``set_people``; the feed fills them from profiles), never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from liveloop.live.contracts import Aspect
from liveloop.live.stream.figures import ZERO, money

HIGH_INTENT_WATCH_SECONDS = 180


@dataclass(frozen=True, slots=True)
class PersonBadge:
    """What the console shows beside a viewer who is a known customer."""

    vip: bool = False
    tier: str | None = None  # 普通 / 银卡 / 金卡 / 黑金
    koc: bool = False
    rfm_group: str | None = None
    last_order_at: datetime | None = None
    last_product: str | None = None  # the last order's product (what to thank them for)

    def labels(self) -> list[str]:
        out = []
        if self.vip:
            out.append("VIP")
        if self.tier and self.tier != "普通":
            out.append(self.tier)
        if self.koc:
            out.append("KOC")
        return out

    def frame(self) -> dict[str, Any]:
        return {
            "labels": self.labels(),
            "vip": self.vip,
            "tier": self.tier,
            "koc": self.koc,
            "rfm_group": self.rfm_group,
            "last_order_at": self.last_order_at.isoformat() if self.last_order_at else None,
            "last_product": self.last_product,
        }


class Viewer:
    """One viewer key in one show."""

    __slots__ = (
        "asked",
        "carted",
        "clicked",
        "comments",
        "customer_id",
        "first_seen",
        "joined_at",
        "key",
        "nickname",
        "orders",
        "sessions",
        "spend",
        "watched",
        "welcomed",
    )

    def __init__(self, key: str, first_seen: float) -> None:
        self.key = key
        self.customer_id: int | None = None
        self.nickname: str | None = None
        self.first_seen = first_seen
        self.joined_at: float | None = None  # present since (None: not in the room)
        self.watched = 0.0  # closed sessions' seconds
        self.sessions = 0
        self.asked: set[str] = set()  # aspects asked about
        self.clicked: set[str] = set()
        self.carted: set[str] = set()
        self.orders = 0
        self.spend = ZERO
        self.comments = 0
        self.welcomed = False  # its arrival alert was raised (once a show)

    def watch_seconds(self, now: float) -> int:
        live = max(now - self.joined_at, 0.0) if self.joined_at is not None else 0.0
        return int(self.watched + live)

    def frame(self, now: float, badge: PersonBadge | None) -> dict[str, Any]:
        return {
            "viewer": self.key,
            "customer_id": self.customer_id,
            "nickname": self.nickname,
            "online": self.joined_at is not None,
            "first_seen": self.first_seen,
            "watch_seconds": self.watch_seconds(now),
            "asked": sorted(self.asked),
            "clicked": sorted(self.clicked),
            "carted": sorted(self.carted),
            "paid": self.orders > 0,
            "orders": self.orders,
            "spend": money(self.spend),
            "comments": self.comments,
            "badge": badge.frame() if badge else None,
        }


class Audience:
    """The viewers of one show and the O(1) sums the figures need."""

    def __init__(self) -> None:
        self.viewers: dict[str, Viewer] = {}
        self.by_customer: dict[int, set[str]] = {}  # customer id → their viewer keys
        self.online = 0
        self.watchers = 0  # distinct viewers who joined at least once
        self.closed_watch = 0.0  # Σ closed sessions
        self.open_join_sum = 0.0  # Σ join times of the viewers online now
        self.buyers = 0
        self.unmatched_leaves = 0  # a leave with no join seen: not counted, but kept honest
        # Viewers who asked the price and clicked a product and have not paid (watch is checked
        # when the list is read, since it grows by itself).
        self.intent_candidates: set[str] = set()

    def seen(self, key: str, at: float, customer_id: int | None, nickname: str | None) -> Viewer:
        viewer = self.viewers.get(key)
        if viewer is None:
            viewer = self.viewers[key] = Viewer(key, at)
        if customer_id is not None and viewer.customer_id != customer_id:
            viewer.customer_id = customer_id
            self.by_customer.setdefault(customer_id, set()).add(key)
        if nickname:
            viewer.nickname = nickname
        return viewer

    def join(self, viewer: Viewer, at: float) -> bool:
        """True when the viewer entered (was not in the room)."""
        if viewer.joined_at is not None:
            return False
        if viewer.sessions == 0:
            self.watchers += 1
        viewer.sessions += 1
        viewer.joined_at = at
        self.online += 1
        self.open_join_sum += at
        return True

    def leave(self, viewer: Viewer, at: float) -> bool:
        """True when the viewer left (was in the room)."""
        joined = viewer.joined_at
        if joined is None:
            self.unmatched_leaves += 1
            return False
        length = max(at - joined, 0.0)
        viewer.watched += length
        viewer.joined_at = None
        self.online -= 1
        self.open_join_sum -= joined
        self.closed_watch += length
        return True

    def average_watch(self, now: float) -> float:
        """Average watch seconds per viewer who joined: closed sessions plus open ones so far."""
        if not self.watchers:
            return 0.0
        open_watch = self.online * now - self.open_join_sum
        return (self.closed_watch + max(open_watch, 0.0)) / self.watchers

    def asked(self, viewer: Viewer, aspect: Aspect) -> None:
        viewer.asked.add(aspect.value)
        self._check_intent(viewer)

    def clicked(self, viewer: Viewer, sku: str) -> None:
        viewer.clicked.add(sku)
        self._check_intent(viewer)

    def paid(self, viewer: Viewer, amount: Decimal) -> None:
        if viewer.orders == 0:
            self.buyers += 1
        viewer.orders += 1
        viewer.spend += amount
        self.intent_candidates.discard(viewer.key)

    def _check_intent(self, viewer: Viewer) -> None:
        if viewer.orders == 0 and viewer.clicked and Aspect.PRICE.value in viewer.asked:
            self.intent_candidates.add(viewer.key)

    def high_intent(
        self, now: float, people: Mapping[int, PersonBadge], limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """Asked the price + clicked a product + watched ≥ 3 min + not paid: how many, and the
        first ``limit`` of them, longest watch first."""
        found = []
        for key in self.intent_candidates:
            viewer = self.viewers[key]
            watched = viewer.watch_seconds(now)
            if watched >= HIGH_INTENT_WATCH_SECONDS:
                found.append((-watched, key, viewer))
        found.sort(key=lambda item: (item[0], item[1]))
        return len(found), [v.frame(now, badge_of(v, people)) for _, _, v in found[:limit]]


def badge_of(viewer: Viewer, people: Mapping[int, PersonBadge]) -> PersonBadge | None:
    return people.get(viewer.customer_id) if viewer.customer_id is not None else None
