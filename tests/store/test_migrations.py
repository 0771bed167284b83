"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, String, inspect, select

from liveloop import schema
from liveloop.runtime import Runtime
from liveloop.schema.tables import Base
from liveloop.store import eventlog
from liveloop.store.engine import make_engine, transaction
from liveloop.store.eventlog import Event, NewEvent


@pytest.fixture
def fresh_engine(empty_store_url: str) -> Iterator[Engine]:
    """An engine on an empty store that nothing has migrated yet."""
    engine = make_engine(empty_store_url)
    yield engine
    engine.dispose()


def schema_diff(engine: Engine, metadata: MetaData) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrading_a_fresh_store_creates_every_model_table(fresh_engine):
    assert table_names(fresh_engine) == set()
    assert not schema.is_current(fresh_engine)

    schema.upgrade(fresh_engine)

    assert table_names(fresh_engine) == set(Base.metadata.tables) | {"alembic_version"}
    assert schema.is_current(fresh_engine)


def test_migrations_match_the_models_on_both_dialects(store_runtime):
    assert schema_diff(store_runtime.engine, Base.metadata) == []


def test_schema_comparison_notices_a_column_the_migrations_lack(store_runtime):
    # Guards the test above: an empty diff must mean "same schema", not "compared nothing".
    models = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(models)
    models.tables["events"].append_column(Column("campaign", String(64), nullable=True))

    diff = schema_diff(store_runtime.engine, models)

    assert [(d[0], d[2], d[3].name) for d in diff] == [("add_column", "events", "campaign")]


def test_upgrading_twice_changes_nothing(store_runtime: Runtime):
    engine, clock = store_runtime.engine, store_runtime.clock
    with transaction(store_runtime.sessions) as session:
        event = NewEvent("Order Completed", clock.now(), "test", message_id="order:SO1")
        eventlog.append(session, [event], clock.now())
    tables_before = table_names(engine)

    schema.upgrade(engine)

    assert schema.is_current(engine)
    assert table_names(engine) == tables_before
    assert schema_diff(engine, Base.metadata) == []
    with transaction(store_runtime.sessions) as session:
        assert session.scalars(select(Event.message_id)).all() == ["order:SO1"]


def test_migrations_downgrade_to_an_empty_store_and_upgrade_again(store_runtime: Runtime):
    engine = store_runtime.engine
    config = schema.alembic_config(engine)

    command.downgrade(config, "base")

    assert table_names(engine) <= {"alembic_version"}
    assert not schema.is_current(engine)

    schema.upgrade(engine)

    assert schema.is_current(engine)
    assert schema_diff(engine, Base.metadata) == []
