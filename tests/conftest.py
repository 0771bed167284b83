"""Shared fixtures: a migrated store per test (SQLite file, or PostgreSQL for ``store_url`` tests;
each a copy of one migrated once per session, ``empty_…`` for a store nothing has migrated),
a runtime over it with a manual clock, and an HTTP client against the real app."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from liveloop import bootstrap
from liveloop.app import create_app
from liveloop.clock import ManualClock
from liveloop.config import Settings
from liveloop.runtime import Runtime
from liveloop.sim.config import SimConfig

PG_ADMIN_URL = os.environ.get(
    "LIVELOOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reason() -> str | None:
    """None when the local PostgreSQL answers, else why not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} does not answer ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def postgres_unavailable() -> str | None:
    reason = _postgres_reason()
    if reason:
        print(f"\n[liveloop] skipping PostgreSQL store tests: {reason}")
    return reason


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite store migrated once per test session (per xdist worker); each test's store is a
    copy of it, which opens at the head revision in milliseconds instead of migrating."""
    path = tmp_path_factory.mktemp("migrated") / "liveloop.db"
    bootstrap.open_runtime(make_settings(f"sqlite:///{path}")).close()
    with sqlite3.connect(path) as connection:  # everything in the main file, none in the WAL
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def empty_sqlite_url(tmp_path) -> str:
    """A SQLite store nothing has migrated yet."""
    return f"sqlite:///{tmp_path / 'liveloop.db'}"


@pytest.fixture
def sqlite_url(tmp_path, migrated_sqlite) -> str:
    """A migrated SQLite store of the test's own."""
    target = tmp_path / "liveloop.db"
    shutil.copyfile(migrated_sqlite, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def postgres_template(postgres_unavailable) -> Iterator[str | None]:
    """A PostgreSQL database migrated once per test session, the template of each test's."""
    if postgres_unavailable:
        yield None
        return
    name = _new_database()
    bootstrap.open_runtime(make_settings(_url_of(name))).close()
    try:
        yield name
    finally:
        _drop_database(name)


def _url_of(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _new_database(template: str | None = None) -> str:
    name = f"liveloop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        copied = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))
    admin.dispose()
    return name


def _drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_postgres_url(postgres_unavailable) -> Iterator[str]:
    """A fresh, empty database on the local server, dropped afterwards."""
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    name = _new_database()
    try:
        yield _url_of(name)
    finally:
        _drop_database(name)


@pytest.fixture
def postgres_url(postgres_unavailable, postgres_template) -> Iterator[str]:
    """A migrated database of the test's own on the local server (a copy of the session's
    template), dropped afterwards."""
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    name = _new_database(template=postgres_template)
    try:
        yield _url_of(name)
    finally:
        _drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_store_url(request) -> str:
    """An empty store on each of SQLite and the local PostgreSQL."""
    fixture = "empty_sqlite_url" if request.param == "sqlite" else "empty_postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request) -> str:
    """Run the test once on the embedded SQLite store and once on the local PostgreSQL, each
    migrated."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))


def make_settings(url: str, **overrides) -> Settings:
    return Settings(database_url=url, run_workers=False, _env_file=None, **overrides)


@pytest.fixture
def runtime(sqlite_url, clock) -> Iterator[Runtime]:
    rt = bootstrap.open_runtime(make_settings(sqlite_url), clock)
    yield rt
    rt.close()


@pytest.fixture
def store_runtime(store_url, clock) -> Iterator[Runtime]:
    """A runtime on each store (SQLite and PostgreSQL)."""
    rt = bootstrap.open_runtime(make_settings(store_url), clock)
    yield rt
    rt.close()


@pytest.fixture
def cli(sqlite_url, monkeypatch):
    """Run ``liveloop …`` in-process against the test's SQLite store; returns the result."""
    from typer.testing import CliRunner

    from liveloop.cli import app
    from liveloop.config import get_settings

    monkeypatch.setenv("LIVELOOP_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("LIVELOOP_MODE", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as http:
        yield http


@pytest.fixture
def store_client(store_runtime) -> Iterator[TestClient]:
    """An HTTP client on each store (the runtime is ``store_runtime``)."""
    with TestClient(create_app(runtime=store_runtime), raise_server_exceptions=False) as http:
        yield http


# A simulated brand in a SQLite file, loaded and resolved once per test run (the slow part of
# the analytics, console and browser tests); each test opens its own copy with ``open_copy``.
BRAND = SimConfig(customers=200, end=date(2026, 11, 20), chunk_size=100)
BRAND_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def brand_store(tmp_path_factory) -> Path:
    """The 200-person brand loaded and resolved by OneID (no analytics run yet)."""
    from liveloop.sim.load import load_simulation

    path = tmp_path_factory.mktemp("brand") / "brand.db"
    clock = ManualClock(BRAND_NOW)
    runtime = bootstrap.open_runtime(make_settings(f"sqlite:///{path}"), clock)
    try:
        load_simulation(runtime.sessions, BRAND, clock.now())
        bootstrap.wire(runtime)
        runtime.consumers.run_until_idle(runtime.sessions, clock)
    finally:
        runtime.close()
    return path


@pytest.fixture(scope="session")
def analysed_store(brand_store, tmp_path_factory) -> Path:
    """The brand after a full analytics run."""
    from liveloop.analytics.service import run_analytics

    path = tmp_path_factory.mktemp("analysed") / "brand.db"
    shutil.copyfile(brand_store, path)
    runtime = bootstrap.open_runtime(make_settings(f"sqlite:///{path}"), ManualClock(BRAND_NOW))
    try:
        run_analytics(runtime, kind="full")
    finally:
        runtime.close()
    return path


def open_copy(store: Path, directory: Path, clock: ManualClock) -> Runtime:
    """A runtime on a private copy of ``store`` (its snapshot, if any, is rebuilt on demand)."""
    path = directory / store.name
    shutil.copyfile(store, path)
    return bootstrap.open_runtime(make_settings(f"sqlite:///{path}"), clock)


# A 2,000-person simulation as files, written once per test run: the analytics jobs read it as
# a snapshot, the batch OneID recompute as a brand's exports.
SMALL_SIM = SimConfig(customers=2_000, seed=5)


@pytest.fixture(scope="session")
def sim_small(tmp_path_factory) -> Path:
    from liveloop.sim.files import write_files

    out = tmp_path_factory.mktemp("sim-2k")
    write_files(SMALL_SIM, out, workers=1)
    return out
