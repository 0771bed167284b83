"""Concurrent buyers never oversell a presale's quota (on each store)."""

from __future__ import annotations

import threading

from liveloop.presale import service as presales
from liveloop.presale.contracts import PresaleConflict
from liveloop.store.engine import transaction

BUYERS = 16
QUOTA = 5


def test_concurrent_deposits_take_exactly_the_quota(store_counter):
    counter = store_counter
    counter.presale(quota=QUOTA)
    people = [counter.person(f"买家{n}") for n in range(BUYERS)]
    start = threading.Barrier(BUYERS)
    won: list[int] = []
    sold_out: list[int] = []

    def buy(n: int) -> None:
        start.wait()
        try:
            with transaction(counter.runtime.sessions) as session:
                presales.pay_deposit(
                    session,
                    "MOON-PS",
                    customer_id=people[n],
                    order_no=f"QUOTA{n:03d}",
                    transaction_id=f"wx-q-{n}",
                    at=counter.clock.now(),
                    source="test",
                )
            won.append(n)
        except PresaleConflict:
            sold_out.append(n)

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert (len(won), len(sold_out)) == (QUOTA, BUYERS - QUOTA)
    assert counter.get().sold == QUOTA
