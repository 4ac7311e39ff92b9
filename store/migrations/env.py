"""Alembic's environment for the store: massaudit.store.migrate runs it on the connection that
opened the store (in `config.attributes["connection"]`, inside that connection's transaction),
so there is no alembic.ini and no second connection."""

from alembic import context

from massaudit.store.schema import Base

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite changes a column by copying its table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
