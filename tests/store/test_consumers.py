"""Event-log consumers: every event takes effect exactly once, through crashes, failing handlers
and concurrent workers.

The handler under test, ``count_order``, has effects that are NOT idempotent on their own (a
counter in the customer's traits and a derived event with a fresh message id), so a repeated or
lost event shows up as a wrong count or a duplicate/missing derived event.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.profiles.models import Customer
from liveloop.runtime import Runtime
from liveloop.store import eventlog, outbox
from liveloop.store.consumers import (
    BatchReport,
    ConsumerCursor,
    Consumers,
    backoff,
    failures,
    run_batch,
)
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, LoggedEvent, NewEvent
from liveloop.store.outbox import OutboxMessage

ORDER = "Order Completed"
COUNTED = "Order Counted"


class SimulatedCrash(BaseException):
    """The process dying mid-batch: not an ``Exception``, so nothing in the store catches it."""


def add_customer(rt: Runtime, oneid: str = "C0001") -> int:
    with transaction(rt.sessions) as session:
        customer = Customer(oneid=oneid, name="张女士", traits={})
        session.add(customer)
        session.flush()
        return customer.id


def append_orders(rt: Runtime, customer_id: int, count: int, start: int = 0) -> list[int]:
    """Append ``count`` orders (with a page view between each, which order consumers skip);
    returns the order events' ids."""
    message_ids = [f"order:SO{n:04d}" for n in range(start, start + count)]
    batch = []
    for message_id in message_ids:
        batch.append(
            NewEvent(ORDER, rt.clock.now(), "test", message_id=message_id, customer_id=customer_id)
        )
        batch.append(NewEvent("Product Viewed", rt.clock.now(), "test", customer_id=customer_id))
    with transaction(rt.sessions) as session:
        eventlog.append(session, batch, rt.clock.now())
        return list(
            session.scalars(
                select(Event.id).where(Event.message_id.in_(message_ids)).order_by(Event.id)
            )
        )


def count_order(session: Session, event: LoggedEvent) -> None:
    """A realistic consumer: bump a counter, emit a derived event, queue a thank-you message."""
    customer = session.get(Customer, event.customer_id)
    assert customer is not None
    customer.traits = {**customer.traits, "orders": customer.traits.get("orders", 0) + 1}
    derived = NewEvent(
        COUNTED,
        event.timestamp,
        "order-counter",
        customer_id=event.customer_id,
        properties={"order_event_id": event.id},
    )
    eventlog.append(session, [derived], event.received_at)
    outbox.enqueue(
        session, "wecom", f"thank-you:{event.message_id}", {"text": "感谢下单"}, event.timestamp
    )


def counted(rt: Runtime) -> list[int]:
    """The order event ids the counter took effect for, one entry per effect, sorted."""
    with transaction(rt.sessions) as session:
        props = session.scalars(select(Event.properties).where(Event.name == COUNTED))
        return sorted(p["order_event_id"] for p in props)


def orders_trait(rt: Runtime, customer_id: int) -> int:
    with transaction(rt.sessions) as session:
        return session.get_one(Customer, customer_id).traits.get("orders", 0)


def thank_you_keys(rt: Runtime) -> list[str]:
    with transaction(rt.sessions) as session:
        return sorted(session.scalars(select(OutboxMessage.idempotency_key)))


def cursor_position(rt: Runtime, name: str) -> int:
    """Where the consumer resumes; a consumer with no cursor row yet starts at 0."""
    with transaction(rt.sessions) as session:
        cursor = session.get(ConsumerCursor, name)
        return 0 if cursor is None else cursor.position


def failure_rows(rt: Runtime, consumer: str | None = None) -> list[tuple]:
    with transaction(rt.sessions) as session:
        return [
            (f.consumer, f.event_id, f.attempts, f.status, f.last_error, f.next_attempt_at)
            for f in failures(session, consumer)
        ]


def test_consumer_sees_every_event_once_in_id_order(store_runtime):
    rt = store_runtime
    customer_id = add_customer(rt)
    order_ids = append_orders(rt, customer_id, 7)
    seen: list[int] = []
    consumers = Consumers()
    consumers.subscribe("recorder", lambda _s, e: seen.append(e.id), names={ORDER}, batch_size=3)

    assert consumers.run_until_idle(rt.sessions, rt.clock) == 7

    assert seen == order_ids
    assert cursor_position(rt, "recorder") == order_ids[-1]


