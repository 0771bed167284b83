"""How a person is seen: the identifiers they hold and the touches that show some together."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from liveloop.sim.config import SimConfig
from liveloop.sim.identities import (
    PLACEHOLDER_DEVICES,
    PLACEHOLDER_PHONES,
    SHARED_TABLETS,
    PhoneChange,
    phone_change,
    phone_number,
    raw_phone,
    typo_of,
)
from liveloop.sim.tables import Chunk
from liveloop.sim.trail import Trail

if TYPE_CHECKING:
    from liveloop.sim.person import Person

TABLET_CITIES = {
    "广州市": SHARED_TABLETS[0],
    "上海市": SHARED_TABLETS[1],
    "北京市": SHARED_TABLETS[2],
}
DAY = timedelta(days=1)
CHANNELS = ["mini_program", "official_account", "douyin", "h5_live", "pos"]


@dataclass
class Identifiers:
    """The identifiers one person holds (a phone may change hands: ``change``)."""

    change: PhoneChange | None
    phone: str
    new_phone: str | None
    has_phone: bool
    wechat: bool
    unionid: str | None
    openid_mp: str | None
    openid_oa: str | None
    douyin: str | None
    devices: list[str]
    member_no: str | None
    typo: bool
    tablet: str | None

    def phone_at(self, at: datetime) -> str | None:
        if not self.has_phone:
            return None
        if self.new_phone and self.change and at >= self.change.at:
            return self.new_phone
        return self.phone


def draw_identifiers(rng: random.Random, cfg: SimConfig, person: Person) -> Identifiers:
    """The person's identifiers; a phone change moves when they joined (see below)."""
    index, end = person.index, cfg.end_at
    change = phone_change(cfg, index)
    phone = phone_number(cfg.seed, index)
    new_phone: str | None = None
    if change and index == change.giver:
        new_phone = change.new
        # The giver must have used the old number before giving it up.
        ceiling = cfg.start_at + (change.at - cfg.start_at) * 0.8
        if person.joined_at >= ceiling:
            person.joined_at = cfg.start_at + (ceiling - cfg.start_at) * rng.random()
    elif change:  # the taker gets the giver's old number and joins after the change
        phone = change.old
        floor = change.at + DAY
        if person.joined_at < floor:
            person.joined_at = floor + (end - floor) * rng.random() * 0.5
    has_phone = change is not None or rng.random() < 0.95
    wechat = rng.random() < 0.85
    unionid = f"o{rng.getrandbits(108):027x}" if wechat else None
    openid_mp = f"oMP{rng.getrandbits(100):025x}" if wechat else None
    openid_oa = f"oOA{rng.getrandbits(100):025x}" if wechat and rng.random() < 0.5 else None
    douyin = (
        f"dy{rng.randrange(10**11, 10**12)}"
        if rng.random() < cfg.share_douyin or not wechat
        else None
    )
    devices = [f"{rng.getrandbits(128):032x}" for _ in range(rng.choice((1, 1, 2)))]
    member_no = f"M{person.pid:08d}" if person.member else None
    typo = person.member and has_phone and rng.random() < cfg.share_typo
    tablet = TABLET_CITIES.get(person.city.city) if rng.random() < cfg.share_shared_tablet else None
    return Identifiers(
        change,
        phone,
        new_phone,
        has_phone,
        wechat,
        unionid,
        openid_mp,
        openid_oa,
        douyin,
        devices,
        member_no,
        typo,
        tablet,
    )


def record_identifiers(person: Person, ids: Identifiers, out: Chunk) -> None:
    """The truth: which identifiers are the person's, when, and which are traps."""
    rows = out.truth_identifiers
    start = person.joined_at

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
                    "person_id": person.pid,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "trap": trap,
                }
            )

    if ids.has_phone:
        if ids.change and person.index == ids.change.giver:
            add("phone", ids.phone, valid_to=ids.change.at, trap="reassigned_phone")
            add("phone", ids.new_phone, valid_from=ids.change.at)
        elif ids.change:
            add("phone", ids.phone, trap="reassigned_phone")
        else:
            add("phone", ids.phone)
    if ids.typo:
        add("phone", typo_of(ids.phone, person.index), trap="typo")
    add("member_no", ids.member_no)
    add("unionid", ids.unionid)
    add("openid", ids.openid_mp)
    add("openid", ids.openid_oa)
    add("douyin_id", ids.douyin)
    for device in ids.devices:
        add("device_id", device)


def identify(
    rng: random.Random,
    cfg: SimConfig,
    ids: Identifiers,
    trail: Trail,
    at: datetime,
    channel: str,
) -> None:
    """One touch: the identifiers a channel sees together (with the traps)."""
    found: list[dict[str, str | None]] = []
    traits: dict[str, Any] = {}
    user_id = None
    device: str | None = rng.choice(ids.devices)
    phone = ids.phone_at(at)
    if channel == "mini_program" and ids.wechat:
        found += [
            {"type": "unionid", "id": ids.unionid},
            {"type": "openid", "id": ids.openid_mp, "collection": "mini_program"},
        ]
        user_id = ids.member_no
        if phone and rng.random() < 0.7:
            traits["phone"] = raw_phone(phone, rng)
    elif channel == "official_account" and ids.openid_oa:
        found += [
            {"type": "unionid", "id": ids.unionid},
            {"type": "openid", "id": ids.openid_oa, "collection": "official_account"},
        ]
    elif channel == "douyin" and ids.douyin:
        found.append({"type": "douyin_id", "id": ids.douyin})
        if phone and rng.random() < 0.5:
            traits["phone"] = raw_phone(phone, rng)
    elif channel == "pos" and phone:
        user_id = ids.member_no
        traits["phone"] = raw_phone(phone, rng)
        device = ids.tablet or device
    elif channel == "h5_live":
        if ids.wechat and rng.random() < 0.3:
            found.append({"type": "unionid", "id": ids.unionid})
    else:
        return
    if rng.random() < cfg.share_placeholder_touches:
        traits["phone"] = rng.choice(PLACEHOLDER_PHONES)
    if rng.random() < cfg.share_placeholder_touches / 2:
        device = rng.choice(PLACEHOLDER_DEVICES)
    if user_id is None and device is None and not found:
        return
    trail.event(
        None,
        at,
        "identify",
        user_id=user_id,
        anonymous_id=device,
        properties={"traits": traits} if traits else {},
        context={"channel": channel, "externalIds": found} if found else {"channel": channel},
    )


def touch(
    rng: random.Random, cfg: SimConfig, person: Person, ids: Identifiers, trail: Trail
) -> None:
    """The person's touches: joining, registering as a member, a few more, the store tablet."""
    joined, end = person.joined_at, cfg.end_at
    identify(rng, cfg, ids, trail, joined, "mini_program" if ids.wechat else "douyin")
    if person.member:
        identify(
            rng,
            cfg,
            ids,
            trail,
            joined + timedelta(minutes=rng.randint(1, 600)),
            "pos" if ids.tablet else "mini_program",
        )
    for _ in range(rng.randint(1, 4)):
        at = joined + (end - joined) * rng.random()
        identify(rng, cfg, ids, trail, at, rng.choice(CHANNELS))
    if ids.tablet:
        identify(rng, cfg, ids, trail, joined + (end - joined) * rng.random(), "pos")
