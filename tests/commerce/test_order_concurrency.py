"""Concurrent moves of one order on PostgreSQL: exactly one wins, the others change nothing;
and the periodic tasks that cancel unpaid orders and confirm delivered ones."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from liveloop import bootstrap
from liveloop.commerce import events
from liveloop.commerce.contracts import OrderStatus
from liveloop.commerce.jobs import cancel_unpaid_orders, confirm_delivered_orders
from liveloop.commerce.service import (
    CommerceError,
    OrderView,
    deliver_order,
    get_order,
    pay_order,
    place_order,
    refund_order_part,
    ship_order,
)
from liveloop.store.engine import transaction
from tests.commerce.orders_fixtures import Shop, events_named, request, seed
from tests.conftest import make_settings

RACERS = 8


@pytest.fixture
def pg_shop(postgres_url, clock):
    runtime = bootstrap.open_runtime(make_settings(postgres_url), clock)
    yield Shop(runtime, seed(runtime, clock.now()))
    runtime.close()


def _race(shop: Shop, attempt: Callable[[object, int], object]) -> tuple[list, list]:
    """``attempt(session, i)`` in RACERS threads at once, each in its own transaction."""
    gate = threading.Barrier(RACERS)
    won: list = []
    lost: list = []

    def run(i: int) -> None:
        gate.wait()
        try:
            with transaction(shop.sessions) as session:
                won.append(attempt(session, i))
        except CommerceError as exc:
            lost.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return won, lost


def _placed(shop: Shop, no: str = "P1") -> OrderView:
    with transaction(shop.sessions) as session:
        return place_order(
            session, request(no, shop.seeded["buyer"]), at=shop.clock.now(), source="t"
        )


@pytest.mark.postgres
def test_of_concurrent_payments_by_different_transactions_exactly_one_wins(pg_shop):
    placed = _placed(pg_shop)

    def pay(session, i):
        return pay_order(
            session,
            "P1",
            amount=placed.total,
            transaction_id=f"T{i}",
            paid_at=pg_shop.clock.now(),
            source="t",
        )

    won, lost = _race(pg_shop, pay)
    assert len(won) == 1 and len(lost) == RACERS - 1
    assert all(exc.status == 409 for exc in lost)
    with transaction(pg_shop.sessions) as session:
        assert get_order(session, "P1").transaction_id == won[0].transaction_id
    assert len(events_named(pg_shop, events.ORDER_COMPLETED)) == 1


@pytest.mark.postgres
def test_a_payment_notification_replayed_concurrently_pays_once(pg_shop):
    placed = _placed(pg_shop)

    def pay(session, i):
        return pay_order(
            session,
            "P1",
            amount=placed.total,
            transaction_id="T-same",
            paid_at=pg_shop.clock.now(),
            source="t",
        )

    won, lost = _race(pg_shop, pay)
    assert lost == [] and sum(view.changed for view in won) == 1
    assert len(events_named(pg_shop, events.ORDER_COMPLETED)) == 1


@pytest.mark.postgres
def test_concurrent_refunds_never_take_more_than_was_paid(pg_shop):
    placed = _placed(pg_shop)
    with transaction(pg_shop.sessions) as session:
        pay_order(
            session,
            "P1",
            amount=placed.total,
            transaction_id="T1",
            paid_at=pg_shop.clock.now(),
            source="t",
        )

    def refund(session, i):
        return refund_order_part(
            session,
            "P1",
            refund_no=f"R{i % 2}",  # two refund numbers, each asked four times
            amount=Decimal("60.00"),
            reason="x",
            at=pg_shop.clock.now(),
            source="t",
        )

    won, lost = _race(pg_shop, refund)
    assert sum(view.created for view in won) == 1
    assert all(exc.status == 409 for exc in lost)
    with transaction(pg_shop.sessions) as session:
        order = get_order(session, "P1")
    assert order.refunded_amount == Decimal("60.00") and len(order.refunds) == 1


def test_unpaid_orders_are_cancelled_and_delivered_ones_confirmed_when_their_time_is_up(runtime):
    shop = Shop(runtime, seed(runtime, runtime.clock.now()))
    _placed(shop, "LATE")
    _placed(shop, "PAID")
    _placed(shop, "GOODS")
    now = shop.clock.now()
    with transaction(shop.sessions) as session:
        for no in ("PAID", "GOODS"):
            total = get_order(session, no).total
            pay_order(session, no, amount=total, transaction_id=no, paid_at=now, source="t")
        ship_order(session, "GOODS", at=now, source="t")
        deliver_order(session, "GOODS", at=now, source="t")
    shop.clock.advance(minutes=29)
    assert cancel_unpaid_orders(shop.sessions, shop.clock, timedelta(minutes=30)) == 0
    shop.clock.advance(minutes=2)
    assert cancel_unpaid_orders(shop.sessions, shop.clock, timedelta(minutes=30)) == 1
    assert cancel_unpaid_orders(shop.sessions, shop.clock, timedelta(minutes=30)) == 0
    assert confirm_delivered_orders(shop.sessions, shop.clock, timedelta(days=7)) == 0
    shop.clock.advance(days=7)
    assert confirm_delivered_orders(shop.sessions, shop.clock, timedelta(days=7)) == 1
    with transaction(shop.sessions) as session:
        statuses = {no: get_order(session, no).status for no in ("LATE", "PAID", "GOODS")}
    assert statuses == {
        "LATE": OrderStatus.CANCELLED,
        "PAID": OrderStatus.PAID,
        "GOODS": OrderStatus.COMPLETED,
    }
    (confirmed,) = events_named(shop, events.ORDER_CONFIRMED)
    assert confirmed.properties["by"] == "auto"