def test_batch_hands_the_handler_at_most_batch_size_events(store_runtime):
    rt = store_runtime
    customer_id = add_customer(rt)
    order_ids = append_orders(rt, customer_id, 5)
    seen: list[int] = []
    consumers = Consumers()
    consumers.subscribe("recorder", lambda _s, e: seen.append(e.id), names={ORDER}, batch_size=2)

    assert consumers.run_once(rt.sessions, rt.clock) == [BatchReport("recorder", handled=2)]
    assert seen == order_ids[:2]
    assert cursor_position(rt, "recorder") == order_ids[1]


def test_cursor_survives_a_restart(store_runtime):
    rt = store_runtime
    customer_id = add_customer(rt)
    first_ids = append_orders(rt, customer_id, 4)
    before_restart = Consumers()
    before_restart.subscribe("order-counter", count_order, names={ORDER})
    before_restart.run_until_idle(rt.sessions, rt.clock)

    later_ids = append_orders(rt, customer_id, 3, start=100)
    seen: list[int] = []
    after_restart = Consumers()

    def recording(session: Session, event: LoggedEvent) -> None:
        seen.append(event.id)
        count_order(session, event)

    after_restart.subscribe("order-counter", recording, names={ORDER})
    assert after_restart.run_until_idle(rt.sessions, rt.clock) == 3

    assert seen == later_ids
    assert counted(rt) == first_ids + later_ids
    assert orders_trait(rt, customer_id) == 7
    assert cursor_position(rt, "order-counter") == later_ids[-1]


