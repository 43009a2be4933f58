"""The real names of dsr's tables in the database being migrated.

``dsr.casefile.upgrade`` passes the prefix to ``env.py``, which hands it to Alembic's migration
context; every revision names its tables, indexes and constraints through :func:`table`, so a
revision creates ``dsr_cases`` (default prefix), ``cases`` (prefix "", the layout before
prefixes) or ``<prefix>cases``. Constraint and index names follow the naming convention of
``schema.metadata`` with the real table name in them (``pk_dsr_cases``, ``ix_dsr_cases_state``):
on PostgreSQL index names share one namespace with the host's tables and indexes.
"""

from __future__ import annotations

from alembic import op


def table(name: str) -> str:
    """The real name of dsr's table ``name`` (``"cases"``) in this migration's database."""
    prefix: str = op.get_context().opts["table_prefix"]
    return prefix + name
