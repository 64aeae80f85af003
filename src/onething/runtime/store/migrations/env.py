"""Alembic environment for the case store, run programmatically by ``store.migrate``.

The caller passes an open connection (already inside a write transaction) through
``config.attributes["connection"]``, or, offline, a dialect name to render the SQL for;
there is no alembic.ini and no URL here.
"""

from __future__ import annotations

from alembic import context

from onething.runtime.store.tables import metadata

if context.is_offline_mode():
    # the SQL a database administrator can read or apply by hand (migrate.upgrade_sql)
    context.configure(dialect_name=context.config.attributes["dialect_name"], target_metadata=metadata,
                      literal_binds=True, output_buffer=context.config.output_buffer)
else:
    connection = context.config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only reachable when run by hand
        raise SystemExit("the case store's migrations run through onething.runtime.store.migrate")
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
