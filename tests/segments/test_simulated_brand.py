"""Rules on the simulated brand (200 people loaded through the real services and resolved by
OneID), checked against a plain Python evaluation of the same definition over the store's rows:
the compiled SQL and the reference must name the same people."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from liveloop.commerce.models import Order, OrderItem, Product
from liveloop.live.models import LiveSession
from liveloop.profiles.models import Customer, CustomerTag
from liveloop.runtime import Runtime
from liveloop.segments.service import member_ids, members_among, parse_rule, preview
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.conftest import BRAND_NOW, open_copy

NOW = BRAND_NOW


@pytest.fixture
def brand(brand_store, tmp_path, clock) -> Iterator[Runtime]:
    runtime = open_copy(brand_store, tmp_path, clock)
    yield runtime
    runtime.close()


class Reference:
    """The store's rows in Python, and each rule kind evaluated person by person."""

    def __init__(self, session) -> None:
        self.alive = set(
            session.scalars(select(Customer.id).where(Customer.merged_into_id.is_(None)))
        )
        self.orders = session.execute(
            select(Order.id, Order.customer_id, Order.status, Order.placed_at)
        ).all()
        self.lines = session.execute(
            select(OrderItem.order_id, Product.sku, Product.category).join(Product)
        ).all()
        self.events = session.execute(
            select(Event.customer_id, Event.name, Event.timestamp, Event.properties).where(
                Event.customer_id.is_not(None)
            )
        ).all()
        self.tags = session.execute(select(CustomerTag.customer_id, CustomerTag.tag)).all()
        self.lives = session.execute(
            select(LiveSession.id, LiveSession.started_at)
            .where(LiveSession.started_at <= NOW)
            .order_by(LiveSession.started_at.desc(), LiveSession.id.desc())
        ).all()

    def bought(self, since, skus=None, category=None, at_least=1) -> set[int]:
        wanted = {
            order for order, sku, cat in self.lines if (skus and sku in skus) or cat == category
        }
        counts = Counter(
            o.customer_id
            for o in self.orders
            if o.status in ("paid", "completed")
            and since <= o.placed_at <= NOW
            and (not (skus or category) or o.id in wanted)
        )
        return {c for c, n in counts.items() if n >= at_least}

    def watched(self, last: int, minutes: float, at_least: int) -> set[int]:
        lives = self.lives[:last]
        ids, first = {live.id for live in lives}, min(live.started_at for live in lives)
        seconds: dict[tuple[int, int], int] = defaultdict(int)
        for e in self.events:
            live = e.properties.get("live_session_id")
            if e.name == "Live Left" and live in ids and first <= e.timestamp <= NOW:
                seconds[(e.customer_id, live)] += e.properties.get("watch_seconds", 0)
        lives_per_person = Counter(c for (c, _), s in seconds.items() if s >= minutes * 60)
        return {c for c, n in lives_per_person.items() if n >= at_least}

    def did(self, name: str, since, **props) -> set[int]:
        return {
            e.customer_id
            for e in self.events
            if e.name == name
            and since <= e.timestamp <= NOW
            and all(e.properties.get(k) == v for k, v in props.items())
        }


def check(session, doc, expected: set[int]) -> None:
    rule = parse_rule(doc)
    assert set(member_ids(session, rule, NOW)) == expected
    assert preview(session, rule, NOW, sample=5).count == len(expected)
    batch = sorted(expected)[:50] + sorted(set(range(1, 260)) - expected)[:200]
    assert members_among(session, rule, batch, NOW) == expected & set(batch)


def test_live_watchers_who_bought_nothing_match_the_reference(brand):
    with transaction(brand.read_sessions) as session:
        ref = Reference(session)
        checked = 0
        for last, minutes, at_least in ((3, 15, 3), (10, 5, 2), (20, 15, 3), (40, 1, 1)):
            since = ref.lives[last - 1].started_at
            expected = (ref.watched(last, minutes, at_least) - ref.bought(since)) & ref.alive
            doc = {
                "and": [
                    {"type": "live", "last": last, "min_minutes": minutes, "at_least": at_least},
                    {"not": {"type": "order", "within": {"last_lives": last}}},
                ]
            }
            check(session, doc, expected)
            checked += len(expected)
    assert checked > 0  # the brand has such people


def test_tagged_people_without_a_recent_purchase_match_the_reference(brand):
    with transaction(brand.read_sessions) as session:
        ref = Reference(session)
        tag, _ = Counter(t for _, t in ref.tags).most_common(1)[0]
        tagged = {c for c, t in ref.tags if t == tag}
        expected = (tagged - ref.bought(NOW - timedelta(days=30))) & ref.alive
        assert expected
        doc = {
            "and": [
                {"type": "tag", "tag": tag},
                {"not": {"type": "order", "within": {"days": 30}}},
            ]
        }
        check(session, doc, expected)


def test_bought_a_and_clicked_b_in_a_live_match_the_reference(brand):
    with transaction(brand.read_sessions) as session:
        ref = Reference(session)
        clicks = Counter(
            e.properties.get("sku") for e in ref.events if e.name == "Live Product Clicked"
        )
        skus = Counter(sku for _, sku, _ in ref.lines)
        total = 0
        for (a, _), (b, _) in zip(skus.most_common(3), clicks.most_common(3), strict=False):
            since = NOW - timedelta(days=720)
            expected = (
                ref.bought(since, skus={a}) & ref.did("Live Product Clicked", since, sku=b)
            ) & ref.alive
            doc = {
                "and": [
                    {"type": "order", "sku": [a], "within": {"days": 720}},
                    {
                        "type": "event",
                        "name": "Live Product Clicked",
                        "within": {"days": 720},
                        "where": [{"property": "sku", "value": b}],
                    },
                ]
            }
            check(session, doc, expected)
            total += len(expected)
    assert total > 0


def test_repeat_buyers_of_a_category_match_the_reference(brand):
    with transaction(brand.read_sessions) as session:
        ref = Reference(session)
        category, _ = Counter(cat for _, _, cat in ref.lines).most_common(1)[0]
        for days, at_least in ((90, 2), (365, 3), (30, 1)):
            since = NOW - timedelta(days=days)
            expected = ref.bought(since, category=category, at_least=at_least) & ref.alive
            doc = {
                "type": "order",
                "category": [category],
                "within": {"days": days},
                "count": {"op": "gte", "value": at_least},
            }
            check(session, doc, expected)
