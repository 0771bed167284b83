"""Tiered group prices: from ``size`` members on, everyone pays ``price``.

A campaign's tiers are a ladder — sizes strictly rising, prices strictly falling — so a bigger
group always pays less. A member pays the top price (the smallest tier's) on joining; when the
group closes at ``n`` members everyone pays the price of the largest tier whose size is at most
``n``, and the difference comes back to them; below the smallest tier the group has failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from liveloop.groupbuy.contracts import GroupBuyRefused
from liveloop.store.base import to_money

MAX_TIERS = 10
MAX_GROUP_SIZE = 1000


@dataclass(frozen=True, order=True)
class Tier:
    size: int
    price: Decimal

    @property
    def label(self) -> str:
        return f"{self.size}人 ¥{self.price}"


def check_tiers(tiers: Sequence[Tier], max_size: int) -> tuple[Tier, ...]:
    """The tiers as a ladder, smallest group first; refuses one that is not."""
    if not tiers:
        raise GroupBuyRefused("至少需要一个成团档位 (at least one price tier is needed)")
    if len(tiers) > MAX_TIERS:
        raise GroupBuyRefused(f"档位最多 {MAX_TIERS} 个 (at most {MAX_TIERS} tiers)")
    ladder = tuple(sorted(Tier(t.size, to_money(t.price)) for t in tiers))
    if ladder[0].size < 2:
        raise GroupBuyRefused("成团人数至少 2 人 (a group needs at least 2 people)")
    for lower, upper in pairwise(ladder):
        if upper.size == lower.size:
            raise GroupBuyRefused(f"档位人数 {upper.size} 重复 (tier size repeated)")
        if upper.price >= lower.price:
            raise GroupBuyRefused(
                f"{upper.size}人档的价格 ¥{upper.price} 应低于 {lower.size}人档的 ¥{lower.price} "
                "(a bigger group must pay less)"
            )
    if ladder[0].price <= 0:
        raise GroupBuyRefused("拼团价必须大于 0 (a group price must be positive)")
    if not ladder[-1].size <= max_size <= MAX_GROUP_SIZE:
        raise GroupBuyRefused(
            f"团的人数上限 {max_size} 应在最大档位 {ladder[-1].size} 人与 {MAX_GROUP_SIZE} 人之间 "
            "(the size cap must hold the largest tier)"
        )
    return ladder


def top_price(ladder: Sequence[Tier]) -> Decimal:
    """What a member pays on joining: the smallest tier's price, the highest."""
    return ladder[0].price


def price_at(ladder: Sequence[Tier], size: int) -> Decimal | None:
    """The price everyone pays when the group closes with ``size`` members; None below the
    smallest tier (the group failed)."""
    reached = [tier for tier in ladder if tier.size <= size]
    return reached[-1].price if reached else None
