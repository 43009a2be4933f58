"""dsr's table names inside a shared database: every portal table carries a prefix.

The tables in ``schema.py`` are defined once, under the default prefix (``dsr_cases``,
``dsr_users``, …), and every query in dsr is written against them (``schema.cases``). A database
set up with another prefix (``[portal] table_prefix``; "" is the layout before prefixes existed)
is reached through an engine that renders those names differently:
:func:`use_table_prefix` gives the engine's dialect an identifier preparer that writes
``<prefix>cases`` wherever SQLAlchemy writes the table name ``dsr_cases``.

Why the preparer: SQLAlchemy has a translate map for schemas but none for table names, and a
``@compiles`` hook on ``Table`` would not be enough — column references (``dsr_cases.id``),
``INSERT INTO`` and DDL write the table name without compiling the Table. Every one of them
quotes the name through the dialect's ``IdentifierPreparer.quote``, so that is the one place
where the rename is complete. Only the exact canonical table names are renamed (no column, index
or constraint of dsr is called ``dsr_<table>``); the engine's compiled-statement cache is its
own, so engines with different prefixes never share a rendering. The default prefix needs no
renaming at all: the canonical names are the real ones.

The migrations do not use this: they create and alter the real names (``migrations/names.py``).
"""

from __future__ import annotations

import copy

import sqlalchemy as sa
from sqlalchemy.sql.compiler import IdentifierPreparer

from dsr.casefile.schema import metadata
from dsr.config import DEFAULT_TABLE_PREFIX, TABLE_PREFIX

DEFAULT_PREFIX = DEFAULT_TABLE_PREFIX

_ATTRIBUTE = "dsr_table_prefix"  # where an engine's dialect keeps its prefix


def prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot be a table prefix, or None."""
    if TABLE_PREFIX.fullmatch(prefix):
        return None
    return 'lower-case letters, digits and "_", starting with a letter and ending with "_" (e.g. "dsr_"), at most 12 characters; or "" for none'


def physical(prefix: str, name: str) -> str:
    """The real name of dsr's table ``name`` (``"cases"``) under ``prefix``."""
    return prefix + name


def version_table(prefix: str) -> str:
    """Alembic's version table of dsr under ``prefix``: never a host's ``alembic_version`` (unless prefix "")."""
    return physical(prefix, "alembic_version")


def table_prefix(engine: sa.Engine | sa.Connection) -> str:
    """The prefix ``engine`` renders dsr's tables with (the default for an engine dsr did not open)."""
    prefix: str = getattr(engine.dialect, _ATTRIBUTE, DEFAULT_PREFIX)
    return prefix


def use_table_prefix(engine: sa.Engine, prefix: str) -> sa.Engine:
    """Make ``engine`` render dsr's tables under ``prefix``; returns it. One prefix per engine:
    the rename lives in the engine's dialect, which every connection of the engine shares."""
    if (problem := prefix_problem(prefix)) is not None:
        raise ValueError(f"table prefix {prefix!r}: {problem}")
    dialect = engine.dialect
    if prefix == table_prefix(engine):
        return engine
    renames = {name: physical(prefix, name.removeprefix(DEFAULT_PREFIX)) for name in metadata.tables}
    base = getattr(dialect, "_dsr_plain_preparer", type(dialect.identifier_preparer))
    renaming = type(f"Renaming{base.__name__}", (_Renaming, base), {"renames": renames})
    # the class goes on the dialect too: MySQL's dialect builds a new preparer from it after the
    # first connect (ANSI_QUOTES detection), which must rename as well
    dialect._dsr_plain_preparer = base  # type: ignore[attr-defined]
    dialect.preparer = renaming
    preparer = copy.copy(dialect.identifier_preparer)
    preparer.__class__ = renaming
    preparer._strings = {}  # quoted names cached before the rename
    dialect.identifier_preparer = preparer
    setattr(dialect, _ATTRIBUTE, prefix)
    engine.clear_compiled_cache()
    return engine


class _Renaming(IdentifierPreparer):
    """Quotes dsr's canonical table names as their names under the engine's prefix."""

    renames: dict[str, str] = {}

    def quote(self, ident: str) -> str:
        return super().quote(self.renames.get(ident, ident))
