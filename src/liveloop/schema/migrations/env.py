"""Alembic environment. The engine comes from ``liveloop.schema`` (or, for the
``alembic`` command line, from LIVELOOP_DATABASE_URL). SQLite uses batch mode for ALTERs, with
foreign-key enforcement off while a batch rebuilds a table others refer to (SQLite's advice for
schema changes; the pragma only takes effect outside a transaction)."""

from alembic import context

from liveloop.schema.tables import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from liveloop.config import get_settings
    from liveloop.store.engine import make_engine

    engine = make_engine(get_settings().database_url)

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
