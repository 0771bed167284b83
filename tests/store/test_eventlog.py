"""The event log is append-only and idempotent on message id, with ids growing in append order."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from liveloop.runtime import Runtime
from liveloop.store import eventlog
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, NewEvent


def events(rt: Runtime, *message_ids: str | None) -> list[NewEvent]:
    return [
        NewEvent(
            "Live Comment Posted",
            rt.clock.now(),
            "live-webhook",
            type="track",
            message_id=message_id,
            anonymous_id="dy-7781",
            properties={"text": "橙子甜不甜?"},
        )
        for message_id in message_ids
    ]


def append(rt: Runtime, batch: list[NewEvent]) -> int:
    with transaction(rt.sessions) as session:
        return eventlog.append(session, batch, rt.clock.now())


def logged(rt: Runtime) -> list[tuple[int, str]]:
    with transaction(rt.sessions) as session:
        rows = session.execute(select(Event.id, Event.message_id).order_by(Event.id))
        return [(event_id, message_id) for event_id, message_id in rows]


def test_append_returns_how_many_events_were_new(store_runtime):
    assert append(store_runtime, events(store_runtime, "m-1", "m-2", "m-3")) == 3

    assert [message_id for _, message_id in logged(store_runtime)] == ["m-1", "m-2", "m-3"]


def test_replaying_a_batch_creates_nothing_new(store_runtime):
    append(store_runtime, events(store_runtime, "m-1", "m-2", "m-3"))
    before = logged(store_runtime)

    assert append(store_runtime, events(store_runtime, "m-1", "m-2", "m-3")) == 0
    assert append(store_runtime, events(store_runtime, "m-2", "m-4")) == 1

    after = logged(store_runtime)
    assert after[:3] == before
    assert [message_id for _, message_id in after[3:]] == ["m-4"]
    # PostgreSQL spends sequence values on skipped rows, so ids may have gaps, never go back.
    assert after[3][0] > before[-1][0]


def test_a_message_id_repeated_within_one_call_is_counted_once(store_runtime):
    assert append(store_runtime, events(store_runtime, "m-1", "m-1", "m-2", "m-1")) == 2

    assert [message_id for _, message_id in logged(store_runtime)] == ["m-1", "m-2"]


def test_events_without_a_message_id_each_get_their_own(store_runtime):
    assert append(store_runtime, events(store_runtime, None, None)) == 2

    rows = logged(store_runtime)
    assert len({message_id for _, message_id in rows}) == 2


def test_ids_grow_in_append_order(store_runtime):
    for n in range(5):
        append(store_runtime, events(store_runtime, f"m-{n}a", f"m-{n}b"))

    rows = logged(store_runtime)
    ids = [event_id for event_id, _ in rows]
    assert [message_id for _, message_id in rows] == [f"m-{n}{x}" for n in range(5) for x in "ab"]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    with transaction(store_runtime.sessions) as session:
        assert eventlog.last_event_id(session) == ids[-1]


def test_an_append_rolled_back_with_its_transaction_leaves_nothing(store_runtime):
    with pytest.raises(RuntimeError), transaction(store_runtime.sessions) as session:
        eventlog.append(session, events(store_runtime, "m-1"), store_runtime.clock.now())
        raise RuntimeError("the order import failed half-way")

    with transaction(store_runtime.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 0
        assert eventlog.last_event_id(session) == 0
    # The id is free again: the retried import appends it as new.
    assert append(store_runtime, events(store_runtime, "m-1")) == 1
