"""The last units of a lot raced for by many buyers at once, each placing an order in its own
transaction: exactly as many are sold as there are units, every other buyer is told 库存不足,
and the ledger still reconciles. On each store; PostgreSQL is the one with real concurrency
(bench/inventory_last_units.py races 500)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from liveloop.commerce.models import Order
from liveloop.inventory.contracts import OutOfStock
from tests.inventory.conftest import RICE

BUYERS, UNITS = 30, 10


def test_exactly_the_units_there_are_are_sold_to_concurrent_buyers(store_stockroom):
    room = store_stockroom
    room.receive("SH", RICE, "L-A", 4, expires_in=200)
    room.receive("GZ", RICE, "L-B", UNITS - 4, expires_in=300)
    people = [room.person(f"抢购{n}") for n in range(BUYERS)]
    start = threading.Barrier(BUYERS)
    sold: list[int] = []
    short: list[str] = []
    other: list[BaseException] = []

    def buy(n: int) -> None:
        start.wait()
        try:
            room.place(RICE, 1, buyer=people[n], order_no=f"LAST{n:03d}")
            sold.append(n)
        except OutOfStock as exc:
            short.append(str(exc))
        except BaseException as exc:
            other.append(exc)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert other == []
    assert len(sold) == UNITS and len(short) == BUYERS - UNITS
    assert all(why.startswith("库存不足:五常大米 5kg 仅剩 0 件") for why in short)
    assert [(lot.on_hand, lot.reserved) for lot in room.lots(RICE)] == [(4, 4), (6, 6)]
    with room.runtime.read_sessions() as session:
        assert session.scalar(select(func.count(Order.id))) == UNITS
    assert room.reconcile() == []
