"""The feed routes the log's live events to their rooms, publishes each room's frames, and after
a restart rebuilds every room from the log to the state it had — no event counted twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from liveloop import spec
from liveloop.clock import ManualClock
from liveloop.live import events as live_events
from liveloop.live.jobs import register_feed
from liveloop.live.stream.bus import MemoryBus, bus_for, use_bus
from liveloop.live.stream.feed import Feed, Tally
from tests.live.conftest import live_event, log_events

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def feed_of(runtime, bus=None) -> Feed:
    return Feed(runtime.read_sessions, runtime.clock, bus or MemoryBus(), Tally)


def show(room: str, n: int, at: datetime = NOW) -> list:
    """A little show: a start, viewers, comments, a cart and two orders (one sent twice)."""
    key = f"{room}-{n}"
    order = {"order_id": f"DY{key}", "total": "59.90", "channel": "live"}
    return [
        live_event(live_events.LIVE_STARTED, room, at, f"{key}-start", live_session_id=n),
        live_event(spec.LIVE_JOINED, room, at, f"{key}-j1"),
        live_event(spec.LIVE_JOINED, room, at, f"{key}-j2"),
        live_event(spec.LIVE_COMMENT_POSTED, room, at, f"{key}-c1", text="适合炖吗<script>"),
        live_event(spec.PRODUCT_ADDED, room, at, f"{key}-cart", sku="RICE-5KG", quantity=1),
        live_event(spec.ORDER_COMPLETED, room, at, f"{key}-o1", **order),
        # The platform sent the same order again under a new event id.
        live_event(spec.ORDER_COMPLETED, room, at, f"{key}-o1-again", **order),
        live_event(
            spec.ORDER_COMPLETED, room, at, f"{key}-o2", order_id=f"DY{key}-2", total="19.90"
        ),
    ]


def figures(frame: dict) -> tuple:
    return frame["counts"], frame["orders"], frame["gmv"]


def test_each_rooms_events_reach_its_own_source_and_its_frames_name_it(runtime):
    feed = feed_of(runtime)
    feed.rebuild()
    log_events(runtime, show("main", 1) + show("side", 1), NOW)
    feed.poll()
    feed.publish_due()
    main, side = feed.rooms["main"].source, feed.rooms["side"].source
    assert isinstance(main, Tally) and isinstance(side, Tally)
    assert main.counts[spec.LIVE_JOINED] == 2 and side.counts[spec.LIVE_JOINED] == 2
    (_, frame), *_ = feed.bus.resume("main", None).frames
    assert frame["room"] == "main" and frame["type"] == "snapshot" and frame["orders"] == 2


def test_an_order_sent_twice_counts_once_in_orders_and_gmv(runtime):
    feed = feed_of(runtime)
    feed.rebuild()
    log_events(runtime, show("main", 1), NOW)
    feed.poll()
    snap = feed.rooms["main"].source.snapshot(NOW)
    assert snap["orders"] == 2 and snap["gmv"] == "79.80"


def test_events_of_no_room_belong_to_no_rooms_figures(runtime):
    feed = feed_of(runtime)
    feed.rebuild()
    shop_order = live_event(spec.ORDER_COMPLETED, None, NOW, "shop-1", order_id="SO1", total="9")
    page = live_event("Product Viewed", "main", NOW, "pv-1")  # not a live stream event
    log_events(runtime, [shop_order, page], NOW)
    feed.poll()
    assert feed.rooms == {}


def test_after_a_restart_the_rebuild_reaches_the_figures_the_tail_had(runtime):
    tailing = feed_of(runtime)
    tailing.rebuild()
    for n in range(1, 4):  # events arrive in three bursts, each tailed as it comes
        log_events(runtime, show("main", 1)[:2] if n == 1 else [], NOW)
        extra = [live_event(spec.LIVE_LIKED, "main", NOW, f"like-{n}-{i}") for i in range(5)]
        log_events(runtime, extra, NOW)
        tailing.poll()
        tailing.publish_due()
    log_events(runtime, show("main", 1)[2:], NOW)
    tailing.poll()

    restarted = feed_of(runtime)
    applied = restarted.rebuild()
    assert applied == 8 + 15
    assert figures(restarted.rooms["main"].source.snapshot(NOW)) == figures(
        tailing.rooms["main"].source.snapshot(NOW)
    )
    # And the tail goes on from the log's end: nothing read twice.
    assert restarted.poll() == 0 and restarted.position == tailing.position


def test_a_show_starting_gives_its_room_a_fresh_source_and_the_rebuild_starts_there(runtime):
    log_events(runtime, show("main", 1), NOW - timedelta(hours=2))
    feed = feed_of(runtime)
    feed.rebuild()
    assert feed.rooms["main"].source.snapshot(NOW)["orders"] == 2
    log_events(runtime, show("main", 2)[:3], NOW)
    feed.poll()
    second_show = feed.rooms["main"].source.snapshot(NOW)
    assert second_show["orders"] == 0 and second_show["counts"][spec.LIVE_JOINED] == 2
    rebuilt = feed_of(runtime)
    rebuilt.rebuild()
    assert figures(rebuilt.rooms["main"].source.snapshot(NOW)) == figures(second_show)


def test_a_rooms_first_frame_is_a_snapshot_then_ticks_then_a_periodic_snapshot(runtime):
    feed = Feed(runtime.read_sessions, runtime.clock, MemoryBus(), Tally, snapshot_seconds=0)
    feed.rebuild()
    log_events(runtime, show("main", 1), NOW)
    feed.poll()
    feed.publish_due()
    feed.publish_due()
    frames = [f for _, f in feed.bus.read("main", "0-0", timeout=0)]
    assert [(f["type"], f.get("reason")) for f in frames] == [
        ("snapshot", "new"),
        ("tick", None),
        ("snapshot", "periodic"),
    ]
    assert all(f["through"] == feed.position for f in frames)


def test_a_feed_started_on_a_log_with_a_show_publishes_the_rebuilt_state_first(runtime):
    log_events(runtime, show("main", 1), NOW)
    feed = feed_of(runtime)
    feed.rebuild()
    feed.publish_due()
    (_, frame), *rest = feed.bus.read("main", "0-0", timeout=0)
    assert frame["type"] == "snapshot" and frame["reason"] == "rebuilt" and frame["orders"] == 2
    assert rest == []


def test_a_room_quiet_for_longer_than_the_idle_time_gets_no_more_frames(runtime):
    clock = ManualClock(NOW)
    log_events(runtime, [live_event(spec.LIVE_JOINED, "main", NOW, "j")], NOW)
    feed = Feed(runtime.read_sessions, clock, MemoryBus(), Tally)
    feed.rebuild()
    assert feed.publish_due() == 1  # its first snapshot
    assert feed.publish_due() == 1  # a tick
    clock.advance(minutes=6)
    assert feed.publish_due() == 0


def test_the_feed_thread_publishes_the_rooms_frames_as_events_are_committed(runtime):
    bus = use_bus(runtime, MemoryBus())
    thread = register_feed(runtime, Tally, tick_seconds=0.05)
    assert bus_for(runtime) is bus and register_feed(runtime, Tally) is thread
    thread.start()
    try:
        log_events(runtime, show("main", 1), NOW)
        seen: list[dict] = []
        position = "0-0"
        while not any(f.get("orders") == 2 for f in seen):
            frames = bus.read("main", position, timeout=10)
            assert frames, "no frame within 10 s"
            position = frames[-1][0]
            seen += [f for _, f in frames]
        assert seen[0]["type"] == "snapshot"
    finally:
        thread.stop()


def test_a_commit_that_appends_events_wakes_the_logs_tail_and_other_commits_do_not(runtime):
    from liveloop.ingest.writer import EventWriter
    from liveloop.store.engine import transaction
    from liveloop.store.eventlog import APPENDED

    seen = APPENDED.generation
    with transaction(runtime.sessions):
        pass  # a commit with no events
    assert APPENDED.wait(seen, timeout=0) == seen
    log_events(runtime, [live_event(spec.LIVE_JOINED, "main", NOW, "j")], NOW)
    assert APPENDED.wait(seen, timeout=0) > seen

    seen = APPENDED.generation
    writer = EventWriter.for_store(runtime.settings.database_url, runtime.sessions)
    try:
        row = live_event(spec.LIVE_LIKED, "main", NOW, "w").row(NOW)
        writer.submit([row]).result(timeout=30)  # the ingest path, its own SQLite engine
    finally:
        writer.close()
    assert APPENDED.wait(seen, timeout=0) > seen


def test_the_wired_feed_runs_the_stream_processor_and_rebuilds_it_to_the_same_figures(runtime):
    from liveloop.live.jobs import processor_sources

    log_events(runtime, show("main", 1), NOW)
    tailing = Feed(runtime.read_sessions, runtime.clock, MemoryBus(), processor_sources(runtime))
    tailing.poll()
    tailing.publish_due()
    (_, first), *_ = tailing.bus.read("main", "0-0", timeout=0)
    assert first["type"] == "snapshot" and first["room"] == "main"
    assert first["through"] == tailing.position
    rebuilt = Feed(runtime.read_sessions, runtime.clock, MemoryBus(), processor_sources(runtime))
    rebuilt.rebuild()
    before = tailing.rooms["main"].source.snapshot(NOW)
    after = rebuilt.rooms["main"].source.snapshot(NOW)
    assert after["figures"] == before["figures"]
