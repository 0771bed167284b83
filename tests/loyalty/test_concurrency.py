"""Two checkouts racing for a member's last points on PostgreSQL: exactly one spends them."""

from __future__ import annotations

import threading

import pytest

from liveloop import bootstrap
from liveloop.loyalty import service as loyalty
from liveloop.loyalty.errors import InsufficientPoints
from liveloop.store.engine import transaction
from tests.conftest import make_settings
from tests.loyalty.shop import Shop


def race(shop: Shop, person: int, round_no: int) -> list[str]:
    """Two spends of 80 started together; what each got."""
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def checkout(n: int) -> None:
        start.wait()
        try:
            shop.spend(person, 80, f"order:R{round_no}-{n}:spend")
            outcomes.append("spent")
        except InsufficientPoints:
            outcomes.append("short")

    threads = [threading.Thread(target=checkout, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.postgres
def test_two_spends_racing_for_the_last_points_one_wins(postgres_url, clock):
    runtime = bootstrap.open_runtime(make_settings(postgres_url), clock)
    try:
        shop = Shop(runtime)
        zhang = shop.person("张秀英")
        shop.paid(zhang, "SO1", "100.00")
        shop.later(days=8)
        for round_no in range(5):
            if round_no:  # back to exactly 100 points, so only one spend of 80 fits
                with transaction(runtime.sessions) as session:
                    loyalty.adjust_points(
                        session,
                        customer_id=zhang,
                        points=80,
                        reason="再来一轮",
                        key=f"round-{round_no}",
                        at=clock.now(),
                        by="test",
                        tz=runtime.settings.tz,
                    )
            assert shop.member(zhang).available == 100
            assert race(shop, zhang, round_no) == ["short", "spent"]
        assert shop.member(zhang).available == 20
        assert shop.reconcile().ok
    finally:
        runtime.close()
