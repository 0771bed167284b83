"""Fixtures for ingestion: a source with its write key, auth headers, the events in the store,
and a client on each store (SQLite and PostgreSQL) for the tests that must hold on both."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveloop.app import create_app
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


@pytest.fixture
def store_client(store_runtime) -> Iterator[TestClient]:
    """An HTTP client on each store (the runtime is ``store_runtime``)."""
    with TestClient(create_app(runtime=store_runtime), raise_server_exceptions=False) as http:
        yield http
