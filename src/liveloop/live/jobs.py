"""Live's background work: the stream feed (``register_feed``), a thread of the ``live`` kind of
work that tails the event log into each room's frame source and publishes their frames."""

from __future__ import annotations

from datetime import timedelta

from liveloop.live.stream.bus import bus_for
from liveloop.live.stream.feed import Feed, FeedThread, SourceFactory, Tally
from liveloop.runtime import Runtime


def register(runtime: Runtime) -> None:
    register_feed(runtime)


def register_feed(
    runtime: Runtime,
    sources: SourceFactory = Tally,
    *,
    tick_seconds: float = 0.25,
    lease_seconds: float = 5.0,
    horizon: timedelta = timedelta(hours=6),
) -> FeedThread:
    """Declare the feed on ``runtime`` (once: a second call keeps the first). ``sources`` makes
    a room's frame source; ``Tally`` stands in until the stream processor is plugged in."""
    for known in runtime.threads:
        if isinstance(known, FeedThread):
            return known
    bus = bus_for(runtime)

    def make_feed() -> Feed:
        return Feed(runtime.read_sessions, runtime.clock, bus, sources, horizon=horizon)

    thread = FeedThread(make_feed, bus, tick_seconds=tick_seconds, lease_seconds=lease_seconds)
    runtime.add_thread(thread)
    return thread
