"""The price ladder: a bigger group always pays less; the size reached picks the price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveloop.groupbuy.contracts import GroupBuyRefused
from liveloop.groupbuy.tiers import Tier, check_tiers, price_at, top_price

LADDER = check_tiers([Tier(10, Decimal("39")), Tier(3, Decimal("59")), Tier(5, Decimal("49"))], 10)


def test_the_ladder_is_sorted_and_the_top_price_is_the_smallest_groups():
    assert [t.size for t in LADDER] == [3, 5, 10]
    assert top_price(LADDER) == Decimal("59.00")


@pytest.mark.parametrize(
    ("size", "price"),
    [(0, None), (2, None), (3, "59.00"), (4, "59.00"), (5, "49.00"), (9, "49.00"), (10, "39.00")],
)
def test_everyone_pays_the_price_of_the_largest_tier_reached(size, price):
    assert price_at(LADDER, size) == (Decimal(price) if price else None)


@pytest.mark.parametrize(
    ("tiers", "max_size", "why"),
    [
        ([], 5, "至少需要一个"),
        ([Tier(1, Decimal("59"))], 5, "至少 2 人"),
        ([Tier(3, Decimal("59")), Tier(5, Decimal("59"))], 5, "应低于"),
        ([Tier(3, Decimal("49")), Tier(5, Decimal("59"))], 5, "应低于"),
        ([Tier(3, Decimal("59")), Tier(3, Decimal("49"))], 5, "重复"),
        ([Tier(3, Decimal("59")), Tier(5, Decimal("49"))], 4, "人数上限"),
        ([Tier(3, Decimal("0"))], 5, "大于 0"),
    ],
)
def test_a_ladder_that_cannot_mean_one_thing_is_refused_in_chinese(tiers, max_size, why):
    with pytest.raises(GroupBuyRefused, match=why):
        check_tiers(tiers, max_size)
