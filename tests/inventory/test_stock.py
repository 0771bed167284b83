"""Stock lots, the moves ledger and an order's reservation through commerce: FEFO, the
out-of-stock refusal that writes nothing, idempotent replays, release and pick, returns, and the
ledger reconciling to every lot's on hand and reserved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveloop.commerce import service as commerce
from liveloop.commerce.models import Order
from liveloop.inventory import service as inventory
from liveloop.inventory.contracts import (
    InventoryConflict,
    InventoryRefused,
    MoveKind,
    OutOfStock,
    ReservationState,
    Zone,
)
from liveloop.inventory.models import StockMove, StockReservation
from liveloop.store.engine import transaction
from tests.inventory.conftest import MILK, RICE


def test_an_order_takes_the_lot_that_expires_first(stockroom):
    stockroom.receive("SH", RICE, "L-LATE", 10, expires_in=300)
    stockroom.receive("SH", RICE, "L-SOON", 3, expires_in=200)
    stockroom.receive("GZ", RICE, "L-MID", 10, expires_in=250)
    stockroom.place(RICE, 5, order_no="FEFO1")
    with transaction(stockroom.runtime.read_sessions) as session:
        held = inventory.reservation_of(session, "FEFO1")
    assert held is not None and held.state == ReservationState.RESERVED
    assert [(u.lot_no, u.quantity) for u in held.units] == [("L-SOON", 3), ("L-MID", 2)]
    assert {lot.lot_no: lot.reserved for lot in stockroom.lots(RICE)} == {
        "L-SOON": 3,
        "L-MID": 2,
        "L-LATE": 0,
    }


def test_lots_with_less_than_a_third_of_the_shelf_life_left_are_not_sold(stockroom):
    stockroom.receive("SH", RICE, "L-OLD", 50, expires_in=100)  # 365 // 3 = 121 days needed
    stockroom.receive("SH", RICE, "L-NEW", 5, expires_in=300)
    stockroom.place(RICE, 2, order_no="FRESH1")
    lots = {lot.lot_no: lot.reserved for lot in stockroom.lots(RICE)}
    assert lots == {"L-OLD": 0, "L-NEW": 2}


def test_place_order_refuses_out_of_stock_with_the_reason_and_writes_nothing(stockroom):
    stockroom.receive("SH", RICE, "L1", 3)
    buyer = stockroom.person()
    with pytest.raises(OutOfStock) as refused:
        stockroom.place(RICE, 5, buyer=buyer, order_no="SHORT1")
    assert str(refused.value).startswith("库存不足:五常大米 5kg 仅剩 3 件")
    assert refused.value.status == 409
    with transaction(stockroom.runtime.read_sessions) as session:
        assert session.scalar(select(func.count(Order.id))) == 0
        assert session.scalar(select(func.count(StockReservation.id))) == 0
        assert (
            session.scalar(
                select(func.count(StockMove.id)).where(StockMove.kind == MoveKind.RESERVE.value)
            )
            == 0
        )
    assert [lot.reserved for lot in stockroom.lots(RICE)] == [0]


def test_a_refusal_inside_a_continuing_transaction_leaves_no_units_held(stockroom):
    stockroom.receive("SH", RICE, "L1", 3)
    stockroom.receive("SH", MILK, "M1", 1, expires_in=5, zone=Zone.CHILLED)
    with transaction(stockroom.runtime.sessions) as session, pytest.raises(OutOfStock):
        inventory.reserve(
            session,
            "HALF1",
            [inventory_line(RICE, 2), inventory_line(MILK, 2)],
            at=stockroom.clock.now(),
        )
    assert [lot.reserved for lot in stockroom.lots(RICE)] == [0]  # the rice line was undone


def inventory_line(sku, quantity):
    from liveloop.inventory.contracts import ReserveLine

    return ReserveLine(sku, quantity)


def test_untracked_skus_sell_as_before(stockroom):
    placed = stockroom.place("OAT-1KG", 100, order_no="UNTRACKED1")
    assert placed.created
    with transaction(stockroom.runtime.read_sessions) as session:
        assert inventory.reservation_of(session, "UNTRACKED1") is None


def test_a_replayed_order_reserves_once(stockroom):
    stockroom.receive("SH", RICE, "L1", 10)
    buyer = stockroom.person()
    stockroom.place(RICE, 4, buyer=buyer, order_no="REPLAY1")
    again = stockroom.place(RICE, 4, buyer=buyer, order_no="REPLAY1")
    assert not again.created
    with transaction(stockroom.runtime.sessions) as session:
        direct = inventory.reserve(
            session, "REPLAY1", [inventory_line(RICE, 4)], at=stockroom.clock.now()
        )
    assert not direct.changed
    assert [lot.reserved for lot in stockroom.lots(RICE)] == [4]
    assert stockroom.reconcile() == []


def test_a_replayed_receipt_or_count_moves_nothing_twice(stockroom):
    first = stockroom.receive("SH", RICE, "L1", 10, receipt_no="RK-ERP-1")
    again = stockroom.receive("SH", RICE, "L1", 10, receipt_no="RK-ERP-1")
    assert (first.changed, again.changed) == (True, False)
    assert again.lot.on_hand == 10
    with transaction(stockroom.runtime.sessions) as session:
        counted = _count(stockroom, session, "PD-1", 8, "盘点破损 2 袋")
        replay = _count(stockroom, session, "PD-1", 8, "盘点破损 2 袋")
    assert (counted.delta, counted.changed, replay.changed) == (-2, True, False)
    assert [lot.on_hand for lot in stockroom.lots(RICE)] == [8]
    assert stockroom.reconcile() == []


def test_a_receipt_into_a_zone_the_warehouse_lacks_is_refused(stockroom):
    with pytest.raises(InventoryRefused, match="华北仓没有冷藏温区"):
        stockroom.receive("BJ", MILK, "M1", 10, zone=Zone.CHILLED)


def test_a_count_below_what_orders_hold_is_refused(stockroom):
    stockroom.receive("SH", RICE, "L1", 10)
    stockroom.place(RICE, 6)
    with transaction(stockroom.runtime.sessions) as session, pytest.raises(InventoryConflict):
        _count(stockroom, session, "PD-2", 5, "盘点")


def _count(stockroom, session, key, counted, reason):
    """A count of SH's rice lot L1."""
    return inventory.adjust(
        session,
        key=key,
        warehouse="SH",
        sku=RICE,
        lot_no="L1",
        counted=counted,
        reason=reason,
        at=stockroom.clock.now(),
        by="test",
        source="test",
    )


