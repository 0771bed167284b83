"""Benefits that act: a member reaching 金卡 gets a nutrition advisor (a guide task, by the
built-in journey), and the birthday gift is the tier's own birthday coupon."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from liveloop.commerce.models import Coupon, CouponTemplate
from liveloop.guides.models import GuideTask
from liveloop.journeys.builtin import switch_on
from liveloop.loyalty import service as loyalty
from liveloop.loyalty.rules import TierRule, TierRules
from liveloop.store.engine import transaction
from tests.journeys.conftest import world  # noqa: F401 - the fixture

LOW = TierRules(
    tiers=[
        TierRule(name="基础", threshold=Decimal("0"), birthday_coupon=None),
        TierRule(name="银卡", threshold=Decimal("30"), birthday_coupon="birthday_30"),
        TierRule(
            name="金卡",
            threshold=Decimal("50"),
            birthday_coupon="birthday_50",
            early_entry_minutes=30,
            nutrition_advisor=True,
        ),
    ]
)


def _switch(world, *keys: str) -> None:  # noqa: F811
    with transaction(world.runtime.sessions) as session:
        loyalty.set_tier_rules(session, LOW, world.clock.now(), "test")
        for key in keys:
            switch_on(session, key, by="test", now=world.clock.now())


def test_reaching_gold_gives_a_nutrition_advisor_task(world):  # noqa: F811
    _switch(world, "gold-nutrition-advisor")
    wang, li = world.person("王芳"), world.person("李静")
    world.order(wang, quantity=2)  # ¥59.80: 金卡
    world.order(li)  # ¥29.90: 基础
    world.run()
    world.run()  # Tier Changed, written by the loyalty consumer, reaches the journeys
    with transaction(world.runtime.read_sessions) as session:
        tasks = list(session.scalars(select(GuideTask)))
    assert [(t.customer_id, t.kind) for t in tasks] == [(wang, "nutrition_advisor")]
    assert "王芳" in tasks[0].title and "金卡" in tasks[0].body


def test_the_birthday_gift_is_the_tiers_own_coupon(world):  # noqa: F811
    _switch(world, "birthday-gift")
    today = world.clock.now().date()
    gold = world.person("王芳", birthday=date(1990, today.month, today.day + 1))
    plain = world.person("李静", birthday=date(1991, today.month, today.day + 1))
    world.order(gold, quantity=2)
    world.run()
    world.advance(days=1)
    with transaction(world.runtime.read_sessions) as session:
        got = dict(
            session.execute(
                select(Coupon.customer_id, CouponTemplate.code).join(
                    CouponTemplate, CouponTemplate.id == Coupon.template_id
                )
            ).all()
        )
    assert got == {gold: "birthday_50", plain: "birthday_30"}
