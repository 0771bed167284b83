"""Identity's background work: the ``profiles`` consumer, which resolves each event's person
with OneID and counts the event into their profile."""

from __future__ import annotations

from liveloop.identity import consumer
from liveloop.runtime import Runtime


def register(runtime: Runtime) -> None:
    consumer.subscribe(runtime.consumers, runtime.settings.tz)
