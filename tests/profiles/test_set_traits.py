"""Setting traits merges into the row as committed now: a change another transaction committed
after this one read the person is kept, on both stores."""

from __future__ import annotations

from liveloop.profiles.models import Customer
from liveloop.profiles.service import NewCustomer, create_customer, set_traits
from liveloop.store.engine import transaction


def test_set_traits_keeps_a_trait_committed_meanwhile_and_removes_nulls(store_runtime):
    rt, now = store_runtime, store_runtime.clock.now()
    with transaction(rt.sessions) as session:
        person = create_customer(
            session, NewCustomer(name="李", traits={"city_tier": 2, "old": "x"}), now, "test"
        )
    with rt.sessions() as slow:
        slow.begin()
        slow.get(Customer, person)  # read before the other writer commits
        if rt.engine.dialect.name == "postgresql":  # SQLite has one writer: no interleaving
            with transaction(rt.sessions) as fast:
                fast.get(Customer, person).traits = {"city_tier": 2, "old": "x", "vip": True}
        set_traits(slow, person, {"baker": True, "old": None}, now)
        slow.commit()
    with transaction(rt.read_sessions) as session:
        traits = session.get(Customer, person).traits
    expected = {"city_tier": 2, "baker": True}
    if rt.engine.dialect.name == "postgresql":
        expected["vip"] = True
    assert traits == expected
