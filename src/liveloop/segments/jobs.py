"""Segments' background work: saved segments' memberships refreshed every few minutes, with
their Segment Entered / Segment Exited events; and a show's follow-up audiences saved as
segments as soon as live finds them (the ``segments-follow-ups`` consumer)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from liveloop.clock import Clock
from liveloop.runtime import Runtime
from liveloop.segments import follow_ups
from liveloop.segments.service import refresh_each
from liveloop.store.worker import Task

REFRESH_EVERY = timedelta(minutes=5)


def register(runtime: Runtime) -> None:
    runtime.add_task(Task("segment-refresh", refresh_segments, every=REFRESH_EVERY))
    follow_ups.subscribe(runtime.consumers, runtime.settings.tz)


def refresh_segments(factory: sessionmaker[Session], clock: Clock) -> int:
    changes = refresh_each(factory, clock.now())
    return sum(change.entered + change.exited for change in changes.values())
