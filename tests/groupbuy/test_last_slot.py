"""The last slot of a group, raced for by many joiners at once: exactly one wins, every other
is told the group is full, and nothing of the losers is kept (no slot, no order). On each store;
the PostgreSQL run is the one with real concurrency (bench/groupbuy_last_slot.py races 500)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from liveloop.commerce.models import Order
from liveloop.groupbuy import service as groupbuy
from liveloop.groupbuy.contracts import GroupBuyConflict, GroupStatus
from liveloop.groupbuy.models import GroupBuyMember
from liveloop.store.engine import transaction

JOINERS = 24


def test_exactly_one_of_many_concurrent_joiners_wins_the_last_slot(store_shop):
    shop = store_shop
    shop.campaign(max_size=5, per_person_limit=1)
    opened = shop.open("团长")
    for n in range(3):
        shop.join(opened.group, f"早到{n}")
    people = [shop.person(f"抢位{n}") for n in range(JOINERS)]
    start = threading.Barrier(JOINERS)
    won: list[int] = []
    full: list[str] = []
    other: list[BaseException] = []

    def race(n: int) -> None:
        start.wait()
        try:
            with transaction(shop.runtime.sessions) as session:
                groupbuy.join_group(
                    session,
                    opened.group,
                    customer_id=people[n],
                    order_no=f"RACE{n:04d}",
                    transaction_id=f"wx-race-{n}",
                    at=shop.clock.now(),
                    source="test",
                )
            won.append(n)
        except GroupBuyConflict as exc:
            full.append(str(exc))
        except BaseException as exc:
            other.append(exc)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(JOINERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert other == []
    assert len(won) == 1 and len(full) == JOINERS - 1
    assert all("已满员" in why or "已结束" in why for why in full)
    group = shop.group(opened.group)
    assert (group.member_count, group.status) == (5, GroupStatus.SUCCEEDED)
    with transaction(shop.runtime.read_sessions) as session:
        members = session.scalar(select(func.count(GroupBuyMember.id)))
        race_orders = session.scalar(
            select(func.count(Order.id)).where(Order.order_no.like("RACE%"))
        )
    assert members == 5 and race_orders == 1
    assert sorted(m.slot for m in group.members) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("joiners", [6])
def test_concurrent_joins_by_one_person_respect_the_per_person_limit(store_shop, joiners):
    shop = store_shop
    shop.campaign(max_size=10, per_person_limit=2)
    groups = [shop.open(f"团长{n}").group for n in range(joiners)]
    person = shop.person("抢购达人")
    start = threading.Barrier(joiners)
    won: list[str] = []

    def race(n: int) -> None:
        start.wait()
        try:
            with transaction(shop.runtime.sessions) as session:
                groupbuy.join_group(
                    session,
                    groups[n],
                    customer_id=person,
                    order_no=f"LIMIT{n}",
                    transaction_id=f"wx-limit-{n}",
                    at=shop.clock.now(),
                    source="test",
                )
            won.append(groups[n])
        except GroupBuyConflict:
            pass

    threads = [threading.Thread(target=race, args=(n,)) for n in range(joiners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(won) == 2
