"""Engine and session factory for SQLite (embedded default, WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from liveloop.store import writer_gate
from liveloop.store.base import json_default

_dumps = partial(json.dumps, ensure_ascii=False, default=json_default, separators=(",", ":"))


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """An engine for the store. On SQLite, ``read_only`` engines begin deferred transactions
    (WAL readers never wait for the writer) and refuse writes; the default engine begins every
    transaction with ``BEGIN IMMEDIATE`` (see below)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            json_serializer=_dumps,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,  # an error's text never carries a row's values (PII) to a log
            **kwargs,
        )
        event.listen(engine, "connect", partial(_sqlite_pragmas, read_only=read_only))
        if read_only:
            event.listen(engine, "begin", _sqlite_begin_deferred)
        else:
            writer_gate.install(engine, _sqlite_begin_immediate)
        return engine
    return create_engine(
        url, json_serializer=_dumps, pool_pre_ping=True, hide_parameters=True, **kwargs
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, read_only: bool) -> None:
    # Take over transaction control from the sqlite3 module so the BEGIN below is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if read_only:
        cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Writers take the write lock at BEGIN, so two writers queue (on the process's writer gate,
    # then on busy_timeout) instead of one failing with "database is locked" when it upgrades a
    # read transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def dialect_insert(session: Session) -> Callable[..., Any]:
    """``insert`` of the session's dialect, for ``on_conflict_do_nothing`` upserts."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def for_update(session: Session, query: Any, **options: Any) -> Any:
    """Lock the rows ``query`` reads until the transaction ends — on PostgreSQL; SQLite's
    writer holds the whole database from BEGIN IMMEDIATE, so there the query stays as it is.
    ``options`` go to ``with_for_update`` (``skip_locked=True``, ``of=…``)."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(**options)
    return query


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception (or interruption)."""
    with factory() as session, session.begin():
        yield session