@pytest.mark.parametrize("crash_at", [1, 7, 10])
def test_crash_mid_batch_then_restart_applies_every_event_exactly_once(store_runtime, crash_at):
    rt = store_runtime
    customer_id = add_customer(rt)
    order_ids = append_orders(rt, customer_id, 10)
    calls = 0

    def crashes_at_nth_event(session: Session, event: LoggedEvent) -> None:
        nonlocal calls
        calls += 1
        count_order(session, event)  # its writes are in the store's transaction already
        if calls == crash_at:
            raise SimulatedCrash

    before_crash = Consumers()
    before_crash.subscribe("order-counter", crashes_at_nth_event, names={ORDER}, batch_size=4)
    with pytest.raises(SimulatedCrash):
        before_crash.run_until_idle(rt.sessions, rt.clock)

    # Batches before the crash committed; the crashed batch left nothing, cursor included.
    committed = order_ids[: (crash_at - 1) // 4 * 4]
    assert counted(rt) == committed
    assert orders_trait(rt, customer_id) == len(committed)
    assert cursor_position(rt, "order-counter") == (committed[-1] if committed else 0)

    after_restart = Consumers()
    after_restart.subscribe("order-counter", count_order, names={ORDER}, batch_size=4)
    after_restart.run_until_idle(rt.sessions, rt.clock)

    assert counted(rt) == order_ids  # no duplicates, no gaps
    assert orders_trait(rt, customer_id) == 10
    assert thank_you_keys(rt) == sorted(f"thank-you:order:SO{n:04d}" for n in range(10))
    assert failure_rows(rt) == []


def test_failing_event_is_parked_retried_after_backoff_and_cleared_once_it_succeeds(
    store_runtime,
):
    rt, clock = store_runtime, store_runtime.clock
    customer_id = add_customer(rt)
    order_ids = append_orders(rt, customer_id, 5)
    broken = {order_ids[2]}
    attempts_on_broken = 0

    def flaky(session: Session, event: LoggedEvent) -> None:
        nonlocal attempts_on_broken
        count_order(session, event)  # written, then rolled back with the savepoint
        if event.id in broken:
            attempts_on_broken += 1
            raise ValueError("物流接口超时")

    consumers = Consumers()
    consumers.subscribe("order-counter", flaky, names={ORDER})
    failed_at = clock.now()

    assert consumers.run_once(rt.sessions, clock) == [
        BatchReport("order-counter", handled=4, failed=1)
    ]
    # The others took effect, the cursor moved past the bad event, which is parked.
    assert counted(rt) == [i for i in order_ids if i not in broken]
    assert orders_trait(rt, customer_id) == 4
    assert cursor_position(rt, "order-counter") == order_ids[-1]
    assert failure_rows(rt) == [
        (
            "order-counter",
            order_ids[2],
            1,
            "retrying",
            "ValueError: 物流接口超时",
            failed_at + timedelta(seconds=2),
        )
    ]

    # Not due yet: nothing is retried.
    clock.advance(seconds=1)
    consumers.run_once(rt.sessions, clock)
    assert attempts_on_broken == 1

    # Due: retried, fails again, backs off twice as long.
    clock.advance(seconds=1)
    consumers.run_once(rt.sessions, clock)
    assert attempts_on_broken == 2
    [row] = failure_rows(rt)
    assert row[2:4] == (2, "retrying")
    assert row[5] == clock.now() + backoff(2) == clock.now() + timedelta(seconds=4)

    # The downstream recovers: the next retry succeeds and the failure is gone.
    broken.clear()
    clock.advance(seconds=4)
    assert consumers.run_once(rt.sessions, clock) == [BatchReport("order-counter", retried_ok=1)]
    assert failure_rows(rt) == []
    assert counted(rt) == order_ids
    assert orders_trait(rt, customer_id) == 5
    assert len(thank_you_keys(rt)) == 5


def test_event_that_keeps_failing_is_dead_after_max_attempts(store_runtime):
    rt, clock = store_runtime, store_runtime.clock
    customer_id = add_customer(rt)
    order_ids = append_orders(rt, customer_id, 3)
    calls: Counter[int] = Counter()

    def always_fails_on_second(session: Session, event: LoggedEvent) -> None:
        calls[event.id] += 1
        if event.id == order_ids[1]:
            raise RuntimeError("券码已作废")
        count_order(session, event)

    consumers = Consumers()
    consumers.subscribe("order-counter", always_fails_on_second, names={ORDER}, max_attempts=3)

    consumers.run_once(rt.sessions, clock)
    clock.advance(seconds=2)
    consumers.run_once(rt.sessions, clock)
    assert [row[2:4] for row in failure_rows(rt)] == [(2, "retrying")]
    clock.advance(seconds=4)
    consumers.run_once(rt.sessions, clock)
    assert [row[2:4] for row in failure_rows(rt)] == [(3, "dead")]

    # A dead event is left for an operator; it is not retried again.
    clock.advance(days=1)
    consumers.run_until_idle(rt.sessions, clock)
    assert calls[order_ids[1]] == 3
    assert [row[1:5] for row in failure_rows(rt)] == [
        (order_ids[1], 3, "dead", "RuntimeError: 券码已作废")
    ]
    assert counted(rt) == [order_ids[0], order_ids[2]]


def test_with_max_attempts_one_a_failure_is_dead_at_once(store_runtime):
    rt = store_runtime
    customer_id = add_customer(rt)
    [order_id] = append_orders(rt, customer_id, 1)

    def fails(_session: Session, _event: LoggedEvent) -> None:
        raise KeyError("sku")

    consumers = Consumers()
    consumers.subscribe("order-counter", fails, names={ORDER}, max_attempts=1)
    consumers.run_once(rt.sessions, rt.clock)

    assert [row[1:4] for row in failure_rows(rt)] == [(order_id, 1, "dead")]


def test_handler_whose_write_breaks_a_constraint_does_not_poison_the_batch(store_runtime):
    # On PostgreSQL a failed statement aborts the whole transaction unless it ran in a savepoint.
    rt = store_runtime
    customer_id = add_customer(rt, "C-TAKEN")
    order_ids = append_orders(rt, customer_id, 3)

    def creates_customer(session: Session, event: LoggedEvent) -> None:
        count_order(session, event)
        oneid = "C-TAKEN" if event.id == order_ids[1] else f"C-{event.id}"
        session.add(Customer(oneid=oneid, traits={}))

    consumers = Consumers()
    consumers.subscribe("order-counter", creates_customer, names={ORDER})

    assert consumers.run_once(rt.sessions, rt.clock) == [
        BatchReport("order-counter", handled=2, failed=1)
    ]
    assert counted(rt) == [order_ids[0], order_ids[2]]
    [row] = failure_rows(rt)
    assert row[1] == order_ids[1]
    assert row[4].startswith("IntegrityError")


def test_one_failing_consumer_does_not_block_another(store_runtime):
    rt = store_runtime
    customer_id = add_customer(rt)
    order_ids = append_orders(rt, customer_id, 4)

    def broken(_session: Session, _event: LoggedEvent) -> None:
        raise RuntimeError("企业微信 token 过期")

    consumers = Consumers()
    consumers.subscribe("broken", broken, names={ORDER})  # runs first
    consumers.subscribe("order-counter", count_order, names={ORDER})

    consumers.run_until_idle(rt.sessions, rt.clock)

    assert counted(rt) == order_ids
    assert cursor_position(rt, "order-counter") == order_ids[-1]
    assert cursor_position(rt, "broken") == order_ids[-1]
    assert failure_rows(rt, "order-counter") == []
    assert [row[1] for row in failure_rows(rt, "broken")] == order_ids


def test_names_filter_delivers_only_those_events(store_runtime):
    rt = store_runtime
    clock = rt.clock
    names = ["Live Joined", ORDER, "Product Viewed", "Live Comment Posted", ORDER, "Live Left"]
    with transaction(rt.sessions) as session:
        eventlog.append(session, [NewEvent(n, clock.now(), "test") for n in names], clock.now())
    seen: list[tuple[int, str | None]] = []
    consumers = Consumers()
    consumers.subscribe(
        "live-and-orders", lambda _s, e: seen.append((e.id, e.name)), names=[ORDER, "Live Joined"]
    )

    consumers.run_until_idle(rt.sessions, clock)

    assert [name for _, name in seen] == ["Live Joined", ORDER, ORDER]
    assert [event_id for event_id, _ in seen] == sorted(event_id for event_id, _ in seen)


def test_subscribing_the_same_name_twice_is_refused():
    consumers = Consumers()
    consumers.subscribe("order-counter", count_order)

    with pytest.raises(ValueError, match="already subscribed"):
        consumers.subscribe("order-counter", count_order)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "consumer_has_run_before",
    [
        True,
        False,
    ],
    ids=["known-consumer", "new-consumer"],
)
def test_second_worker_skips_a_consumer_another_worker_is_running(
    pg_runtime, consumer_has_run_before
):
    rt = pg_runtime
    customer_id = add_customer(rt)
    consumers = Consumers()
    if consumer_has_run_before:
        consumers.subscribe("order-counter", count_order, names={ORDER})
        consumers.run_until_idle(rt.sessions, rt.clock)
    order_ids = append_orders(rt, customer_id, 3)
    holding, other_tried = threading.Event(), threading.Event()

    def holds_the_batch(session: Session, event: LoggedEvent) -> None:
        if event.id == order_ids[0]:
            holding.set()
            other_tried.wait(2)  # bounded: a second worker that blocks is released, and fails
        count_order(session, event)

    consumer = Consumers().subscribe("order-counter", holds_the_batch, names={ORDER})
    reports: list[BatchReport] = []
    first = threading.Thread(
        target=lambda: reports.append(run_batch(consumer, rt.sessions, rt.clock))
    )
    first.start()
    try:
        assert holding.wait(10)
        # Does not wait for the lock: it skips the consumer and comes straight back.
        second = run_batch(consumer, rt.sessions, rt.clock)
        came_back_while_held = not other_tried.is_set() and first.is_alive()
    finally:
        other_tried.set()
        first.join(10)

    assert second == BatchReport("order-counter", skipped_locked=True)
    assert came_back_while_held
    assert reports == [BatchReport("order-counter", handled=3)]
    assert counted(rt) == order_ids


