"""Values in a rule never become SQL: an injection attempt is just a value that matches nobody,
and the store is unchanged afterwards, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveloop.profiles.models import Customer
from liveloop.segments.service import member_ids, parse_rule, preview
from liveloop.store.engine import transaction
from tests.segments.conftest import NOW

ATTACKS = [
    "x' OR '1'='1",
    "'; DROP TABLE customers; --",
    '广东省") OR 1=1 --',
    "$.a') IS NOT NULL OR ('",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_injection_attempt_in_a_value_is_harmless(world_runtime, attack):
    runtime, world = world_runtime
    rules = [
        {"type": "trait", "field": "province", "value": attack},
        {"type": "trait", "field": "traits.diet", "op": "in", "value": [attack, "素食"]},
        {"type": "tag", "tag": attack},
        {"type": "event", "name": attack, "where": [{"property": "sku", "value": attack}]},
        {"type": "order", "sku": [attack], "category": [attack]},
        {"type": "score", "field": "rfm_group", "value": attack},
        {"type": "live", "last": 3, "room": attack},
    ]
    with transaction(runtime.sessions) as session:
        before = session.scalar(select(func.count()).select_from(Customer))
        results = [set(member_ids(session, parse_rule(r), NOW)) for r in rules]
        assert preview(session, parse_rule(rules[0]), NOW).count == 0
    assert results == [set(), world.of("gd"), set(), set(), set(), set(), set()]
    with transaction(runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == before


def test_identifiers_cannot_be_smuggled_through_field_names():
    for field in ("province; DROP TABLE customers", "traits.a'); --", "id"):
        with pytest.raises(ValueError):
            parse_rule({"type": "trait", "field": field, "value": "x"})
