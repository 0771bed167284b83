"""Online OneID and profiles on the simulator's data: every observation resolved as it arrives,
scored against the planted truth (pairwise precision and recall of "same person" decisions),
and the rule tags checked against the people's planted traits."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from liveloop import bootstrap
from liveloop.commerce.models import Order
from liveloop.identity.consumer import TRACKED, subscribe
from liveloop.sim.config import SimConfig
from liveloop.sim.generate import simulate
from liveloop.sim.load import load_simulation
from liveloop.store.consumers import Consumers
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

CONFIG = SimConfig(customers=1_000, end=date(2026, 11, 20), chunk_size=500, seed=11)


def pairwise(pairs: list[tuple[int, int]]) -> tuple[float, float]:
    """(precision, recall) of predicted clusters against true ones, from the contingency table."""

    def same(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    both = same(Counter(pairs))
    predicted = same(Counter(p for p, _ in pairs))
    actual = same(Counter(t for _, t in pairs))
    return both / predicted, both / actual


@pytest.fixture(scope="module")
def resolved(tmp_path_factory):
    from liveloop.clock import ManualClock
    from tests.conftest import make_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('oneid') / 'store.db'}"
    runtime = bootstrap.open_runtime(make_settings(url), ManualClock())
    load_simulation(runtime.sessions, CONFIG, runtime.clock.now())
    consumers = Consumers()
    subscribe(consumers, runtime.settings.tz)  # OneID, then counters and tags
    consumers.run_until_idle(runtime.sessions, runtime.clock)
    yield runtime
    runtime.close()


def test_online_oneid_recovers_the_planted_people(resolved):
    owner = {}
    for chunk in simulate(CONFIG):
        owner.update({o["order_no"]: o["person_id"] for o in chunk.truth_orders})
    pairs: list[tuple[int, int]] = []
    with transaction(resolved.read_sessions) as session:
        for message_id, customer_id in session.execute(
            select(Event.message_id, Event.customer_id).where(
                Event.type.in_(TRACKED), Event.customer_id.is_not(None)
            )
        ):
            pairs.append((customer_id, int(message_id.split("-")[1])))
        for order_no, customer_id in session.execute(select(Order.order_no, Order.customer_id)):
            pairs.append((customer_id, owner[order_no]))
    precision, recall = pairwise(pairs)
    print(f"online OneID: precision {precision:.4f}, recall {recall:.4f} over {len(pairs)} records")
    assert precision >= 0.99
    assert recall >= 0.97


def test_shared_store_tablets_end_up_blocked(resolved):
    from liveloop.identity.models import IdentifierBlock

    with transaction(resolved.read_sessions) as session:
        blocked = set(session.scalars(select(IdentifierBlock.value)))
    assert {"TABLET-GZ-STORE-01", "TABLET-SH-STORE-01"} <= blocked


def _true_people(session) -> dict[int, int]:
    """customer → the planted person most of their events come from."""
    votes: dict[int, Counter] = {}
    for message_id, customer_id in session.execute(
        select(Event.message_id, Event.customer_id).where(
            Event.type.in_(TRACKED), Event.customer_id.is_not(None)
        )
    ):
        votes.setdefault(customer_id, Counter())[int(message_id.split("-")[1])] += 1
    return {c: v.most_common(1)[0][0] for c, v in votes.items()}


def test_rule_tags_find_the_planted_health_needs_and_price_sensitivity(resolved):
    from liveloop.profiles.models import CustomerTag

    people = {}
    for chunk in simulate(CONFIG):
        people.update({p["person_id"]: p for p in chunk.truth_people})
    with transaction(resolved.read_sessions) as session:
        person_of = _true_people(session)
        tagged = session.execute(select(CustomerTag.customer_id, CustomerTag.tag)).all()
    by_tag: dict[str, list[dict]] = {}
    for customer_id, tag in tagged:
        if customer_id in person_of:
            by_tag.setdefault(tag, []).append(people[person_of[customer_id]])
    health = by_tag["有特定健康需求"]
    assert len(health) > 20
    assert sum(p["health_need"] is not None for p in health) / len(health) > 0.6
    price = by_tag["价格敏感型"]
    assert len(price) > 20
    assert sum(p["price_sensitive"] for p in price) / len(price) > 0.8
