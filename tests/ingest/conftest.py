"""Fixtures for ingestion: a source with its write key, auth headers and the events in the
store (live's webhook tests use these helpers too)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from liveloop.ingest.service import NewSource, create_source
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, LoggedEvent


def basic(key: str) -> dict[str, str]:
    """``Authorization: Basic base64(key:)``, as Segment's SDKs send a write key."""
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def make_source(runtime: Runtime, name: str = "小程序", **kwargs) -> NewSource:
    with transaction(runtime.sessions) as session:
        return create_source(session, name, runtime.clock.now(), **kwargs)


def stored_events(runtime: Runtime) -> list[LoggedEvent]:
    with transaction(runtime.read_sessions) as session:
        return [LoggedEvent.of(e) for e in session.scalars(select(Event).order_by(Event.id))]


@pytest.fixture
def source(runtime) -> NewSource:
    return make_source(runtime, kind="mini_program")


@pytest.fixture
def auth(source) -> dict[str, str]:
    return basic(source.write_key)
