"""Saved segments: memberships follow the data incrementally, each change is one Segment
Entered / Exited event with a deterministic id, and a refresh is all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveloop.segments.models import Segment, SegmentMember
from liveloop.segments.service import (
    SegmentConflict,
    SegmentNotFound,
    create_segment,
    list_segments,
    refresh_each,
    refresh_memberships,
    update_segment,
)
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event
from tests.segments.conftest import NOW, Builder

IDLE_BAKERS = {
    "and": [
        {"type": "tag", "tag": "烘焙爱好者"},
        {"not": {"type": "order", "within": {"days": 7}}},
    ]
}


def segment_events(session, segment_id):
    rows = session.execute(
        select(Event.name, Event.customer_id, Event.message_id, Event.properties)
        .where(Event.source == "segments")
        .order_by(Event.id)
    ).all()
    return [r for r in rows if r.properties["segment_id"] == segment_id]


def members(session, segment_id):
    query = select(SegmentMember.customer_id).where(SegmentMember.segment_id == segment_id)
    return set(session.scalars(query))


def test_refresh_enters_exits_and_emits_one_event_per_change(world_runtime):
    runtime, world = world_runtime
    with transaction(runtime.sessions) as session:
        seg = create_segment(
            session, name="沉睡烘焙爱好者", rule=IDLE_BAKERS, created_by="王运营", now=NOW
        )
    with transaction(runtime.sessions) as session:
        counts = refresh_memberships(session, NOW, seg.id)[seg.id]
    assert (counts.entered, counts.exited, counts.members) == (2, 0, 2)

    # baker_idle buys today: she exits; baker_recent's order ages out of the window: she enters.
    later = NOW + timedelta(days=6)
    with transaction(runtime.sessions) as session:
        b = Builder(session)
        b.world, b.products = world, {"FLOUR": 1}
        b.orders = 100
        b.order("baker_idle", "FLOUR", -5.5)
    with transaction(runtime.sessions) as session:
        counts = refresh_memberships(session, later)[seg.id]
        assert members(session, seg.id) == world.of("baker_recent", "baker_refunded")
        assert (counts.entered, counts.exited, counts.members) == (1, 1, 2)
        events = segment_events(session, seg.id)
    assert [(e.name, e.customer_id) for e in events] == [
        ("Segment Entered", world.ids["baker_idle"]),
        ("Segment Entered", world.ids["baker_refunded"]),
        ("Segment Entered", world.ids["baker_recent"]),
        ("Segment Exited", world.ids["baker_idle"]),
    ]
    assert events[-1].message_id == f"segment:{seg.id}:2:exited:{world.ids['baker_idle']}"
    assert events[0].properties == {"segment_id": seg.id, "segment_name": "沉睡烘焙爱好者"}


def test_a_refresh_that_changes_nothing_writes_no_membership_or_event(world_runtime):
    runtime, _ = world_runtime
    with transaction(runtime.sessions) as session:
        seg = create_segment(session, name="a", rule=IDLE_BAKERS, created_by="t", now=NOW)
        refresh_memberships(session, NOW)
    with transaction(runtime.sessions) as session:
        before = session.scalar(select(func.count()).select_from(Event))
        counts = refresh_memberships(session, NOW + timedelta(minutes=5))
        assert counts[seg.id].entered == counts[seg.id].exited == 0
        assert session.scalar(select(func.count()).select_from(Event)) == before
        assert session.get(Segment, seg.id).refreshes == 1


def test_a_failed_refresh_leaves_no_membership_and_a_retry_states_the_same_ids(sqlite_world):
    runtime, _ = sqlite_world
    with transaction(runtime.sessions) as session:
        seg = create_segment(session, name="a", rule=IDLE_BAKERS, created_by="t", now=NOW)

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction(runtime.sessions) as session:
        refresh_memberships(session, NOW)
        raise Crash
    with transaction(runtime.sessions) as session:
        assert members(session, seg.id) == set()
        assert segment_events(session, seg.id) == []
        refresh_memberships(session, NOW)
        ids = [e.message_id for e in segment_events(session, seg.id)]
    assert all(i.startswith(f"segment:{seg.id}:1:entered:") for i in ids) and len(ids) == 2


def test_editing_the_rule_makes_a_new_version_and_the_next_refresh_follows_it(sqlite_world):
    runtime, world = sqlite_world
    with transaction(runtime.sessions) as session:
        seg = create_segment(session, name="a", rule=IDLE_BAKERS, created_by="t", now=NOW)
        refresh_memberships(session, NOW)
        edited = update_segment(
            session,
            seg.id,
            now=NOW,
            rule={"type": "trait", "field": "province", "value": "广东省"},
        )
        assert edited.version == 2
        counts = refresh_memberships(session, NOW)[seg.id]
        assert members(session, seg.id) == world.of("gd")
    assert (counts.entered, counts.exited) == (1, 2)


def test_names_are_unique_and_unknown_ids_are_not_found(sqlite_world):
    runtime, _ = sqlite_world
    with transaction(runtime.sessions) as session:
        create_segment(session, name="a", rule=IDLE_BAKERS, created_by="t", now=NOW)
        with pytest.raises(SegmentConflict):
            create_segment(session, name="a", rule=IDLE_BAKERS, created_by="t", now=NOW)
        with pytest.raises(SegmentNotFound):
            refresh_memberships(session, NOW, 999)
        assert [s.name for s in list_segments(session)] == ["a"]


def test_the_periodic_refresh_takes_every_segment_in_its_own_transaction(sqlite_world):
    runtime, world = sqlite_world
    with transaction(runtime.sessions) as session:
        a = create_segment(session, name="a", rule=IDLE_BAKERS, created_by="t", now=NOW)
        b = create_segment(
            session,
            name="b",
            rule={"type": "trait", "field": "province", "value": "广东省"},
            created_by="t",
            now=NOW,
        )
    done = refresh_each(runtime.sessions, NOW)
    assert {k: v.members for k, v in done.items()} == {a.id: 2, b.id: 1}
    with transaction(runtime.sessions) as session:
        assert members(session, b.id) == world.of("gd")
