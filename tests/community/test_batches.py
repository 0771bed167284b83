"""T+1 batches: the cut-off decides the delivery day, a point's capacity is held (the rest
carried to the next day with the reason), and rebuilding adds newly paid orders only."""

from __future__ import annotations

from datetime import date, timedelta

from tests.community.conftest import OIL, RICE, local

TODAY = date(2026, 11, 20)
TOMORROW = TODAY + timedelta(days=1)


def test_orders_paid_before_the_cutoff_go_into_tomorrows_batch_and_later_ones_do_not(town):
    leader = town.leader("王姐")
    town.point("P1", leader.code)
    before = town.paid_order("甲", local(TODAY, 21, 59))
    after = town.paid_order("乙", local(TODAY, 22, 1))
    for order_no in (before, after):
        town.to_point(order_no, "P1")
    report = town.build(TOMORROW)
    assert (report.added, report.carried, report.batches) == (1, 0, 1)
    assert town.pickup(before).delivery_date == TOMORROW.isoformat()
    assert town.pickup(after).batch_id is None
    town.build(TOMORROW + timedelta(days=1))
    assert town.pickup(after).delivery_date == (TOMORROW + timedelta(days=1)).isoformat()


def test_capacity_is_held_and_the_overflow_carried_to_the_next_day_with_a_reason(town):
    leader = town.leader("王姐")
    town.point("P1", leader.code, capacity=2)
    orders = [town.paid_order(f"顾客{n}", local(TODAY, 9, n)) for n in range(5)]
    for order_no in orders:
        town.to_point(order_no, "P1")
    report = town.build(TOMORROW)
    assert (report.added, report.carried) == (2, 3)
    days = [town.pickup(o).delivery_date for o in orders]
    # The earliest paid first; the next day full too, so the fifth goes a day further.
    assert days == [
        TOMORROW.isoformat(),
        TOMORROW.isoformat(),
        (TOMORROW + timedelta(days=1)).isoformat(),
        (TOMORROW + timedelta(days=1)).isoformat(),
        (TOMORROW + timedelta(days=2)).isoformat(),
    ]
    assert "顺延" in town.pickup(orders[2]).carried_reason
    assert town.pickup(orders[0]).carried_reason is None
    assert [b.orders for b in town.batches(TOMORROW)] == [2]


def test_rebuilding_adds_newly_paid_orders_and_never_duplicates(town):
    leader = town.leader("王姐")
    town.point("P1", leader.code)
    town.point("P2", leader.code)
    first = town.paid_order("甲", local(TODAY, 10))
    town.to_point(first, "P1")
    assert town.build(TOMORROW).added == 1
    assert town.build(TOMORROW).added == 0
    later = town.paid_order("乙", local(TODAY, 20), sku=OIL, qty=2)
    town.to_point(later, "P1")
    other = town.paid_order("丙", local(TODAY, 20))
    town.to_point(other, "P2")
    assert town.build(TOMORROW).added == 2
    assert town.build(TOMORROW).added == 0
    batches = {b.point: b for b in town.batches(TOMORROW)}
    assert {p: b.orders for p, b in batches.items()} == {"P1": 2, "P2": 1}
    from liveloop.community import service as community
    from liveloop.store.engine import transaction

    with transaction(town.runtime.read_sessions) as session:
        packing = community.packing_list(session, batches["P1"].batch_id)
    assert [(t.sku, t.quantity) for t in packing.totals] == [(OIL, 2), (RICE, 1)]
    assert sorted(o.order_no for o in packing.orders) == sorted([first, later])
    assert all(len(o.code) == 7 for o in packing.orders)


def test_a_refunded_order_is_not_batched(town):
    from liveloop.commerce import service as commerce
    from liveloop.store.engine import transaction

    leader = town.leader("王姐")
    town.point("P1", leader.code)
    order_no = town.paid_order("甲", local(TODAY, 10))
    town.to_point(order_no, "P1")
    with transaction(town.runtime.sessions) as session:
        commerce.refund_order(
            session, order_no, refunded_at=town.clock.now(), reason="不要了", source="test"
        )
    assert town.build(TOMORROW).added == 0
