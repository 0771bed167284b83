"""What a person does in a live: joining, commenting, the purchase funnel, leaving."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from liveloop import spec
from liveloop.sim.catalog import BY_SKU
from liveloop.sim.comments import intent_mix, make_comment
from liveloop.sim.config import SimConfig
from liveloop.sim.tables import Chunk
from liveloop.sim.trail import Trail
from liveloop.sim.world import Live

if TYPE_CHECKING:
    from liveloop.sim.buying import Shopper
    from liveloop.sim.person import Person
    from liveloop.sim.touches import Identifiers


class Viewer:
    """The person as a live viewer: whether they watch, how often, and each show they attend."""

    def __init__(
        self,
        rng: random.Random,
        cfg: SimConfig,
        person: Person,
        ids: Identifiers,
        trail: Trail,
        shopper: Shopper,
        out: Chunk,
    ) -> None:
        self.rng, self.config, self.person, self.ids = rng, cfg, person, ids
        self.trail, self.shopper, self.out = trail, shopper, out
        weight = 1.6 if shopper.buyer_kind == "loyal" else 1.0
        self.viewer = rng.random() < min(0.95, cfg.share_viewers * weight)
        self.attendance = rng.betavariate(1.2, 14.0) if self.viewer else 0.0

    def attend(self, lives: Sequence[Live]) -> None:
        """The shows they watch, from when they joined to the end of the simulation: those
        drawn by their attendance, and those they stock up their staples in
        (``Shopper.stock_up_in_lives``), each watched over the moment they ordered."""
        if not self.viewer:
            return
        rng = self.rng
        visits = self.shopper.stock_up_in_lives(lives)
        # Skip ahead geometrically: only draw for the shows they actually attend.
        log_q = math.log(1 - self.attendance)
        drawn: list[Live] = []
        i = -1
        while True:
            i += 1 + int(math.log(1 - rng.random()) / log_q)
            if i >= len(lives) or lives[i].starts_at >= self.config.end_at:
                break
            if lives[i].starts_at >= self.person.joined_at:
                drawn.append(lives[i])
        seen = {live.session_id for live in drawn}
        shows = drawn + [v for v in lives if v.session_id in visits and v.session_id not in seen]
        for live in sorted(shows, key=lambda v: v.starts_at):
            self.watch(live, visits.get(live.session_id))

    def watch(self, live: Live, ordered_at: datetime | None = None) -> None:
        rng, cfg, person, ids = self.rng, self.config, self.person, self.ids
        if live.platform == "douyin" and ids.douyin:
            user_id, context = (
                None,
                {"channel": "douyin", "externalIds": [{"type": "douyin_id", "id": ids.douyin}]},
            )
        elif ids.wechat:
            user_id, context = (
                ids.member_no,
                {
                    "channel": "wechat_channels",
                    "externalIds": [{"type": "unionid", "id": ids.unionid}],
                },
            )
        else:
            user_id, context = None, {"channel": "h5_live"}
        anonymous = ids.devices[0]
        join = min(live.duration_min - 1.0, rng.expovariate(1 / 10))
        stay = rng.lognormvariate(math.log(20), 0.8)
        leave = min(float(live.duration_min), join + stay)
        if join < live.drop_minute < leave and rng.random() < cfg.live_drop_share:
            leave = live.drop_minute + rng.uniform(0, 2)
        if ordered_at is not None:  # on air when they ordered
            minute = (ordered_at - live.starts_at).total_seconds() / 60
            join = min(join, max(0.0, minute - 2))
            leave = max(leave, min(float(live.duration_min), minute + 1))
        at = live.starts_at + timedelta(minutes=join)
        left_at = live.starts_at + timedelta(minutes=leave)
        props = {"live_session_id": live.session_id, "room": live.room}
        self.trail.event(
            spec.LIVE_JOINED,
            at,
            user_id=user_id,
            anonymous_id=anonymous,
            properties=props,
            context=context,
        )
        watched = (left_at - at).total_seconds()
        mix = intent_mix(
            health_need=bool(person.health_need), price_sensitive=person.price_sensitive
        )
        for _ in range(_poisson(rng, cfg.mean_comments_per_view * watched / 1200)):
            when = at + timedelta(seconds=rng.uniform(0, watched))
            product = BY_SKU[rng.choice(live.featured)].name.split(" ")[0]
            comment = make_comment(rng, mix, product, person.city.city, person.health_need)
            message_id = self.trail.event(
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
        if ordered_at is None:  # stocking up, they came for their staple, not to browse
            self.funnel(live, at, left_at, user_id, anonymous, context, props)
        self.trail.event(
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
        rng, cfg, shopper = self.rng, self.config, self.shopper
        if (
            shopper.buyer_kind == "never"
            or shopper.first_order_at is None
            or not shopper.first_order_at <= at < shopper.alive_until
        ):
            return
        staples = {s.sku for s, _ in shopper.staple_plan}
        choices = [
            (sku, price)
            for sku, price in zip(live.featured, live.live_prices, strict=True)
            if sku not in staples and BY_SKU[sku].pool in ("", self.person.city.pool)
        ]
        if not choices or rng.random() >= cfg.funnel_click:
            return
        sku, price = rng.choice(choices)
        window = (left_at - at).total_seconds()
        t = at + timedelta(seconds=rng.uniform(0, window * 0.5))
        product = {**props, "sku": sku, "price": str(price)}
        self.trail.event(
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
        self.trail.event(
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
        self.trail.event(
            spec.CHECKOUT_STARTED,
            t,
            user_id=user_id,
            anonymous_id=anonymous,
            properties=product,
            context=context,
        )
        if rng.random() >= cfg.funnel_pay:
            return
        shopper.place_order(
            t + timedelta(seconds=rng.uniform(10, 120)),
            [sku],
            kind="live",
            live=live,
            prices={sku: price},
        )


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small (a few comments per view)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
