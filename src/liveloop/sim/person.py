"""One simulated person: who they are, how they are seen, what they buy, how they watch.

``simulate_person`` is a pure function of (config, world, index): it draws from its own random
stream, so the same person comes out the same whatever chunk they fall in.

Buying follows a BG/NBD-like process: a buyer makes a first purchase soon after joining, then
re-buys each of their staples on its cycle (the SKU's cycle × a personal pace × noise × season);
after every staple trip they drop out with their personal probability p. Lives, festivals and
group buys add impulse orders while they are alive.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from liveloop import spec
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
from liveloop.sim.comments import intent_mix, make_comment
from liveloop.sim.config import SHANGHAI, SimConfig
from liveloop.sim.geo import CITIES, GIVEN_FEMALE, GIVEN_MALE, SURNAMES, City
from liveloop.sim.identities import (
    PLACEHOLDER_DEVICES,
    PLACEHOLDER_PHONES,
    SHARED_TABLETS,
    phone_change,
    phone_number,
    raw_phone,
    typo_of,
)
from liveloop.sim.tables import Chunk
from liveloop.sim.world import Live, World

CITY_WEIGHTS = [c.weight for c in CITIES]
TIERS = (("普通会员", 55), ("银卡", 25), ("金卡", 15), ("黑金", 5))
HEALTH_NEEDS = ("糖尿病", "高血压", "减脂")
TABLET_CITIES = {
    "广州市": SHARED_TABLETS[0],
    "上海市": SHARED_TABLETS[1],
    "北京市": SHARED_TABLETS[2],
}
REFUND_REASONS_FRESH = ("坏果包赔", "鸡蛋破损", "冷链超时变质")
REFUND_REASONS = ("包装破损", "口味不符", "物流超时", "拍错了")
DAY = timedelta(days=1)
ZERO = Decimal("0.00")


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class PersonSim:
    def __init__(self, config: SimConfig, world: World, index: int, out: Chunk) -> None:
        self.config, self.world, self.index, self.out = config, world, index, out
        self.pid = index + 1
        self.rng = random.Random(config.seed * 10_000_019 + index)
        self.message_seq = 0
        self.order_seq = 0
        self.end = config.end_at

    # ------------------------------------------------------------------ who
    def profile(self) -> None:
        rng, cfg = self.rng, self.config
        self.city: City = rng.choices(CITIES, CITY_WEIGHTS)[0]
        self.female = rng.random() < 0.68
        given = GIVEN_FEMALE if self.female else GIVEN_MALE
        self.name = rng.choice(SURNAMES) + rng.choice(given)
        self.birthday = date(rng.randint(1962, 2003), rng.randint(1, 12), rng.randint(1, 28))
        self.has_infant = rng.random() < cfg.share_has_infant
        self.health_need = (
            rng.choice(HEALTH_NEEDS) if rng.random() < cfg.share_health_need else None
        )
        self.baker = rng.random() < 0.12
        self.coffee = rng.random() < 0.15
        self.fitness = rng.random() < 0.10
        self.cook = rng.random() < 0.5
        self.price_sensitive = rng.random() < cfg.share_price_sensitive
        self.member = rng.random() < cfg.share_members
        self.tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        span = (self.end - cfg.start_at).total_seconds()
        # More people join later: the private domain grows.
        self.joined_at = cfg.start_at + timedelta(seconds=span * rng.random() ** 0.8)
        self.consent = {
            "sms": rng.random() < 0.7,
            "wecom": rng.random() < 0.85,
            "email": rng.random() < 0.2,
        }
        self.spend_q = rng.uniform(0.0, 0.5)  # chance of buying two of a line

    # ------------------------------------------------------------------ how they are seen
    def identities(self) -> None:
        rng, cfg = self.rng, self.config
        self.change = phone_change(cfg, self.index)
        self.phone = phone_number(cfg.seed, self.index)
        self.new_phone: str | None = None
        if self.change and self.index == self.change.giver:
            self.new_phone = self.change.new
            # The giver must have used the old number before giving it up.
            ceiling = cfg.start_at + (self.change.at - cfg.start_at) * 0.8
            if self.joined_at >= ceiling:
                self.joined_at = cfg.start_at + (ceiling - cfg.start_at) * rng.random()
        elif self.change:  # the taker gets the giver's old number and joins after the change
            self.phone = self.change.old
            floor = self.change.at + DAY
            if self.joined_at < floor:
                self.joined_at = floor + (self.end - floor) * rng.random() * 0.5
        self.has_phone = self.change is not None or rng.random() < 0.95
        self.wechat = rng.random() < 0.85
        self.unionid = f"o{rng.getrandbits(108):027x}" if self.wechat else None
        self.openid_mp = f"oMP{rng.getrandbits(100):025x}" if self.wechat else None
        self.openid_oa = (
            f"oOA{rng.getrandbits(100):025x}" if self.wechat and rng.random() < 0.5 else None
        )
        self.douyin = (
            f"dy{rng.randrange(10**11, 10**12)}"
            if rng.random() < self.config.share_douyin or not self.wechat
            else None
        )
        self.devices = [f"{rng.getrandbits(128):032x}" for _ in range(rng.choice((1, 1, 2)))]
        self.member_no = f"M{self.pid:08d}" if self.member else None
        self.typo = self.member and self.has_phone and rng.random() < cfg.share_typo
        self.tablet = (
            TABLET_CITIES.get(self.city.city) if rng.random() < cfg.share_shared_tablet else None
        )

    def phone_at(self, at: datetime) -> str | None:
        if not self.has_phone:
            return None
        if self.new_phone and self.change and at >= self.change.at:
            return self.new_phone
        return self.phone

    def record_identities(self) -> None:
        rows = self.out.truth_identifiers
        start = self.joined_at

        def add(
            kind: str,
            value: str | None,
            valid_from: datetime | None = start,
            valid_to: datetime | None = None,
            trap: str | None = None,
        ) -> None:
            if value:
                rows.append(
                    {
                        "type": kind,
                        "value": value,
                        "person_id": self.pid,
                        "valid_from": valid_from,
                        "valid_to": valid_to,
                        "trap": trap,
                    }
                )

        if self.has_phone:
            if self.change and self.index == self.change.giver:
                add("phone", self.phone, valid_to=self.change.at, trap="reassigned_phone")
                add("phone", self.new_phone, valid_from=self.change.at)
            elif self.change:
                add("phone", self.phone, trap="reassigned_phone")
            else:
                add("phone", self.phone)
        if self.typo:
            add("phone", typo_of(self.phone, self.index), trap="typo")
        add("member_no", self.member_no)
        add("unionid", self.unionid)
        add("openid", self.openid_mp)
        add("openid", self.openid_oa)
        add("douyin_id", self.douyin)
        for device in self.devices:
            add("device_id", device)

    # ------------------------------------------------------------------ events
    def event(
        self,
        name: str | None,
        at: datetime,
        kind: str = "track",
        *,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        properties: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> str:
        self.message_seq += 1
        message_id = f"sim{self.config.seed}-{self.pid}-{self.message_seq}"
        self.out.events.append(
            {
                "message_id": message_id,
                "type": kind,
                "event": name,
                "user_id": user_id,
                "anonymous_id": anonymous_id,
                "timestamp": at,
                "properties": _json(properties or {}),
                "context": _json(context or {}),
            }
        )
        return message_id

    def identify(self, at: datetime, channel: str) -> None:
        """One touch: the identifiers a channel sees together (with the traps)."""
        rng = self.rng
        ids: list[dict[str, str | None]] = []
        traits: dict[str, Any] = {}
        user_id = None
        device: str | None = rng.choice(self.devices)
        phone = self.phone_at(at)
        if channel == "mini_program" and self.wechat:
            ids += [
                {"type": "unionid", "id": self.unionid},
                {"type": "openid", "id": self.openid_mp, "collection": "mini_program"},
            ]
            user_id = self.member_no
            if phone and rng.random() < 0.7:
                traits["phone"] = raw_phone(phone, rng)
        elif channel == "official_account" and self.openid_oa:
            ids += [
                {"type": "unionid", "id": self.unionid},
                {"type": "openid", "id": self.openid_oa, "collection": "official_account"},
            ]
        elif channel == "douyin" and self.douyin:
            ids.append({"type": "douyin_id", "id": self.douyin})
            if phone and rng.random() < 0.5:
                traits["phone"] = raw_phone(phone, rng)
        elif channel == "pos" and phone:
            user_id = self.member_no
            traits["phone"] = raw_phone(phone, rng)
            device = self.tablet or device
        elif channel == "h5_live":
            if self.wechat and rng.random() < 0.3:
                ids.append({"type": "unionid", "id": self.unionid})
        else:
            return
        if rng.random() < self.config.share_placeholder_touches:
            traits["phone"] = rng.choice(PLACEHOLDER_PHONES)
        if rng.random() < self.config.share_placeholder_touches / 2:
            device = rng.choice(PLACEHOLDER_DEVICES)
        if user_id is None and device is None and not ids:
            return
        self.event(
            None,
            at,
            "identify",
            user_id=user_id,
            anonymous_id=device,
            properties={"traits": traits} if traits else {},
            context={"channel": channel, "externalIds": ids} if ids else {"channel": channel},
        )

    def touches(self) -> None:
        rng = self.rng
        first = "mini_program" if self.wechat else "douyin"
        self.identify(self.joined_at, first)
        if self.member:
            self.identify(
                self.joined_at + timedelta(minutes=rng.randint(1, 600)),
                "pos" if self.tablet else "mini_program",
            )
        channels = ["mini_program", "official_account", "douyin", "h5_live", "pos"]
        for _ in range(rng.randint(1, 4)):
            at = self.joined_at + (self.end - self.joined_at) * rng.random()
            self.identify(at, rng.choice(channels))
        if self.tablet:
            self.identify(self.joined_at + (self.end - self.joined_at) * rng.random(), "pos")

    # ------------------------------------------------------------------ buying
    def staples(self) -> list[tuple[Sku, float]]:
        audiences = {"all"}
        for flag, audience in (
            (self.has_infant, "infant"),
            (self.health_need, "health"),
            (self.baker, "baker"),
            (self.coffee, "coffee"),
            (self.fitness, "fitness"),
            (self.cook, "cook"),
        ):
            if flag:
                audiences.add(audience)
        eligible = [
            s for s in STAPLES if s.audience in audiences and s.pool in ("", self.city.pool)
        ]
        # Targeted staples (baby food for infants, beans for coffee drinkers) come first.
        targeted = [s for s in eligible if s.audience != "all"]
        general = [s for s in eligible if s.audience == "all"]
        chosen: list[Sku] = []
        for s in targeted:
            if self.rng.random() < 0.8:
                chosen.append(s)
        k = self.rng.choice((1, 1, 2, 2, 3))
        weights = [s.weight for s in general]
        while len(chosen) < k + len(targeted) // 2 and general:
            s = self.rng.choices(general, weights)[0]
            i = general.index(s)
            general.pop(i)
            weights.pop(i)
            chosen.append(s)
        sigma = self.config.personal_pace_sigma
        return [(s, (s.cycle_days or 0) * self.rng.lognormvariate(0, sigma)) for s in chosen]

    def buying(self) -> None:
        rng, cfg = self.rng, self.config
        roll = rng.random()
        if roll < cfg.share_never_buy:
            self.buyer_kind, self.p_drop = "never", 1.0
        elif roll < cfg.share_never_buy + (1 - cfg.share_never_buy) * cfg.share_one_off:
            self.buyer_kind, self.p_drop = "one_off", rng.betavariate(*cfg.one_off_dropout)
        else:
            self.buyer_kind, self.p_drop = "loyal", rng.betavariate(*cfg.loyal_dropout)
        self.first_order_at: datetime | None = None
        self.dropped_at: datetime | None = None
        self.staple_plan = self.staples() if self.buyer_kind != "never" else []
        for sku, interval in self.staple_plan:
            self.out.truth_staples.append(
                {"person_id": self.pid, "sku": sku.sku, "planted_interval_days": round(interval, 4)}
            )
        if not self.staple_plan:
            return
        first = self.joined_at + timedelta(hours=rng.expovariate(1 / 36))
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

    @property
    def alive_until(self) -> datetime:
        return self.dropped_at or self.end

    def channel_for_order(self) -> tuple[str, str | None, str | None]:
        """(channel, buyer id type, buyer id) for an order outside a live."""
        rng = self.rng
        if self.leader and rng.random() < 0.5 and self.has_phone:
            return "group_buy", "phone", None  # phone filled at order time
        options = []
        if self.wechat:
            options += [("mini_program", "openid", self.openid_mp)] * 6
            options += [("wecom", "unionid", self.unionid)] * 1
        if self.douyin:
            options += [("douyin", "douyin_id", self.douyin)] * 3
        if self.member_no:
            options += [("pos", "member_no", self.member_no)] * 1
        if self.has_phone:
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
        rng, cfg = self.rng, self.config
        items = list(skus)
        if kind == "staple" and rng.random() < 0.2:
            extra = rng.choices(IMPULSE, [s.weight for s in IMPULSE])[0]
            if extra.sku not in items and extra.pool in ("", self.city.pool):
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
        order_no = f"SO{self.pid:07d}{self.order_seq:03d}"
        id_type: str | None
        buyer: str | None
        if live is not None:
            channel = "live"
            if live.platform == "douyin" and self.douyin:
                id_type, buyer = "douyin_id", self.douyin
            elif self.wechat:
                id_type, buyer = "openid", self.openid_mp
            else:
                id_type, buyer = "phone", None
        else:
            channel, id_type, buyer = self.channel_for_order()
        if buyer is None:
            buyer = raw_phone(self.phone_at(at) or self.phone, rng)
            id_type = "phone"
        # Delivered orders carry the receiver's phone (the buyer's own, when they have one);
        # store (POS) sales do not.
        phone_now = self.phone_at(at)
        receiver = raw_phone(phone_now, rng) if phone_now and channel != "pos" else None
        lines = []
        total = ZERO
        cold = False
        for line_no, sku in enumerate(items, start=1):
            product = BY_SKU[sku]
            price = (prices or {}).get(sku, product.price)
            quantity = 2 if rng.random() < self.spend_q else 1
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
        elif total >= 59 and rng.random() < (0.6 if self.price_sensitive else 0.08):
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
        self.out.truth_orders.append({"order_no": order_no, "person_id": self.pid, "kind": kind})

    def festivals(self) -> None:
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

    # ------------------------------------------------------------------ community
    def community(self) -> None:
        rng = self.rng
        leaders = self.world.leaders_in(self.city)
        self.leader = rng.choice(leaders) if leaders and rng.random() < 0.45 else None
        if not self.unionid:
            return
        joins = []
        if self.leader:
            leader_group = next(
                g for g in self.world.groups if g.leader_id == self.leader.leader_id
            )
            joins.append(leader_group.group_id)
        audiences = {
            "infant": self.has_infant,
            "health": bool(self.health_need),
            "baker": self.baker,
            "fitness": self.fitness,
            "all": rng.random() < 0.1,
        }
        for group in self.world.groups:
            if (
                group.kind == "interest"
                and audiences.get(group.audience or "", False)
                and rng.random() < 0.5
            ) or (group.kind == "brand" and self.member and rng.random() < 0.3):
                joins.append(group.group_id)
        for group_id in joins:
            at = self.joined_at + timedelta(days=rng.expovariate(1 / 20))
            if at < self.end:
                self.out.group_members.append(
                    {"group_id": group_id, "unionid": self.unionid, "joined_at": at}
                )

    # ------------------------------------------------------------------ lives
    def lives(self) -> None:
        rng, cfg = self.rng, self.config
        weight = 1.6 if self.buyer_kind == "loyal" else 1.0
        self.viewer = rng.random() < min(0.95, cfg.share_viewers * weight)
        self.attendance = rng.betavariate(1.2, 14.0) if self.viewer else 0.0
        if not self.viewer:
            return
        lives = self.world.lives
        # Skip ahead geometrically: only draw for the shows they actually attend.
        log_q = math.log(1 - self.attendance)
        i = -1
        while True:
            i += 1 + int(math.log(1 - rng.random()) / log_q)
            if i >= len(lives):
                return
            live = lives[i]
            if live.starts_at < self.joined_at:
                continue
            if live.starts_at >= self.end:
                return
            self.watch(live)

    def watch(self, live: Live) -> None:
        rng, cfg = self.rng, self.config
        if live.platform == "douyin" and self.douyin:
            user_id, context = (
                None,
                {"channel": "douyin", "externalIds": [{"type": "douyin_id", "id": self.douyin}]},
            )
        elif self.wechat:
            user_id, context = (
                self.member_no,
                {
                    "channel": "wechat_channels",
                    "externalIds": [{"type": "unionid", "id": self.unionid}],
                },
            )
        else:
            user_id, context = None, {"channel": "h5_live"}
        anonymous = self.devices[0]
        join = min(live.duration_min - 1.0, rng.expovariate(1 / 10))
        stay = rng.lognormvariate(math.log(20), 0.8)
        leave = min(float(live.duration_min), join + stay)
        if join < live.drop_minute < leave and rng.random() < cfg.live_drop_share:
            leave = live.drop_minute + rng.uniform(0, 2)
        at = live.starts_at + timedelta(minutes=join)
        left_at = live.starts_at + timedelta(minutes=leave)
        props = {"live_session_id": live.session_id, "room": live.room}
        self.event(
            spec.LIVE_JOINED,
            at,
            user_id=user_id,
            anonymous_id=anonymous,
            properties=props,
            context=context,
        )
        watched = (left_at - at).total_seconds()
        mix = intent_mix(health_need=bool(self.health_need), price_sensitive=self.price_sensitive)
        for _ in range(_poisson(rng, cfg.mean_comments_per_view * watched / 1200)):
            when = at + timedelta(seconds=rng.uniform(0, watched))
            product = BY_SKU[rng.choice(live.featured)].name.split(" ")[0]
            comment = make_comment(rng, mix, product, self.city.city, self.health_need)
            message_id = self.event(
                spec.LIVE_COMMENT_POSTED,
                when,
                user_id=user_id,
                anonymous_id=anonymous,
                properties={**props, "text": comment.text},
                context=context,
            )
            self.out.truth_comments.append(
                {
                    "message_id": message_id,
                    "live_session_id": live.session_id,
                    "intent": comment.label.intent,
                    "aspect": comment.label.aspect,
                    "sentiment": comment.label.sentiment,
                }
            )
        self.funnel(live, at, left_at, user_id, anonymous, context, props)
        self.event(
            spec.LIVE_LEFT,
            left_at,
            user_id=user_id,
            anonymous_id=anonymous,
            properties={**props, "watch_seconds": round(watched)},
            context=context,
        )

    def funnel(
        self,
        live: Live,
        at: datetime,
        left_at: datetime,
        user_id: str | None,
        anonymous: str,
        context: dict[str, Any],
        props: dict[str, Any],
    ) -> None:
        """Click → cart → checkout → pay, only for buyers who are still alive; staples they
        already re-buy on cycle are not bought again here (keeps planted cycles clean)."""
        rng, cfg = self.rng, self.config
        if (
            self.buyer_kind == "never"
            or self.first_order_at is None
            or not self.first_order_at <= at < self.alive_until
        ):
            return
        staples = {s.sku for s, _ in self.staple_plan}
        choices = [
            (sku, price)
            for sku, price in zip(live.featured, live.live_prices, strict=True)
            if sku not in staples and BY_SKU[sku].pool in ("", self.city.pool)
        ]
        if not choices or rng.random() >= cfg.funnel_click:
            return
        sku, price = rng.choice(choices)
        window = (left_at - at).total_seconds()
        t = at + timedelta(seconds=rng.uniform(0, window * 0.5))
        product = {**props, "sku": sku, "price": str(price)}
        self.event(
            spec.LIVE_PRODUCT_CLICKED,
            t,
            user_id=user_id,
            anonymous_id=anonymous,
            properties=product,
            context=context,
        )
        if rng.random() >= cfg.funnel_cart:
            return
        t += timedelta(seconds=rng.uniform(5, 90))
        self.event(
            spec.PRODUCT_ADDED,
            t,
            user_id=user_id,
            anonymous_id=anonymous,
            properties={**product, "quantity": 1},
            context=context,
        )
        if rng.random() >= cfg.funnel_checkout:
            return
        t += timedelta(seconds=rng.uniform(5, 120))
        self.event(
            spec.CHECKOUT_STARTED,
            t,
            user_id=user_id,
            anonymous_id=anonymous,
            properties=product,
            context=context,
        )
        if rng.random() >= cfg.funnel_pay:
            return
        self.place_order(
            t + timedelta(seconds=rng.uniform(10, 120)),
            [sku],
            kind="live",
            live=live,
            prices={sku: price},
        )

    # ------------------------------------------------------------------ all of it
    def run(self) -> None:
        self.profile()
        self.identities()
        self.record_identities()
        if self.member:
            phone = self.phone_at(self.joined_at)
            crm_phone = typo_of(phone, self.index) if self.typo and phone else phone
            self.out.customers.append(
                {
                    "member_no": self.member_no,
                    "name": self.name,
                    "gender": "女" if self.female else "男",
                    "phone": raw_phone(crm_phone, self.rng) if crm_phone else None,
                    "birthday": self.birthday,
                    "province": self.city.province,
                    "city": self.city.city,
                    "member_tier": self.tier,
                    "registered_at": self.joined_at,
                    "consent_sms": self.consent["sms"],
                    "consent_wecom": self.consent["wecom"],
                    "consent_email": self.consent["email"],
                }
            )
        self.touches()
        self.community()
        self.buying()
        self.festivals()
        self.lives()
        self.out.truth_people.append(
            {
                "person_id": self.pid,
                "buyer_kind": self.buyer_kind,
                "p_dropout": round(self.p_drop, 6),
                "joined_at": self.joined_at,
                "first_order_at": self.first_order_at,
                "dropped_at": self.dropped_at,
                "province": self.city.province,
                "city": self.city.city,
                "pool": self.city.pool,
                "has_infant": self.has_infant,
                "health_need": self.health_need,
                "baker": self.baker,
                "coffee": self.coffee,
                "fitness": self.fitness,
                "price_sensitive": self.price_sensitive,
                "viewer": self.viewer,
                "attendance": round(self.attendance, 6),
                "leader_id": self.leader.leader_id if self.leader else None,
                "member": self.member,
            }
        )


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small (a few comments per view)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def simulate_person(config: SimConfig, world: World, index: int, out: Chunk) -> None:
    PersonSim(config, world, index, out).run()
