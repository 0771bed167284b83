"""OneID merges two people: the merged one's points (a debt too), lots and growth go to the
survivor in one transfer posting, and the ledger still reconciles."""

from __future__ import annotations

from decimal import Decimal

from liveloop.identity.resolve import merge
from liveloop.loyalty import service as loyalty
from liveloop.loyalty.rules import TierRule, TierRules
from liveloop.store.engine import transaction
from tests.loyalty.shop import Shop


def test_a_merge_moves_points_lots_and_growth_to_the_survivor(runtime):
    shop = Shop(runtime)
    with transaction(runtime.sessions) as session:
        rules = TierRules(
            tiers=[
                TierRule(name="基础", threshold=Decimal("0")),
                TierRule(name="银卡", threshold=Decimal("150")),
                TierRule(name="金卡", threshold=Decimal("1000")),
            ]
        )
        loyalty.set_tier_rules(session, rules, shop.now, "test")
    phone, wechat = shop.person("张秀英"), shop.person("张秀英(微信)")
    shop.paid(phone, "SO1", "100.00")
    shop.paid(wechat, "SO2", "80.00")
    shop.later(days=8)
    shop.paid(wechat, "SO3", "20.00")  # still frozen at the merge
    assert (shop.member(phone).tier, shop.member(wechat).tier) == ("基础", "基础")

    with transaction(runtime.sessions) as session:
        merge(session, phone, wechat, shop.now, {"rule": "test"})
    shop.work()

    survivor = shop.member(phone)
    assert (survivor.available, survivor.frozen) == (180, 20)
    assert (survivor.growth, survivor.tier) == (Decimal("200.00"), "银卡")
    assert shop.member(wechat).customer_id == phone  # the merged person answers as the survivor
    assert shop.ledger(phone)[0].kind_name == "账号合并转入"
    shop.later(days=8)  # the moved frozen lot is released to the survivor
    assert (shop.member(phone).available, shop.member(phone).frozen) == (200, 0)
    assert shop.reconcile().ok