def _put_back(session, order_no, quantity, return_no, now):
    return inventory.put_back(
        session,
        order_no,
        sku=RICE,
        quantity=quantity,
        return_no=return_no,
        at=now,
        by="test",
        source="t",
    )


def _pay(stockroom, order):
    with transaction(stockroom.runtime.sessions) as session:
        commerce.pay_order(
            session,
            order.order_no,
            amount=order.total,
            transaction_id=f"wx-{order.order_no}",
            paid_at=stockroom.clock.now(),
            source="test",
        )


def test_cancelling_releases_once_and_shipping_picks_once(stockroom):
    stockroom.receive("SH", RICE, "L1", 10)
    cancelled = stockroom.place(RICE, 3, order_no="CAN1")
    shipped = stockroom.place(RICE, 4, order_no="SHIP1")
    now = stockroom.clock.now()
    with transaction(stockroom.runtime.sessions) as session:
        commerce.cancel_order(session, "CAN1", reason="买家取消", at=now, source="test")
        commerce.cancel_order(session, "CAN1", reason="买家取消", at=now, source="test")
        assert inventory.release(session, "CAN1", at=now) is False
    assert cancelled.created
    _pay(stockroom, shipped)
    with transaction(stockroom.runtime.sessions) as session:
        commerce.ship_order(session, "SHIP1", at=now, source="test", carrier="顺丰")
        commerce.ship_order(session, "SHIP1", at=now, source="test", carrier="顺丰")
        assert inventory.pick(session, "SHIP1", at=now) is False
        assert inventory.release(session, "SHIP1", at=now) is False  # picked stays picked
    [lot] = stockroom.lots(RICE)
    assert (lot.on_hand, lot.reserved) == (6, 0)
    assert stockroom.reconcile() == []
    with transaction(stockroom.runtime.read_sessions) as session:
        kinds = sorted(m.kind for m in inventory.list_moves(session, sku=RICE))
    assert kinds == ["pick", "receive", "release", "reserve", "reserve"]


def test_the_unpaid_timeout_releases_the_stock(stockroom):
    stockroom.receive("SH", RICE, "L1", 5)
    stockroom.place(RICE, 5, order_no="LATE1")
    from liveloop.commerce import jobs

    jobs.register(stockroom.runtime)
    stockroom.clock.current = stockroom.clock.now() + timedelta(hours=3)
    stockroom.runtime.run_tasks_until_idle()
    [lot] = stockroom.lots(RICE)
    assert lot.reserved == 0
    stockroom.place(RICE, 5, order_no="LATE2")  # sellable again


def test_goods_returned_go_back_on_hand_once(stockroom):
    stockroom.receive("SH", RICE, "L1", 10)
    order = stockroom.place(RICE, 4, order_no="RET1")
    _pay(stockroom, order)
    now = stockroom.clock.now()
    with transaction(stockroom.runtime.sessions) as session:
        commerce.ship_order(session, "RET1", at=now, source="test")
        assert _put_back(session, "RET1", 2, "TH1", now) == 2
        assert _put_back(session, "RET1", 2, "TH1", now) == 0
        with pytest.raises(InventoryConflict):
            _put_back(session, "RET1", 3, "TH2", now)
    [lot] = stockroom.lots(RICE)
    assert lot.on_hand == 8
    assert stockroom.reconcile() == []


def test_a_return_number_with_an_underscore_is_not_taken_for_another(stockroom):
    stockroom.receive("SH", RICE, "L1", 10)
    order = stockroom.place(RICE, 4, order_no="RET2")
    _pay(stockroom, order)
    now = stockroom.clock.now()
    with transaction(stockroom.runtime.sessions) as session:
        commerce.ship_order(session, "RET2", at=now, source="test")
        assert _put_back(session, "RET2", 1, "RX1", now) == 1
        assert _put_back(session, "RET2", 1, "R_1", now) == 1  # LIKE would have matched RX1
