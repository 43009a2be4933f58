"""Alembic environment for the portal's database. Run through ``dsr.casefile.upgrade``, which
hands over an open connection in ``config.attributes["connection"]`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from dsr.casefile.schema import metadata

connection = context.config.attributes["connection"]
# render_as_batch: SQLite can only alter tables by copying them
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
