from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from liveloop.commerce.models import Order
from liveloop.identity.models import Identity
from liveloop.overview import overview
from liveloop.sim.config import SimConfig
from liveloop.sim.generate import simulate
from liveloop.sim.load import load_simulation
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

CONFIG = SimConfig(customers=250, end=date(2026, 11, 20), chunk_size=100)


def test_loading_a_simulation_puts_its_orders_and_events_in_the_store(store_runtime):
    rt = store_runtime
    report = load_simulation(rt.sessions, CONFIG, rt.clock.now())
    chunks = list(simulate(CONFIG))
    orders = [o for c in chunks for o in c.orders]
    events = [e for c in chunks for e in c.events]
    assert report.orders == len(orders)
    assert report.refunds == sum(o["status"] == "refunded" for o in orders)
    with transaction(rt.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == len(orders)
        names = dict(session.execute(select(Event.name, func.count()).group_by(Event.name)).all())
        # no placeholder ever became an identifier
        values = set(session.scalars(select(Identity.value)))
        view = overview(session, rt.clock.now(), rt.settings.tz)
    assert names["Order Completed"] == len(orders)
    assert names["Order Refunded"] == report.refunds
    assert names["Live Joined"] == sum(e["event"] == "Live Joined" for e in events)
    assert not values & {"null", "0", "undefined", "+8613800000000", "anonymous"}
    since = rt.clock.now() - timedelta(days=30)
    expected = sum(
        (o["total"] for o in orders if o["placed_at"] >= since and o["status"] == "paid"),
        Decimal("0.00"),
    )
    assert view.gmv_30d == expected and expected > 0
    assert sum(gmv for _, gmv in view.daily_gmv) == expected
    assert view.lives_held == report.lives


def test_loading_twice_changes_nothing(runtime):
    load_simulation(runtime.sessions, CONFIG, runtime.clock.now())
    with transaction(runtime.sessions) as session:
        before = session.scalar(select(func.count()).select_from(Event))
    again = load_simulation(runtime.sessions, CONFIG, runtime.clock.now())
    with transaction(runtime.sessions) as session:
        after = session.scalar(select(func.count()).select_from(Event))
    assert after == before
    assert (again.customers, again.orders, again.events) == (0, 0, 0)
    with transaction(runtime.sessions) as session:
        assert overview(session, runtime.clock.now(), runtime.settings.tz).lives_held == again.lives


def test_an_interrupted_load_is_resumed_to_the_same_result(runtime):
    from liveloop.sim.load import load_state

    class Interrupted(Exception):
        pass

    def stop_after_first_chunk(done: int) -> None:
        raise Interrupted

    with transaction(runtime.read_sessions) as session:
        assert load_state(session) == "empty"
    with pytest.raises(Interrupted):
        load_simulation(
            runtime.sessions, CONFIG, runtime.clock.now(), progress=stop_after_first_chunk
        )
    with transaction(runtime.read_sessions) as session:
        assert load_state(session) == "partial"
    load_simulation(runtime.sessions, CONFIG, runtime.clock.now())
    with transaction(runtime.read_sessions) as session:
        assert load_state(session) == "done"
        orders = session.scalar(select(func.count()).select_from(Order))
    assert orders == sum(len(c.orders) for c in simulate(CONFIG))


def test_the_loader_never_gives_one_customer_two_member_numbers(runtime):
    load_simulation(runtime.sessions, SimConfig(customers=800, chunk_size=400), runtime.clock.now())
    with transaction(runtime.read_sessions) as session:
        most = session.execute(
            select(func.count())
            .select_from(Identity)
            .where(Identity.type == "member_no")
            .group_by(Identity.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar()
    assert most == 1
