"""Every table that names a person declares how a OneID merge treats it, and the tables it
carries go to the survivor on merge and come back, exactly, on split."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

import liveloop
from liveloop.commerce import events as commerce_events
from liveloop.commerce.service import OrderLine, ProductSpec, record_order, upsert_product
from liveloop.identity.models import IdentityMerge
from liveloop.identity.service import resolve, split
from liveloop.profiles.service import Carried, merge_policies
from liveloop.runtime import Runtime
from liveloop.schema.tables import Base
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event

MEMBER = [("unionid", "oUnion-zhang"), ("phone", "13800138001")]
DOUYIN = ("douyin_id", "dy-777")


def _declare_everything() -> None:
    """Domains declare in their models (imported with the table registry) or their service."""
    for service in sorted(Path(liveloop.__file__).parent.glob("*/service.py")):
        importlib.import_module(f"liveloop.{service.parent.name}.service")


def test_every_table_that_names_a_person_declares_its_merge_policy():
    _declare_everything()
    naming = {name for name, table in Base.metadata.tables.items() if "customer_id" in table.c}
    policies = merge_policies()
    assert sorted(naming - policies.keys()) == []
    assert sorted(policies.keys() - naming) == []
    for name, policy in policies.items():
        if isinstance(policy, Carried):
            assert Base.metadata.tables[name].c[policy.key].unique, f"{name}.{policy.key}"


def _order(rt: Runtime, customer_id: int, order_no: str, buyer: list[tuple[str, str]]) -> None:
    with transaction(rt.sessions) as session:
        record_order(
            session,
            order_no=order_no,
            customer_id=customer_id,
            lines=[OrderLine("SOY-500", 1)],
            placed_at=rt.clock.now(),
            channel="douyin",
            source="test",
            buyer=buyer,
        )


# One row per Carried table for the person given; the first test below fails when a table is
# declared Carried without a row here.
RowMaker = Callable[[Runtime, int, str], list[str]]


def _orders(rt: Runtime, customer_id: int, tag: str) -> list[str]:
    """An order its buyer's identifier names, and one recorded without any (only the merge's
    audit knows whose it was)."""
    _order(rt, customer_id, f"{tag}-named", [DOUYIN] if tag == "merged" else MEMBER)
    _order(rt, customer_id, f"{tag}-anonymous", [])
    return [f"{tag}-named", f"{tag}-anonymous"]


ROWS: dict[str, RowMaker] = {"orders": _orders}


def _owners(rt: Runtime, table_name: str, keys: list[str]) -> dict[str, int]:
    policy = merge_policies()[table_name]
    assert isinstance(policy, Carried)
    table = Base.metadata.tables[table_name]
    key = table.c[policy.key]
    with transaction(rt.read_sessions) as session:
        rows = session.execute(select(key, table.c.customer_id).where(key.in_(keys))).all()
    return {k: customer_id for k, customer_id in rows}


def test_a_merge_carries_each_carried_table_over_and_a_split_brings_exactly_those_back(
    store_runtime,
):
    rt = store_runtime
    carried = sorted(n for n, p in merge_policies().items() if isinstance(p, Carried))
    assert carried == sorted(ROWS), "give every Carried table a row maker in ROWS"
    with transaction(rt.sessions) as session:
        upsert_product(
            session,
            ProductSpec("SOY-500", "零添加酱油", "调味品", Decimal("19.90"), 540),
            rt.clock.now(),
        )
        merged = resolve(session, [DOUYIN], rt.clock.now(), source="test").customer_id
        survivor = resolve(session, MEMBER, rt.clock.now(), source="test").customer_id
    assert merged is not None and survivor is not None
    theirs = {table: make(rt, merged, "merged") for table, make in ROWS.items()}
    ours = {table: make(rt, survivor, "survivor") for table, make in ROWS.items()}

    rt.clock.advance(minutes=5)
    with transaction(rt.sessions) as session:
        joined = resolve(session, [MEMBER[0], DOUYIN], rt.clock.now(), source="test")
    assert joined.customer_id == survivor and joined.merged == [merged]
    for table in ROWS:
        assert set(_owners(rt, table, theirs[table] + ours[table]).values()) == {survivor}
    with transaction(rt.read_sessions) as session:
        audit = session.scalars(select(IdentityMerge)).one()
        assert audit.carried_rows == {table: sorted(keys) for table, keys in theirs.items()}
        merge_id = audit.id

    with transaction(rt.sessions) as session:
        assert split(session, merge_id, rt.clock.now(), rt.settings.tz) == merged
    for table in ROWS:
        assert _owners(rt, table, theirs[table]) == dict.fromkeys(theirs[table], merged)
        assert _owners(rt, table, ours[table]) == dict.fromkeys(ours[table], survivor)
    with transaction(rt.read_sessions) as session:
        # An order's completion went back with it, whether or not it named the buyer.
        completions = {
            message_id: customer_id
            for message_id, customer_id in session.execute(
                select(Event.message_id, Event.customer_id).where(
                    Event.name == commerce_events.ORDER_COMPLETED
                )
            )
        }
    assert completions == {
        "order-completed:merged-named": merged,
        "order-completed:merged-anonymous": merged,
        "order-completed:survivor-named": survivor,
        "order-completed:survivor-anonymous": survivor,
    }
