"""What a person buys: staples on their repurchase cycle, festival gifts, and each order.

Buying follows a BG/NBD-like process: a buyer makes a first purchase soon after joining, then
re-buys each of their staples on its cycle (the SKU's cycle × a personal pace × noise × season);
after every staple trip they drop out with their personal probability p. Lives, festivals and
group buys add impulse orders while they are alive.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from liveloop.sim.catalog import (
    BASKET_RULES,
    BY_SKU,
    FESTIVAL_WINDOWS,
    FESTIVE,
    IMPULSE,
    STAPLES,
    Sku,
    season_factor,
)
from liveloop.sim.config import SHANGHAI, SimConfig
from liveloop.sim.identities import raw_phone
from liveloop.sim.tables import Chunk
from liveloop.sim.world import Leader, Live

if TYPE_CHECKING:
    from liveloop.sim.person import Person
    from liveloop.sim.touches import Identifiers

REFUND_REASONS_FRESH = ("坏果包赔", "鸡蛋破损", "冷链超时变质")
REFUND_REASONS = ("包装破损", "口味不符", "物流超时", "拍错了")
ZERO = Decimal("0.00")


def staple_plan(rng: random.Random, cfg: SimConfig, person: Person) -> list[tuple[Sku, float]]:
    """The staples the person re-buys, each with their own interval in days."""
    audiences = {"all"}
    for flag, audience in (
        (person.has_infant, "infant"),
        (person.health_need, "health"),
        (person.baker, "baker"),
        (person.coffee, "coffee"),
        (person.fitness, "fitness"),
        (person.cook, "cook"),
    ):
        if flag:
            audiences.add(audience)
    eligible = [s for s in STAPLES if s.audience in audiences and s.pool in ("", person.city.pool)]
    # Targeted staples (baby food for infants, beans for coffee drinkers) come first.
    targeted = [s for s in eligible if s.audience != "all"]
    general = [s for s in eligible if s.audience == "all"]
    chosen: list[Sku] = []
    for s in targeted:
        if rng.random() < 0.8:
            chosen.append(s)
    k = rng.choice((1, 1, 2, 2, 3))
    weights = [s.weight for s in general]
    while len(chosen) < k + len(targeted) // 2 and general:
        s = rng.choices(general, weights)[0]
        i = general.index(s)
        general.pop(i)
        weights.pop(i)
        chosen.append(s)
    sigma = cfg.personal_pace_sigma
    return [(s, (s.cycle_days or 0) * rng.lognormvariate(0, sigma)) for s in chosen]


class Shopper:
    """The person as a buyer: never, one-off or loyal, their staples, and the orders they place."""

    def __init__(
        self,
        rng: random.Random,
        cfg: SimConfig,
        person: Person,
        ids: Identifiers,
        leader: Leader | None,
        out: Chunk,
    ) -> None:
        self.rng, self.config, self.person, self.ids = rng, cfg, person, ids
        self.leader, self.out = leader, out
        self.end = cfg.end_at
        self.order_seq = 0
        self.placed: list[tuple[dict, list[dict], str]] = []  # (order, its lines, kind)
        roll = rng.random()
        if roll < cfg.share_never_buy:
            self.buyer_kind, self.p_drop = "never", 1.0
        elif roll < cfg.share_never_buy + (1 - cfg.share_never_buy) * cfg.share_one_off:
            self.buyer_kind, self.p_drop = "one_off", rng.betavariate(*cfg.one_off_dropout)
        else:
            self.buyer_kind, self.p_drop = "loyal", rng.betavariate(*cfg.loyal_dropout)
        self.first_order_at: datetime | None = None
        self.dropped_at: datetime | None = None
        self.staple_plan = staple_plan(rng, cfg, person) if self.buyer_kind != "never" else []
        for sku, interval in self.staple_plan:
            out.truth_staples.append(
                {
                    "person_id": person.pid,
                    "sku": sku.sku,
                    "planted_interval_days": round(interval, 4),
                }
            )

    @property
    def alive_until(self) -> datetime:
        return self.dropped_at or self.end

    def rebuy_staples(self) -> None:
        """The first order, then each staple again on its cycle until the person drops out."""
        rng, cfg = self.rng, self.config
        if not self.staple_plan:
            return
        first = self.person.joined_at + timedelta(hours=rng.expovariate(1 / 36))
        if first >= self.end:
            return
        self.first_order_at = first
        due = {
            sku.sku: first if n == 0 else first + timedelta(days=interval * rng.random())
            for n, (sku, interval) in enumerate(self.staple_plan)
        }
        intervals = {sku.sku: interval for sku, interval in self.staple_plan}
        noise = cfg.interval_noise_sigma
        while True:
            t = min(due.values())
            if t >= self.end:
                break
            # Staples due within half a day go in one basket, placed when the first falls due.
            basket = sorted(code for code, when in due.items() if when - t <= timedelta(hours=12))
            self.place_order(t, basket, kind="staple")
            month = t.astimezone(SHANGHAI).month
            for code in basket:
                factor = rng.lognormvariate(0, noise) * season_factor(BY_SKU[code].category, month)
                # From the SKU's own due time, so pulling it into an earlier basket does not
                # shorten its cycle.
                due[code] += timedelta(days=intervals[code] * factor)
            if rng.random() < self.p_drop:
                self.dropped_at = t
                break

    def channel_for_order(self) -> tuple[str, str | None, str | None]:
        """(channel, buyer id type, buyer id) for an order outside a live."""
        rng, ids = self.rng, self.ids
        if self.leader and rng.random() < 0.5 and ids.has_phone:
            return "group_buy", "phone", None  # phone filled at order time
        options = []
        if ids.wechat:
            options += [("mini_program", "openid", ids.openid_mp)] * 6
            options += [("wecom", "unionid", ids.unionid)] * 1
        if ids.douyin:
            options += [("douyin", "douyin_id", ids.douyin)] * 3
        if ids.member_no:
            options += [("pos", "member_no", ids.member_no)] * 1
        if ids.has_phone:
            options += [("mini_program", "phone", None)] * 2
        return rng.choice(options)

    def place_order(
        self,
        at: datetime,
        skus: list[str],
        *,
        kind: str,
        live: Live | None = None,
        prices: dict[str, Decimal] | None = None,
    ) -> None:
        rng, cfg, person, ids = self.rng, self.config, self.person, self.ids
        items = list(skus)
        if kind == "staple" and rng.random() < 0.2:
            extra = rng.choices(IMPULSE, [s.weight for s in IMPULSE])[0]
            if extra.sku not in items and extra.pool in ("", person.city.pool):
                items.append(extra.sku)
        # Add-ons, in rule order so a chain (flour → butter → yeast) works.
        for rule in BASKET_RULES:
            if (
                all(a in items for a in rule.antecedents)
                and rule.consequent not in items
                and rng.random() < rule.confidence
            ):
                items.append(rule.consequent)
        self.order_seq += 1
        order_no = f"SO{person.pid:07d}{self.order_seq:03d}"
        id_type: str | None
        buyer: str | None
        if live is not None:
            channel = "live"
            if live.platform == "douyin" and ids.douyin:
                id_type, buyer = "douyin_id", ids.douyin
            elif ids.wechat:
                id_type, buyer = "openid", ids.openid_mp
            else:
                id_type, buyer = "phone", None
        else:
            channel, id_type, buyer = self.channel_for_order()
        if buyer is None:
            buyer = raw_phone(ids.phone_at(at) or ids.phone, rng)
            id_type = "phone"
        # Delivered orders carry the receiver's phone (the buyer's own, when they have one);
        # store (POS) sales do not.
        phone_now = ids.phone_at(at)
        receiver = raw_phone(phone_now, rng) if phone_now and channel != "pos" else None
        lines = []
        total = ZERO
        cold = False
        for line_no, sku in enumerate(items, start=1):
            product = BY_SKU[sku]
            price = (prices or {}).get(sku, product.price)
            quantity = 2 if rng.random() < person.spend_q else 1
            lines.append(
                {
                    "order_no": order_no,
                    "line_no": line_no,
                    "sku": sku,
                    "quantity": quantity,
                    "unit_price": price,
                }
            )
            total += price * quantity
            cold = cold or product.cold_chain
        coupon, discount = None, ZERO
        if self.order_seq == 1 and total >= 20 and rng.random() < 0.4:
            coupon, discount = "NEW5", Decimal("5.00")
        elif total >= 59 and rng.random() < (0.6 if person.price_sensitive else 0.08):
            coupon, discount = "FULL59-10", Decimal("10.00")
        refunded = rng.random() < (cfg.refund_rate_cold_chain if cold else cfg.refund_rate)
        leader = self.leader if channel == "group_buy" else None
        self.out.orders.append(
            {
                "order_no": order_no,
                "placed_at": at,
                "channel": channel,
                "buyer_id_type": id_type,
                "buyer_id": buyer,
                "receiver_phone": receiver,
                "total": total - discount,
                "discount": discount,
                "coupon_code": coupon,
                "live_session_id": live.session_id if live else None,
                "leader_id": leader.leader_id if leader else None,
                "pickup_id": leader.pickup_id if leader else None,
                "status": "refunded" if refunded else "paid",
                "refunded_at": min(
                    self.end - timedelta(seconds=1), at + timedelta(days=rng.uniform(1, 5))
                )
                if refunded
                else None,
                "refund_reason": rng.choice(REFUND_REASONS_FRESH if cold else REFUND_REASONS)
                if refunded
                else None,
            }
        )
        self.out.order_items.extend(lines)
        self.out.truth_orders.append({"order_no": order_no, "person_id": person.pid, "kind": kind})
        self.placed.append((self.out.orders[-1], lines, kind))

    def stock_up_in_lives(self, lives: Sequence[Live]) -> dict[int, datetime]:
        """A viewer's staple orders that fall due within ``live_pull_hours`` after a show began
        are bought in that show instead (``live_staple_share`` of them; a separate draw, so the
        rest of the person's story is unchanged): placed while it is on air, at its live price
        when it features the SKU. The staple's cycle runs on from its own due time, so its
        planted interval holds. Returns when each show's order was placed (the viewer watches
        those shows)."""
        cfg, person = self.config, self.person
        rng = random.Random(f"{cfg.seed}:{person.pid}:stock-up")
        pull = timedelta(hours=cfg.live_pull_hours)
        starts = [live.starts_at for live in lives]
        visits: dict[int, datetime] = {}
        for order, lines, kind in self.placed:
            if kind != "staple" or rng.random() >= cfg.live_staple_share:
                continue
            due = order["placed_at"]
            i = bisect.bisect_left(starts, due) - 1
            if i < 0 or due - starts[i] > pull or lives[i].session_id in visits:
                continue
            live = lives[i]
            # On air, and never later than it fell due (its cycle and the person's dropping out
            # stay where they were).
            latest = min(live.duration_min - 5.0, (due - live.starts_at).total_seconds() / 60)
            if latest <= 10:
                continue
            at = live.starts_at + timedelta(minutes=rng.uniform(10, latest))
            first = self.first_order_at or at
            if at <= first or (order["refunded_at"] and order["refunded_at"] <= at):
                continue  # the first order stays where the person's story begins
            if not order["coupon_code"]:  # a coupon's threshold was met at the list price
                prices = dict(zip(live.featured, live.live_prices, strict=True))
                for line in lines:
                    line["unit_price"] = min(
                        line["unit_price"], prices.get(line["sku"], line["unit_price"])
                    )
                order["total"] = sum((x["unit_price"] * x["quantity"] for x in lines), ZERO)
            order["placed_at"], order["channel"] = at, "live"
            order["live_session_id"] = live.session_id
            order["leader_id"] = order["pickup_id"] = None
            visits[live.session_id] = at
        return visits

    def festivals(self) -> None:
        """Festival items bought in their season while the person is alive."""
        if self.first_order_at is None:
            return
        start, stop = self.first_order_at, self.alive_until
        for year in range(start.year, stop.year + 1):
            for sku in FESTIVE:
                windows = FESTIVAL_WINDOWS[sku.festival or ""]
                for month, first_day, last_day in windows:
                    if self.rng.random() >= 0.12 / len(windows):
                        continue
                    day = date(year, month, self.rng.randint(first_day, last_day))
                    at = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(
                        UTC
                    ) + timedelta(hours=self.rng.uniform(8, 23))
                    if start < at < stop:
                        self.place_order(at, [sku.sku], kind="festival")
