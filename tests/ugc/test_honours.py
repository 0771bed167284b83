"""Honours: awarded once per person per honour per month, their points credited once (a
replay writes no second award and no second posting); 最佳食谱 computed as the month's most-liked
approved recipe; a like counts once per person."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveloop.loyalty import service as loyalty
from liveloop.store.eventlog import Event
from liveloop.ugc import events
from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import Honour, UgcConflict


def _available(circle, name) -> int:
    with circle.runtime.read_sessions() as session:
        member = loyalty.member_of(session, circle.person(name), circle.clock.now())
    return member.available if member is not None else 0


def _like(circle, item_id, name):
    return circle.call(
        ugc.like_recipe, item_id, customer_id=circle.person(name), at=circle.clock.now(), source="t"
    )


def test_an_honour_is_awarded_once_with_its_points_once(circle):
    tz = circle.runtime.settings.tz
    month = ugc.month_of(circle.clock.now(), tz)

    def award():
        return circle.call(
            ugc.award_honour,
            Honour.STAR_OF_MONTH,
            month=month,
            customer_id=circle.person("林姐"),
            at=circle.clock.now(),
            by="运营小王",
            tz=tz,
            points=200,
        )

    first = award()
    assert first.created and first.points == 200 and first.name == "月度之星"
    assert _available(circle, "林姐") == 200
    again = award()
    assert not again.created and _available(circle, "林姐") == 200
    with circle.runtime.read_sessions() as session:
        honours = ugc.list_honours(session)
        logged = session.scalar(
            select(func.count()).select_from(Event).where(Event.name == events.HONOUR_AWARDED)
        )
    assert len(honours) == 1 and logged == 1


def test_best_recipe_goes_to_the_months_most_liked_recipe_and_a_like_counts_once(circle):
    tz = circle.runtime.settings.tz
    rice = circle.approve(circle.recipe("林姐", title="砂锅煲仔饭").id)
    congee = circle.approve(circle.recipe("王阿姨", title="小米南瓜粥").id)
    pending = circle.recipe("张三", title="还没审核的食谱")
    with pytest.raises(UgcConflict, match="已发布的食谱"):
        _like(circle, pending.id, "路人甲")
    for name in ("甲", "乙"):
        _like(circle, rice.id, name)
    for name in ("甲", "乙", "丙"):
        _like(circle, congee.id, name)
    repeat = _like(circle, congee.id, "丙")
    assert (repeat.created, repeat.likes) == (False, 3)

    month = ugc.month_of(circle.clock.now(), tz)
    best = circle.call(ugc.award_best_recipe, month, at=circle.clock.now(), by="系统", tz=tz)
    assert (best.customer_id, best.item_title, best.points) == (
        circle.person("王阿姨"),
        "小米南瓜粥",
        300,
    )
    assert (
        circle.call(ugc.award_best_recipe, month, at=circle.clock.now(), by="系统", tz=tz).created
        is False
    )
    assert _available(circle, "王阿姨") == 300