@pytest.mark.postgres
def test_concurrent_workers_never_handle_an_event_twice(pg_runtime):
    rt = pg_runtime
    customer_id = add_customer(rt)
    order_ids = append_orders(rt, customer_id, 120)
    handled_by: Counter[int] = Counter()
    lock = threading.Lock()

    def recording(session: Session, event: LoggedEvent) -> None:
        with lock:
            handled_by[event.id] += 1
        count_order(session, event)

    consumers = Consumers()
    consumer = consumers.subscribe("order-counter", recording, names={ORDER}, batch_size=7)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait(10)
            while True:
                report = run_batch(consumer, rt.sessions, rt.clock)
                # Done once this worker held the cursor and found nothing left.
                if not report.skipped_locked and report.handled == 0:
                    return
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sorted(handled_by) == order_ids
    assert set(handled_by.values()) == {1}
    assert counted(rt) == order_ids
    assert orders_trait(rt, customer_id) == 120
    assert cursor_position(rt, "order-counter") == order_ids[-1]


def test_a_follower_waits_for_the_events_its_leader_is_still_retrying(runtime):
    customer = add_customer(runtime)
    ids = append_orders(runtime, customer, 5)
    flaky = {ids[2]}
    seen: list[int] = []

    def leader(session: Session, event: LoggedEvent) -> None:
        if event.id in flaky:
            raise RuntimeError("the profile store hiccupped")

    consumers = Consumers()
    consumers.subscribe("leader", leader)
    consumers.subscribe("follower", lambda s, e: seen.append(e.id), follows="leader")
    consumers.run_until_idle(runtime.sessions, runtime.clock)
    assert seen == list(range(1, ids[2]))  # not past the event the leader must still do
    flaky.clear()
    runtime.clock.advance(seconds=5)  # the leader's retry succeeds
    consumers.run_until_idle(runtime.sessions, runtime.clock)
    assert seen == list(range(1, ids[-1] + 2))  # every order and page view, once, in order
