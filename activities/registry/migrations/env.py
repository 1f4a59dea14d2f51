"""Alembic's environment for the registry. activities.registry.migrate builds the configuration in
code and hands over the connection (already inside the transaction that holds the migration lock);
there is no alembic.ini. Offline (`--sql`) mode renders the DDL for a dialect without a database."""

from alembic import context

from activities.registry.schema import Base

config = context.config
options = {
    "target_metadata": Base.metadata,
    # Batch operations, so that a later ALTER (drop or retype a column) also works on SQLite.
    "render_as_batch": True,
    "compare_type": True,
}

if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run the registry's migrations through activities.registry.migrate")
    context.configure(connection=connection, **options)
    # The caller's transaction is open: Alembic joins it, and the caller commits.
    with context.begin_transaction():
        context.run_migrations()
