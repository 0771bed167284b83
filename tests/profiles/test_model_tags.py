"""A model's tags are replaced whole by its next run; other sources' tags stay."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from liveloop.profiles.models import CustomerTag
from liveloop.profiles.service import NewCustomer, create_customer, replace_model_tags
from liveloop.store.engine import transaction


def _tags(rt) -> set[tuple[int, str, str]]:
    with rt.read_sessions() as session:
        rows = session.execute(select(CustomerTag.customer_id, CustomerTag.tag, CustomerTag.source))
        return {(c, t, s) for c, t, s in rows}


def test_a_run_replaces_its_own_tags_only(store_runtime):
    rt, now = store_runtime, store_runtime.clock.now()
    with transaction(rt.sessions) as session:
        a, b = (create_customer(session, NewCustomer(name=n), now, "test") for n in ("甲", "乙"))
        session.add(CustomerTag(customer_id=a, tag="老客", source="manual", tagged_at=now))
        assert replace_model_tags(session, "model:interests", [(a, "兴趣:烘焙原料")], now) == 1
    with transaction(rt.sessions) as session:
        tags = [(a, "兴趣:咖啡饮品"), (b, "兴趣:烘焙原料")]
        assert replace_model_tags(session, "model:interests", iter(tags), now) == 2
    assert _tags(rt) == {
        (a, "老客", "manual"),
        (a, "兴趣:咖啡饮品", "model:interests"),
        (b, "兴趣:烘焙原料", "model:interests"),
    }


def test_only_a_model_source_is_replaced_in_bulk(runtime):
    with transaction(runtime.sessions) as session, pytest.raises(ValueError, match="model:"):
        replace_model_tags(session, "manual", [], runtime.clock.now())
