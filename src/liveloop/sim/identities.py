"""Identifiers a person is seen through, and the traps that make OneID hard.

Every value is a pure function of (seed, person index), so it never depends on chunking:
- phones come from a bijection of the index (no two people share a number by accident);
- placeholders ("null", "0", …) belong to nobody;
- the store tablet's device id is shared by many shoppers;
- a phone that changes owner: person 2k gives up their number, which person 2k+1 takes later;
- typos: a member's phone in the CRM export has a mistyped prefix (a number nobody is issued).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from liveloop.sim.config import SimConfig

PLACEHOLDER_PHONES = ("null", "0", "undefined", "13800000000", "00000000000", "anonymous")
PLACEHOLDER_DEVICES = ("00000000-0000-0000-0000-000000000000", "unknown", "null")
SHARED_TABLETS = ("TABLET-GZ-STORE-01", "TABLET-SH-STORE-01", "TABLET-BJ-STORE-01")
PHONE_PREFIXES = ("138", "139", "150", "158", "186", "177", "135", "188")
TYPO_PREFIXES = ("131", "132", "133", "134", "136", "137")  # never issued to anyone here
_A, _B, _M = 48_271, 12_345_677, 100_000_000  # affine bijection on 8-digit suffixes


def phone_number(seed: int, index: int, generation: int = 0) -> str:
    """The E.164 phone of person ``index`` (generation 1 = a second number after a change)."""
    suffix = (_A * (index + generation * 50_000_000) + _B + seed) % _M
    prefix = PHONE_PREFIXES[(index * 7 + generation + seed) % len(PHONE_PREFIXES)]
    return f"+86{prefix}{suffix:08d}"


def typo_of(phone: str, index: int) -> str:
    return f"+86{TYPO_PREFIXES[index % len(TYPO_PREFIXES)]}{phone[6:]}"


def raw_phone(phone: str, rng: random.Random) -> str:
    """How a source writes the number: formats vary, normalisation is OneID's job."""
    national = phone[3:]
    style = rng.random()
    if style < 0.6:
        return national
    if style < 0.8:
        return phone
    if style < 0.9:
        return f"+86 {national[:3]} {national[3:7]} {national[7:]}"
    return f"86-{national}"


@dataclass(frozen=True)
class PhoneChange:
    """Person ``giver`` (even index) uses ``old`` until ``at``; ``giver + 1`` owns it after."""

    giver: int
    old: str
    new: str
    at: datetime


def phone_change(config: SimConfig, index: int) -> PhoneChange | None:
    """The phone-change trap touching ``index`` (as giver or taker), decided per pair of people."""
    giver = index - (index % 2)
    if giver + 1 >= config.customers:
        return None
    rng = random.Random(f"phone-change:{config.seed}:{giver}")
    if rng.random() >= config.share_phone_changed:
        return None
    span = (config.end_at - config.start_at).total_seconds()
    at = config.start_at + timedelta(seconds=span * rng.uniform(0.3, 0.6))
    return PhoneChange(
        giver,
        phone_number(config.seed, giver),
        phone_number(config.seed, giver, generation=1),
        at,
    )
