"""Groups as a buyer and an operator live them: paid joins take slots in order, a full group
closes at once at the price its size reached and refunds the difference, a window that ends
below the smallest tier refunds everyone in full, the per-person limit holds, a repeated order
number changes nothing, and no slot is ever held without a paid order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from liveloop.groupbuy import events
from liveloop.groupbuy.contracts import GroupBuyConflict, GroupStatus, RefundState
from liveloop.groupbuy.models import GroupBuyMember
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

from .conftest import TIERS_10


def names(shop, name):
    with transaction(shop.runtime.read_sessions) as session:
        return [
            e.properties
            for e in session.scalars(select(Event).where(Event.name == name).order_by(Event.id))
        ]


def test_a_full_group_closes_at_once_and_everyone_gets_the_difference_back(shop):
    shop.campaign(max_size=5)
    opened = shop.open("团长王姐")
    assert (opened.slot, opened.paid, opened.group_status) == (1, Decimal("59.00"), "open")
    for n in range(2, 5):
        assert shop.join(opened.group, f"邻居{n}").slot == n
    assert shop.group(opened.group).price_now == Decimal("59.00")
    last = shop.join(opened.group, "邻居5")
    assert (last.slot, last.group_status, last.member_count) == (5, GroupStatus.SUCCEEDED, 5)

    group = shop.group(opened.group)
    assert (group.final_price, group.member_count) == (Decimal("49.00"), 5)
    refunds = shop.refunds()
    assert [amount for _, _, amount, _ in refunds] == [Decimal("10.00")] * 5
    assert len({number for _, number, _, _ in refunds}) == 5  # one refund number per order
    (succeeded,) = names(shop, events.GROUP_SUCCEEDED)
    assert succeeded["size"] == 5 and succeeded["price"] == "49.00"
    assert succeeded["refund_each"] == "10.00"
    joined = names(shop, events.GROUP_JOINED)
    assert [j["slot"] for j in joined] == [1, 2, 3, 4, 5]
    assert all(j["kind"] == "groupbuy" for j in joined)

    with pytest.raises(GroupBuyConflict, match="已结束"):
        shop.join(opened.group, "迟到的人")


def test_the_window_ends_at_the_smallest_tier_and_nobody_is_owed_anything(shop):
    shop.campaign(window_hours=24)
    opened = shop.open("团长")
    shop.join(opened.group, "甲")
    shop.join(opened.group, "乙")
    shop.clock.advance(hours=24)
    shop.run()
    group = shop.group(opened.group)
    assert group.status == GroupStatus.SUCCEEDED and group.final_price == Decimal("59.00")
    assert shop.refunds() == []
    assert group.refunds_settled_at is not None
    with pytest.raises(GroupBuyConflict, match="已结束"):
        shop.join(opened.group, "丙")


def test_a_group_below_the_smallest_tier_fails_and_everyone_is_owed_everything(shop):
    shop.campaign(window_hours=24)
    opened = shop.open("团长")
    shop.join(opened.group, "甲")
    shop.clock.advance(hours=23, minutes=59)
    shop.run()
    assert shop.group(opened.group).status == GroupStatus.OPEN  # not yet
    shop.clock.advance(minutes=1)
    shop.run()
    group = shop.group(opened.group)
    assert group.status == GroupStatus.FAILED
    (failed,) = names(shop, events.GROUP_FAILED)
    assert (failed["size"], failed["needed"], failed["refund_total"]) == (2, 3, "118.00")
    owed = {order_no: amount for order_no, _, amount, _ in shop.refunds()}
    assert owed == {m.order_no: Decimal("59.00") for m in group.members}
    # The joins are given back: the leader may open another group of the campaign.
    again = shop.open("团长")
    assert again.group != opened.group


def test_a_person_joins_at_most_the_per_person_limit(shop):
    shop.campaign(per_person_limit=1, max_size=5)
    first = shop.open("团长A")
    second = shop.open("团长B")
    shop.join(first.group, "老张")
    with pytest.raises(GroupBuyConflict, match="每人限参加"):
        shop.join(second.group, "老张")
    with pytest.raises(GroupBuyConflict, match=r"已在拼团|每人限参加"):
        shop.join(first.group, "老张")
    # Nothing was kept of the refused joins: no slot, no order.
    assert shop.group(second.group).member_count == 1
    assert shop.orders == 5 and shop.group(first.group).member_count == 2


def test_the_same_order_number_joining_again_is_a_replay(shop):
    shop.campaign()
    opened = shop.open("团长")
    first = shop.join(opened.group, "甲", order_no="SAME-1")
    again = shop.join(opened.group, "甲", order_no="SAME-1")
    assert again.replayed and again.slot == first.slot
    assert shop.group(opened.group).member_count == 2
    with pytest.raises(GroupBuyConflict, match="订单号"):
        shop.join(opened.group, "乙", order_no="SAME-1")


def test_every_slot_is_a_paid_order_of_the_top_price(shop):
    shop.campaign(tiers=TIERS_10, max_size=10)
    opened = shop.open("团长")
    for n in range(6):
        shop.join(opened.group, f"成员{n}")
    with transaction(shop.runtime.read_sessions) as session:
        members = list(session.scalars(select(GroupBuyMember)))
        count = session.scalar(select(func.count(GroupBuyMember.id)))
    assert count == shop.group(opened.group).member_count == 7
    for member in members:
        order = shop.order(member.order_no)
        assert order.paid_at is not None and order.total == Decimal("59.00")
        assert order.customer_id == member.customer_id


def test_a_closed_campaign_opens_no_group(shop):
    shop.campaign()
    shop.clock.advance(days=8)
    with pytest.raises(GroupBuyConflict, match="不在开团时间"):
        shop.open("团长")


def test_refunds_wait_in_due_until_commerce_takes_them(shop):
    shop.campaign(window_hours=1)
    opened = shop.open("团长")
    shop.clock.advance(hours=1)
    shop.run()
    ((order_no, number, amount, state),) = shop.refunds()
    assert number == f"GB-{opened.group}-{order_no}"
    assert (amount, state) == (Decimal("59.00"), RefundState.REQUESTED)
    order = shop.order(order_no)
    assert [(r.refund_no, r.amount) for r in order.refunds] == [(number, Decimal("59.00"))]
    shop.clock.advance(minutes=5)
    shop.run()  # asked again: commerce still holds exactly one refund under the number
    assert len(shop.order(order_no).refunds) == 1
