"""Alembic environment: runs against the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from ginseng_trace.store.tables import metadata

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only when run by hand without an engine
    raise RuntimeError("run migrations through ginseng_trace.store.migrate(engine)")

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # a migration may rewrite a large table: no statement bound
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        context.run_migrations()
