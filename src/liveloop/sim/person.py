"""One simulated person: who they are, then their life simulated from their own random stream.

``simulate_person`` is a pure function of (config, world, index): it draws from its own random
stream, so the same person comes out the same whatever chunk they fall in. It draws in a fixed
order (who, identifiers, touches, community, buying, festivals, lives); changing the order
changes every simulation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from liveloop.sim.buying import Shopper
from liveloop.sim.community import join_community
from liveloop.sim.config import SimConfig
from liveloop.sim.geo import CITIES, GIVEN_FEMALE, GIVEN_MALE, SURNAMES, City
from liveloop.sim.identities import raw_phone, typo_of
from liveloop.sim.tables import Chunk
from liveloop.sim.touches import draw_identifiers, record_identifiers, touch
from liveloop.sim.trail import Trail
from liveloop.sim.watching import Viewer
from liveloop.sim.world import World

CITY_WEIGHTS = [c.weight for c in CITIES]
TIERS = (("普通会员", 55), ("银卡", 25), ("金卡", 15), ("黑金", 5))
HEALTH_NEEDS = ("糖尿病", "高血压", "减脂")


@dataclass
class Person:
    """Who a simulated person is: where they live, their household and what they care about."""

    index: int
    city: City
    female: bool
    name: str
    birthday: date
    has_infant: bool
    health_need: str | None
    baker: bool
    coffee: bool
    fitness: bool
    cook: bool
    price_sensitive: bool
    member: bool
    tier: str
    joined_at: datetime  # moved by a phone change (``touches.draw_identifiers``)
    consent: dict[str, bool]
    spend_q: float  # chance of buying two of a line

    @property
    def pid(self) -> int:
        return self.index + 1


def draw_person(rng: random.Random, cfg: SimConfig, index: int) -> Person:
    city: City = rng.choices(CITIES, CITY_WEIGHTS)[0]
    female = rng.random() < 0.68
    given = GIVEN_FEMALE if female else GIVEN_MALE
    name = rng.choice(SURNAMES) + rng.choice(given)
    birthday = date(rng.randint(1962, 2003), rng.randint(1, 12), rng.randint(1, 28))
    has_infant = rng.random() < cfg.share_has_infant
    health_need = rng.choice(HEALTH_NEEDS) if rng.random() < cfg.share_health_need else None
    baker = rng.random() < 0.12
    coffee = rng.random() < 0.15
    fitness = rng.random() < 0.10
    cook = rng.random() < 0.5
    price_sensitive = rng.random() < cfg.share_price_sensitive
    member = rng.random() < cfg.share_members
    tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
    span = (cfg.end_at - cfg.start_at).total_seconds()
    # More people join later: the private domain grows.
    joined_at = cfg.start_at + timedelta(seconds=span * rng.random() ** 0.8)
    consent = {
        "sms": rng.random() < 0.7,
        "wecom": rng.random() < 0.85,
        "email": rng.random() < 0.2,
    }
    spend_q = rng.uniform(0.0, 0.5)
    return Person(
        index,
        city,
        female,
        name,
        birthday,
        has_infant,
        health_need,
        baker,
        coffee,
        fitness,
        cook,
        price_sensitive,
        member,
        tier,
        joined_at,
        consent,
        spend_q,
    )


def simulate_person(config: SimConfig, world: World, index: int, out: Chunk) -> None:
    rng = random.Random(config.seed * 10_000_019 + index)
    person = draw_person(rng, config, index)
    ids = draw_identifiers(rng, config, person)
    record_identifiers(person, ids, out)
    if person.member:
        phone = ids.phone_at(person.joined_at)
        crm_phone = typo_of(phone, index) if ids.typo and phone else phone
        out.customers.append(
            {
                "member_no": ids.member_no,
                "name": person.name,
                "gender": "女" if person.female else "男",
                "phone": raw_phone(crm_phone, rng) if crm_phone else None,
                "birthday": person.birthday,
                "province": person.city.province,
                "city": person.city.city,
                "member_tier": person.tier,
                "registered_at": person.joined_at,
                "consent_sms": person.consent["sms"],
                "consent_wecom": person.consent["wecom"],
                "consent_email": person.consent["email"],
            }
        )
    trail = Trail(config.seed, person.pid, out)
    touch(rng, config, person, ids, trail)
    leader = join_community(rng, world, config.end_at, person, ids, out)
    shopper = Shopper(rng, config, person, ids, leader, out)
    shopper.rebuy_staples()
    shopper.festivals()
    viewer = Viewer(rng, config, person, ids, trail, shopper, out)
    viewer.attend(world.lives)
    out.truth_people.append(
        {
            "person_id": person.pid,
            "buyer_kind": shopper.buyer_kind,
            "p_dropout": round(shopper.p_drop, 6),
            "joined_at": person.joined_at,
            "first_order_at": shopper.first_order_at,
            "dropped_at": shopper.dropped_at,
            "province": person.city.province,
            "city": person.city.city,
            "pool": person.city.pool,
            "has_infant": person.has_infant,
            "health_need": person.health_need,
            "baker": person.baker,
            "coffee": person.coffee,
            "fitness": person.fitness,
            "price_sensitive": person.price_sensitive,
            "viewer": viewer.viewer,
            "attendance": round(viewer.attendance, 6),
            "leader_id": leader.leader_id if leader else None,
            "member": person.member,
        }
    )
