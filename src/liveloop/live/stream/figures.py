"""A show's figures kept per second: a ring of the last seconds (``Ring``), the show's running
totals (``Tally``) and what each product did on and off air (``ProductFigures``).

Invariants:
- an event costs O(1): it lands in the bucket of its own second (found by ``second % size``);
  the ring only moves forward, and clearing the seconds it skips is paid once per second;
- flows (entries, comments, clicks, GMV …) are counted in the bucket of the event's second;
  ``online`` is a level: each bucket holds the number online at the end of its second, a skipped
  second carries the level before it;
- an event older than the ring still counts in the totals, never in a window;
- money is Decimal yuan; a frame carries it as a string with two places.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liveloop.store.base import to_money

if TYPE_CHECKING:
    from liveloop.live.stream.show import Show

ZERO = Decimal("0.00")
# The flows a bucket and a window hold, in the order frames list them.
FLOWS = (
    "entries",
    "exits",
    "comments",
    "questions",
    "complaints",
    "likes",
    "shares",
    "clicks",
    "carts",
    "orders",
    "units",
)


def money(value: Decimal) -> str:
    return str(to_money(value))


@dataclass(frozen=True, slots=True)
class ShelfItem:
    """A product on the show's shelf as the processor uses it: its name (matched in questions),
    live price and allocated stock (for answers and the stock-out projection)."""

    sku: str
    name: str
    live_price: Decimal | None = None
    stock: int | None = None  # allocated to this show; None = not limited
    on_shelf: bool = True
    attributes: Mapping[str, str] = field(default_factory=dict)  # 配料/营养 …, for answers
    aliases: tuple[str, ...] = ()  # other names viewers use (e.g. 小米 for 有机小米)

    @classmethod
    def of(cls, item: Any) -> ShelfItem:
        """From a ``ShelfItemView`` (or any object or mapping with the same names):
        ``sku``, ``name``, ``live_price``, the allocated ``stock`` (or ``allocated``)."""
        if isinstance(item, ShelfItem):
            return item

        def get(name: str, default: Any = None) -> Any:
            if isinstance(item, Mapping):
                return item.get(name, default)
            return getattr(item, name, default)

        stock = next(
            (
                get(name)
                for name in (
                    "stock",
                    "allocated",
                    "allocated_stock",
                    "stock_allocated",
                    "live_stock",
                )
                if get(name) is not None
            ),
            None,
        )
        price = get("live_price")
        return cls(
            sku=str(get("sku")),
            name=str(get("name") or get("sku")),
            live_price=None if price is None else to_money(price),
            stock=None if stock is None else int(stock),
            on_shelf=bool(get("on_shelf", True)),
            attributes=dict(get("attributes") or {}),
            aliases=tuple(get("aliases") or ()),
        )


class Second:
    """One second's bucket."""

    __slots__ = (
        "at",
        "carts",
        "clicks",
        "comments",
        "complaints",
        "entries",
        "exits",
        "gmv",
        "likes",
        "online",
        "orders",
        "questions",
        "shares",
        "skus",
        "units",
    )

    def __init__(self) -> None:
        self.reset(-1, 0)

    def reset(self, at: int, online: int) -> None:
        self.at = at
        self.online = online
        self.entries = self.exits = self.comments = self.questions = self.complaints = 0
        self.likes = self.shares = self.clicks = self.carts = self.orders = self.units = 0
        self.gmv = ZERO
        # sku → [clicks, carts, units ordered]; None until a product event lands here.
        self.skus: dict[str, list[int]] | None = None

    def sku(self, sku: str) -> list[int]:
        if self.skus is None:
            self.skus = {}
        counts = self.skus.get(sku)
        if counts is None:
            counts = self.skus[sku] = [0, 0, 0]
        return counts

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"second": self.at, "online": self.online}
        for name in FLOWS:
            out[name] = getattr(self, name)
        out["gmv"] = money(self.gmv)
        return out


