"""Paid memberships: bought by a paid order of the membership SKU, each delivery a linked ¥0
order, renewed, refunded pro rata exact to the fen; a replay never grants twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from liveloop.commerce.service import OrderLine, record_order
from liveloop.store.consumers import Consumers
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, LoggedEvent
from liveloop.subscriptions import events, jobs
from liveloop.subscriptions import service as subs
from liveloop.subscriptions.contracts import SubscriptionConflict


def buy(shop, order_no: str) -> None:
    with transaction(shop.runtime.sessions) as session:
        record_order(
            session,
            order_no=order_no,
            customer_id=shop.customer,
            lines=[OrderLine("MEMBER-VINEGAR", 1)],
            placed_at=shop.clock.now(),
            channel="mini_program",
            source="test",
        )
    shop.run()


def membership(shop) -> subs.MembershipView:
    with transaction(shop.runtime.read_sessions) as session:
        found = subs.membership_for(session, shop.customer, "vinegar")
        assert found is not None
        return subs.get_membership(session, found.id)


def test_a_paid_order_of_the_membership_sku_buys_it_once_however_often_replayed(store_shop):
    shop = store_shop
    buy(shop, "SO-M1")
    bought = membership(shop)
    assert (bought.deliveries_granted, bought.deliveries_left, bought.paid) == (
        4,
        4,
        Decimal("199.00"),
    )
    # the consumer sees the same Order Completed again (a replay, a second worker)
    with transaction(shop.runtime.sessions) as session:
        row = session.scalars(select(Event).where(Event.name == "Order Completed")).one()
        jobs.on_order_paid(session, LoggedEvent.of(row))
        jobs.on_order_paid(session, LoggedEvent.of(row))
    assert membership(shop).deliveries_granted == 4
    assert [e.kind for e in membership(shop).entries] == ["bought"]
    assert len(shop.events(events.MEMBERSHIP_BOUGHT)) == 1


def test_deliveries_are_zero_yuan_orders_and_the_refund_is_pro_rata_to_the_fen(shop):
    buy(shop, "SO-M1")
    m = membership(shop)
    with transaction(shop.runtime.sessions) as session:
        used = subs.use_delivery(
            session, m.id, address={"city": "太原"}, at=shop.clock.now(), source="test"
        )
    assert (used.deliveries_used, used.deliveries_left) == (1, 3)
    (delivery,) = shop.orders("MBR")
    assert delivery.order_no == f"MBR{m.id}-1" and delivery.total == Decimal("0.00")
    with transaction(shop.runtime.sessions) as session:
        refunded = subs.refund_membership(
            session, m.id, reason="不想要了", at=shop.clock.now(), source="test"
        )
        again = subs.refund_membership(
            session, m.id, reason="再退", at=shop.clock.now(), source="test"
        )
    assert refunded.refunded == Decimal("149.25") and again.refunded == Decimal("149.25")
    assert refunded.status == "refunded" and refunded.deliveries_left == 0
    (event,) = shop.events(events.MEMBERSHIP_REFUNDED)
    assert event["amount"] == "149.25" and event["deliveries_unused"] == 3
    with transaction(shop.runtime.sessions) as session, pytest.raises(SubscriptionConflict):
        subs.use_delivery(session, m.id, address={}, at=shop.clock.now(), source="test")


def test_a_second_paid_order_renews_adding_deliveries_and_a_year(shop):
    buy(shop, "SO-M1")
    first = membership(shop)
    shop.clock.advance(days=100)
    buy(shop, "SO-M2")
    renewed = membership(shop)
    assert renewed.deliveries_granted == 8 and renewed.paid == Decimal("398.00")
    assert (renewed.ends_at - first.ends_at).days == 365
    assert [e.kind for e in renewed.entries] == ["bought", "renewed"]
    (event,) = shop.events(events.MEMBERSHIP_RENEWED)
    assert event["order_id"] == "SO-M2" and event["deliveries"] == 4


def test_the_ledger_rebuilt_by_a_fresh_consumer_grants_nothing_new(shop):
    buy(shop, "SO-M1")
    with transaction(shop.runtime.sessions) as session:
        subs.use_delivery(session, membership(shop).id, address={}, at=shop.clock.now(), source="t")
    fresh = Consumers()  # a consumer starting over from the first event
    fresh.subscribe("subscriptions-replay", jobs.on_order_paid, names={"Order Completed"})
    fresh.run_until_idle(shop.runtime.sessions, shop.clock)
    m = membership(shop)
    assert (m.deliveries_granted, m.deliveries_used) == (4, 1)
    assert [e.kind for e in m.entries] == ["bought", "delivery_used"]


def test_the_refund_is_pro_rata_to_what_was_paid_after_the_orders_discount(shop):
    with transaction(shop.runtime.sessions) as session:
        record_order(
            session,
            order_no="SO-M9",
            customer_id=shop.customer,
            lines=[OrderLine("MEMBER-VINEGAR", 1)],
            placed_at=shop.clock.now(),
            channel="mini_program",
            source="test",
            discount=Decimal("19.00"),  # paid 180.00
        )
    shop.run()
    m = membership(shop)
    assert m.paid == Decimal("180.00")
    with transaction(shop.runtime.sessions) as session:
        subs.use_delivery(session, m.id, address={}, at=shop.clock.now(), source="t")
        refunded = subs.refund_membership(
            session, m.id, reason="退", at=shop.clock.now(), source="t"
        )
    assert refunded.refunded == Decimal("135.00")  # 3 of 4 × 45.00
