"""Migrating the portal's database safely: one process at a time, and an installation from before
table prefixes moved to its prefixed names first.

**One at a time**: several host workers starting on a fresh database must not race to create
the same tables. Each dialect's own lock, held on the connection that migrates:

- PostgreSQL: ``pg_advisory_xact_lock``, released when the migration's transaction ends (the
  DDL is transactional, so the next process sees the finished schema and has nothing to do);
- MariaDB/MySQL: ``GET_LOCK`` (DDL commits as it goes, so the lock is the connection's, released
  explicitly); lock names are server-wide, so the name includes the database's;
- SQLite: ``BEGIN IMMEDIATE``, the database's write lock, taken before the first statement — on
  a connection of its own that leaves transactions to SQLite (the documented pysqlite recipe),
  so that the DDL runs inside that one transaction. An in-memory database needs no lock.

The lock is named after dsr's version table, so dsr installations under different prefixes in
one database do not wait for each other.

**From the names before prefixes** (``cases``, ``alembic_version``): when dsr's version table
under the configured prefix does not exist yet and ``alembic_version`` holds dsr's revisions and
nothing else, dsr's tables are renamed to the prefixed names and the revision moves into dsr's
version table (``alembic_version`` is dropped: it was dsr's alone). Any other ``alembic_version``
— a host's, at ``james_0042`` — is left alone and so are tables of the same names as dsr's
(``users``, ``sessions``). Index and constraint names keep their old spelling (``pk_cases``):
nothing in dsr names them after creation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from dsr.casefile.tablenames import physical, version_table
from dsr.errors import DSRError

#: how long a process waits for another one's migration before giving up
WAIT_SECONDS = 300


class DatabaseUnreachable(DSRError):
    """The portal's database cannot be connected to (down, wrong address, wrong password)."""


class MigrationError(DSRError):
    """Bringing the portal's database up to date failed: the database answered, the migration did
    not work. Startup stops with it: a portal on a half-migrated schema fails every request."""


@contextmanager
def migrating(engine: sa.Engine, name: str, reopen: Callable[..., sa.Engine]) -> Iterator[sa.Connection]:
    """A connection in a transaction, holding the migration lock ``name`` of ``engine``'s database.
    ``reopen(url, **kwargs)`` opens a second engine on the same database (SQLite's own connection)."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'")
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_key(name))))
            yield conn
    elif dialect in ("mysql", "mariadb"):
        with engine.connect() as conn:
            lock = sa.func.sha1(sa.func.concat(sa.func.database(), ".", name))
            if conn.execute(sa.select(sa.func.get_lock(lock, WAIT_SECONDS))).scalar() != 1:
                raise MigrationError(f"another process has been migrating for {WAIT_SECONDS} seconds")
            conn.commit()
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.execute(sa.select(sa.func.release_lock(lock)))
                conn.commit()
    elif dialect == "sqlite" and _on_disk(engine.url):
        own = reopen(engine.url, poolclass=sa.pool.NullPool)
        sa.event.listen(own, "connect", _sqlite_migration_connection)
        sa.event.listen(own, "begin", _begin_immediate)
        try:
            with own.begin() as conn:
                yield conn
        finally:
            own.dispose()
    else:
        with engine.begin() as conn:
            yield conn


def _key(name: str) -> int:
    """A stable 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _on_disk(url: sa.URL) -> bool:
    database = url.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in str(url.query)


def _sqlite_migration_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver begins nothing: _begin_immediate does
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={WAIT_SECONDS * 1000}")  # BEGIN IMMEDIATE waits this long
    cursor.close()


def _begin_immediate(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def move_unprefixed(conn: sa.Connection, prefix: str, revisions: set[str], tables: list[str]) -> bool:
    """Rename dsr's ``tables`` (logical names) from their names before prefixes to ``prefix``'s,
    when ``alembic_version`` is dsr's (holds only ``revisions``). True when something moved."""
    target = version_table(prefix)
    present = set(sa.inspect(conn).get_table_names())
    if not prefix or target in present or "alembic_version" not in present:
        return False
    old_version = sa.table("alembic_version", sa.column("version_num", sa.String(32)))
    found = conn.execute(sa.select(old_version.c.version_num)).scalars().all()
    ours = [v for v in found if v in revisions]
    if not ours:
        return False  # a host's version table (or an empty one): not dsr's to touch
    if len(ours) != len(found):
        raise MigrationError(
            f"alembic_version holds dsr's revision {ours[0]} and others ({', '.join(sorted(set(found) - set(ours)))}): "
            f"move dsr's tables to the prefix {prefix!r} by hand"
        )
    moving = [name for name in tables if name in present]
    if taken := sorted(physical(prefix, name) for name in moving if physical(prefix, name) in present):
        raise MigrationError(f"cannot move dsr's tables to the prefix {prefix!r}: {', '.join(taken)} exist already")
    operations = Operations(MigrationContext.configure(conn))
    for name in moving:
        operations.rename_table(name, physical(prefix, name))
    version = sa.Table(
        target,
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name=f"{target}_pkc"),  # as Alembic names it
    )
    version.create(conn)
    conn.execute(sa.insert(version), [{"version_num": v} for v in ours])
    operations.drop_table("alembic_version")
    return True