class Ring:
    """The last ``size`` seconds, each a ``Second`` (Unix seconds index the slots)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.slots = [Second() for _ in range(size)]
        self.head: int | None = None  # the newest second held
        self.first: int | None = None  # the first second it ever held (the show's start)

    def bucket(self, second: int, online: int) -> Second | None:
        """The bucket of ``second`` (the ring moves forward to it, carrying ``online``), or
        None when it is older than the ring."""
        head = self.head
        if head is None or second > head:
            self.advance(second, online)
        elif second <= head - self.size or (self.first is not None and second < self.first):
            return None  # older than the ring holds, or before the show began
        return self.slots[second % self.size]

    def advance(self, to: int, online: int) -> None:
        head = self.head
        if head is not None and to <= head:
            return
        # The ring holds no second before its first: a show has no figures before it began.
        start = to if head is None else max(head + 1, to - self.size + 1)
        if self.first is None:
            self.first = to
        slots, size = self.slots, self.size
        for second in range(start, to + 1):
            slots[second % size].reset(second, online)
        self.head = to

    def get(self, second: int) -> Second | None:
        slot = self.slots[second % self.size]
        return slot if slot.at == second else None

    def window(self, end: int, seconds: int) -> Window:
        """The flows of the seconds ``(end - seconds, end]`` and the mean online in them."""
        out = Window(seconds)
        slots, size = self.slots, self.size
        online_sum = 0
        held = 0
        start_online: int | None = None
        for second in range(end - seconds + 1, end + 1):
            slot = slots[second % size]
            if slot.at != second:
                continue
            if start_online is None:
                start_online = slot.online - slot.entries + slot.exits
            held += 1
            online_sum += slot.online
            out.entries += slot.entries
            out.exits += slot.exits
            out.comments += slot.comments
            out.questions += slot.questions
            out.complaints += slot.complaints
            out.likes += slot.likes
            out.shares += slot.shares
            out.clicks += slot.clicks
            out.carts += slot.carts
            out.orders += slot.orders
            out.units += slot.units
            if slot.orders:
                out.gmv += slot.gmv
        out.mean_online = online_sum / held if held else 0.0
        out.start_online = max(start_online or 0, 0)
        return out

    def sku_sums(self, end: int, seconds: int) -> dict[str, list[int]]:
        """Per sku [clicks, carts, units] over ``(end - seconds, end]``."""
        sums: dict[str, list[int]] = {}
        for second in range(end - seconds + 1, end + 1):
            slot = self.slots[second % self.size]
            if slot.at != second or slot.skus is None:
                continue
            for sku, counts in slot.skus.items():
                got = sums.get(sku)
                if got is None:
                    sums[sku] = list(counts)
                else:
                    got[0] += counts[0]
                    got[1] += counts[1]
                    got[2] += counts[2]
        return sums

    def peak_online(self, end: int, seconds: int) -> int:
        peak = 0
        for second in range(end - seconds + 1, end + 1):
            slot = self.slots[second % self.size]
            if slot.at == second and slot.online > peak:
                peak = slot.online
        return peak


class Window:
    """The flows of a span of seconds (see ``Ring.window``)."""

    __slots__ = (*FLOWS, "buyers", "gmv", "mean_online", "seconds", "start_online")

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.entries = 0
        self.exits = 0
        self.comments = 0
        self.questions = 0
        self.complaints = 0
        self.likes = 0
        self.shares = 0
        self.clicks = 0
        self.carts = 0
        self.orders = 0
        self.units = 0
        self.gmv = ZERO
        self.mean_online = 0.0
        self.start_online = 0
        self.buyers = 0

    def frame(self) -> dict[str, Any]:
        """The window's figures. Its audience is those online at its start plus its entries (a
        viewer who leaves and comes back inside the window counts twice), so its GPM and
        conversion are per audience member; the show-wide ones count distinct viewers."""
        audience = self.start_online + self.entries
        out: dict[str, Any] = {name: getattr(self, name) for name in FLOWS}
        out["online_mean"] = round(self.mean_online, 1)
        out["audience"] = audience
        out["buyers"] = self.buyers
        out["gmv"] = {"value": money(self.gmv), "provisional": True}
        out["gpm"] = {"value": money(gpm(self.gmv, audience)), "provisional": True}
        out["conversion"] = ratio(self.buyers, audience)
        minutes = self.seconds / 60
        out["comments_per_minute"] = round(self.comments / minutes, 1)
        per_minute = self.gmv * 60 / self.seconds
        out["gmv_per_minute"] = {"value": money(per_minute), "provisional": True}
        return out


def gpm(gmv: Decimal, viewers: int) -> Decimal:
    """GMV per 1,000 viewers: GMV ÷ viewers × 1000 (0 with no viewers)."""
    return to_money(gmv * 1000 / viewers) if viewers else ZERO


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


class Tally:
    """The show's running totals (every event seen, whether or not the ring still holds it)."""

    __slots__ = (*FLOWS, "gmv", "host_comments", "late", "peak_online")

    def __init__(self) -> None:
        self.entries = 0
        self.exits = 0
        self.comments = 0
        self.questions = 0
        self.complaints = 0
        self.likes = 0
        self.shares = 0
        self.clicks = 0
        self.carts = 0
        self.orders = 0
        self.units = 0
        self.gmv = ZERO
        self.host_comments = 0
        self.peak_online = 0
        self.late = 0  # events older than the ring (counted here, in no window)


