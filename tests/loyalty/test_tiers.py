"""Member tiers by growth value: an upgrade the moment growth passes a threshold, a downgrade
only when the grading window ends, the tier written into the profile and stated as
``Tier Changed``, and benefits by tier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from liveloop.loyalty import service as loyalty
from liveloop.loyalty.events import TIER_CHANGED
from liveloop.loyalty.rules import TierRule, TierRules
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.loyalty.shop import Shop

RULES = TierRules(
    window_months=3,
    tiers=[
        TierRule(name="基础", threshold=Decimal("0")),
        TierRule(name="银卡", threshold=Decimal("100"), early_entry_minutes=10),
        TierRule(
            name="金卡",
            threshold=Decimal("500"),
            birthday_coupon="birthday_30",
            early_entry_minutes=30,
            nutrition_advisor=True,
        ),
    ],
)


def _shop(runtime) -> Shop:
    with transaction(runtime.sessions) as session:
        loyalty.set_tier_rules(session, RULES, runtime.clock.now(), "test")
    return Shop(runtime)


@pytest.fixture
def shop(runtime) -> Shop:
    return _shop(runtime)


@pytest.fixture
def store_shop(store_runtime) -> Shop:
    """On SQLite and on PostgreSQL."""
    return _shop(store_runtime)


def _profile_tier(shop: Shop, person: int) -> str | None:
    with transaction(shop.runtime.read_sessions) as session:
        return session.scalar(select(Customer.member_tier).where(Customer.id == person))


def _changes(shop: Shop) -> list[tuple]:
    with transaction(shop.runtime.read_sessions) as session:
        return [
            (p["from"], p["to"], p["reason"])
            for p in session.scalars(
                select(Event.properties).where(Event.name == TIER_CHANGED).order_by(Event.id)
            )
        ]


def test_growth_past_a_threshold_upgrades_at_once(shop):
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "80.00")
    assert shop.member(zhang).tier == "基础" and _profile_tier(shop, zhang) == "基础"
    shop.paid(zhang, "SO2", "450.00")
    member = shop.member(zhang)
    assert (member.tier, member.growth, member.next_tier) == ("金卡", Decimal("530.00"), None)
    assert _profile_tier(shop, zhang) == "金卡"
    assert member.benefits.nutrition_advisor and member.benefits.birthday_coupon == "birthday_30"
    assert _changes(shop) == [(None, "基础", "joined"), ("基础", "金卡", "upgrade")]


def test_a_refund_lowers_growth_but_the_tier_only_at_the_windows_end(store_shop):
    shop = store_shop
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "600.00")
    shop.later(days=20)
    shop.refunded(zhang, "SO1", refund_no="R1", amount="450.00")
    member = shop.member(zhang)
    assert (member.tier, member.growth) == ("金卡", Decimal("150.00"))  # kept inside the window
    shop.later(days=60)
    assert shop.member(zhang).tier == "金卡"
    shop.later(days=15)  # the three-month window has closed: graded by its 150 of growth
    member = shop.member(zhang)
    assert (member.tier, member.growth) == ("银卡", Decimal("0.00"))
    assert _profile_tier(shop, zhang) == "银卡"
    assert _changes(shop)[-1] == ("金卡", "银卡", "regrade")
    with transaction(shop.runtime.read_sessions) as session:
        benefits = loyalty.benefits_of(session, zhang)
    assert (benefits.tier, benefits.benefits.early_entry_minutes) == ("银卡", 10)


def test_an_idle_member_falls_to_the_bottom_one_window_at_a_time(shop):
    zhang = shop.person("张秀英")
    shop.paid(zhang, "SO1", "600.00")
    shop.later(days=95)
    assert shop.member(zhang).tier == "金卡"  # the closed window had 600
    shop.later(days=95)
    assert shop.member(zhang).tier == "基础"


def test_tier_rules_that_cannot_mean_one_thing_are_refused():
    with pytest.raises(ValueError, match="逐级升高"):
        TierRules(
            tiers=[
                TierRule(name="基础", threshold=Decimal("0")),
                TierRule(name="银卡", threshold=Decimal("500")),
                TierRule(name="金卡", threshold=Decimal("500")),
            ]
        )


def test_an_imported_tier_is_kept_until_the_first_window_ends(shop):
    from liveloop.profiles.service import NewCustomer, create_customer

    with transaction(shop.runtime.sessions) as session:
        li = create_customer(session, NewCustomer(name="李静", member_tier="金卡"), shop.now, "crm")
    shop.paid(li, "SO1", "20.00")
    assert shop.member(li).tier == "金卡" and _profile_tier(shop, li) == "金卡"
    shop.later(days=93)
    assert shop.member(li).tier == "基础"
