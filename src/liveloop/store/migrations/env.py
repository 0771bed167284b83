"""Alembic environment. The engine comes from ``liveloop.store.migrate`` (or, for the
``alembic`` command line, from LIVELOOP_DATABASE_URL). SQLite uses batch mode for ALTERs."""

from alembic import context

from liveloop.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from liveloop.config import get_settings
    from liveloop.store.engine import make_engine

    engine = make_engine(get_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