class ProductFigures:
    """One product in the show: its funnel, and its 讲解 on air (segments, seconds, and the
    clicks, carts and orders that came while it was on air)."""

    __slots__ = (
        "air_carts",
        "air_clicks",
        "air_gmv",
        "air_orders",
        "air_seconds",
        "carts",
        "clicks",
        "gmv",
        "on_air_since",
        "orders",
        "segments",
        "sku",
        "units",
    )

    def __init__(self, sku: str) -> None:
        self.sku = sku
        self.clicks = self.carts = self.orders = self.units = 0
        self.gmv = ZERO
        self.air_clicks = self.air_carts = self.air_orders = 0
        self.air_gmv = ZERO
        self.air_seconds = 0.0
        self.on_air_since: float | None = None
        self.segments: list[tuple[float, float | None]] = []

    def start_air(self, at: float) -> None:
        if self.on_air_since is None:
            self.on_air_since = at
            self.segments.append((at, None))

    def stop_air(self, at: float) -> None:
        since = self.on_air_since
        if since is None:
            return
        self.air_seconds += max(at - since, 0.0)
        self.segments[-1] = (since, at)
        self.on_air_since = None

    def seconds_on_air(self, now: float) -> int:
        live = max(now - self.on_air_since, 0.0) if self.on_air_since is not None else 0.0
        return int(self.air_seconds + live)

    def frame(self, now: float, item: ShelfItem | None) -> dict[str, Any]:
        stock_left = None if item is None or item.stock is None else item.stock - self.units
        return {
            "sku": self.sku,
            "name": item.name if item else self.sku,
            "on_air": self.on_air_since is not None,
            "seconds_on_air": self.seconds_on_air(now),
            "clicks": self.clicks,
            "carts": self.carts,
            "orders": self.orders,
            "units": self.units,
            "gmv": {"value": money(self.gmv), "provisional": True},
            "on_air_figures": {
                "clicks": self.air_clicks,
                "carts": self.air_carts,
                "orders": self.air_orders,
                "gmv": {"value": money(self.air_gmv), "provisional": True},
            },
            "segments": [[start, end] for start, end in self.segments],
            "stock_left": stock_left,
        }


def show_figures(
    show: Show, shelf: Mapping[str, ShelfItem], window: int, at: float, second: int
) -> dict[str, Any]:
    """The show's figures at ``at`` (``second`` its Unix second), with the last ``window``
    seconds against the ``window`` before."""
    ring, tally, audience = show.ring, show.tally, show.audience
    minute = ring.window(second, 60)
    last = ring.window(second, window)
    before = ring.window(second - window, window)
    last.buyers = show.buyers(second, window)
    before.buyers = show.buyers(second - window, window)
    previous = ring.get(second - 1)
    viewers = len(audience.viewers)
    gmv = tally.gmv
    return {
        "online": audience.online,
        "peak_online": tally.peak_online,
        "viewers": viewers,
        "watchers": audience.watchers,
        "entries": tally.entries,
        "exits": tally.exits,
        "entries_per_second": previous.entries if previous else 0,
        "exits_per_second": previous.exits if previous else 0,
        "avg_watch_seconds": round(audience.average_watch(at)),
        "comments": tally.comments,
        "host_comments": tally.host_comments,
        "comments_per_minute": minute.comments,
        "questions": tally.questions,
        "complaints": tally.complaints,
        "likes": tally.likes,
        "shares": tally.shares,
        "clicks": tally.clicks,
        "carts": tally.carts,
        "orders": tally.orders,
        "units": tally.units,
        "buyers": audience.buyers,
        "gmv": {"value": money(gmv), "provisional": True},
        "gmv_per_minute": {"value": money(minute.gmv), "provisional": True},
        # GMV per 1,000 distinct viewers of the show (not per 1,000 views).
        "gpm": {"value": money(gpm(gmv, viewers)), "provisional": True},
        "conversion": ratio(audience.buyers, viewers),  # buyers ÷ distinct viewers
        "windows": {
            "minutes": window // 60,
            "last": last.frame(),
            "before": before.frame(),
        },
        "products": [p.frame(at, shelf.get(sku)) for sku, p in sorted(show.products.items())],
        "late_events": tally.late,
    }
