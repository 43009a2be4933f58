"""Alembic environment for the portal's database. Run through ``dsr.casefile.upgrade``, which
hands over an open connection in ``config.attributes["connection"]`` and the table prefix in
``config.attributes["table_prefix"]`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from dsr.casefile.schema import metadata
from dsr.casefile.tablenames import DEFAULT_PREFIX, version_table

connection = context.config.attributes["connection"]
prefix = context.config.attributes.get("table_prefix", DEFAULT_PREFIX)
context.configure(
    connection=connection,
    target_metadata=metadata,
    # render_as_batch: SQLite can only alter tables by copying them
    render_as_batch=True,
    compare_type=True,
    # dsr's own version table: a host's alembic_version in the same database is never read
    version_table=version_table(prefix),
    table_prefix=prefix,  # read by the revisions through migrations/names.py
)
with context.begin_transaction():
    context.run_migrations()
