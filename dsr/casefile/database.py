"""Opening the portal's database and bringing its schema up to date.

SQLite file by default (``sqlite:///dsr-cases.db``), PostgreSQL or MariaDB by URL — its own, or a
host's (James') database shared with the host's tables: dsr's tables carry a prefix (default
``dsr_``, ``tablenames.py``) and Alembic keeps dsr's revision in ``<prefix>alembic_version``, so a
host's own ``alembic_version`` is never read. The schema is owned by the Alembic migrations
shipped in this package; there is no alembic.ini. Migrating holds a lock, so host workers starting
together migrate once (``migrating.py``), and an installation from before prefixes is moved to
the prefixed names first.

Errors: :class:`DatabaseUnreachable` when no connection can be had, :class:`MigrationError` when
the database answered and the migration failed — the two a host must tell apart (wait for the
database; fix the deployment).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dsr.casefile.migrating import DatabaseUnreachable, MigrationError, migrating, move_unprefixed
from dsr.casefile.tablenames import DEFAULT_PREFIX, table_prefix, use_table_prefix, version_table

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_URL = "sqlite:///dsr-cases.db"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # concurrent portal requests and workers wait for the write lock instead of failing at once
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_engine(url: str | sa.URL = DEFAULT_URL, *, table_prefix: str = DEFAULT_PREFIX, **kwargs: Any) -> sa.Engine:
    """An engine for the portal's database, with the settings each dialect needs, reaching dsr's
    tables under ``table_prefix`` (``[portal] table_prefix``)."""
    # a statement's values stay out of error messages (and so out of logs): they can be personal data
    kwargs.setdefault("hide_parameters", True)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return use_table_prefix(engine, table_prefix)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@dataclass(frozen=True)
class Migration:
    """What :func:`upgrade` did."""

    before: str | None  # the revision before (None: a new database)
    after: str | None
    #: dsr's tables were moved from the names before prefixes (``cases``) to the prefixed ones
    moved: bool = False


def upgrade(
    target: str | sa.Engine = DEFAULT_URL, revision: str = "head", *, table_prefix: str | None = None
) -> Migration:
    """Create or migrate the schema to ``revision`` (the newest by default).

    ``target`` is a URL (opened with ``table_prefix``, default ``dsr_``) or an engine from
    :func:`open_engine` (its prefix; ``table_prefix``, if given, must be the same). Raises
    :class:`DatabaseUnreachable` or :class:`MigrationError`.
    """
    engine = (
        open_engine(target, table_prefix=DEFAULT_PREFIX if table_prefix is None else table_prefix)
        if isinstance(target, str)
        else target
    )
    try:
        prefix = _prefix_of(engine, table_prefix)
        _reachable(engine)
        config = _config()
        config.attributes["table_prefix"] = prefix
        lock = version_table(prefix)
        try:
            with migrating(engine, lock, lambda url, **kw: open_engine(url, table_prefix=prefix, **kw)) as connection:
                moved = move_unprefixed(connection, prefix, _revisions(), _logical_tables())
                before = _revision_on(connection, prefix)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                return Migration(before, _revision_on(connection, prefix), moved)
        except MigrationError:
            raise
        except Exception as exc:
            # the first line names the driver's error and the object; the SQL and values stay out
            cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MigrationError(f"migrating the portal database to {revision} failed: {cause}") from exc
    finally:
        if isinstance(target, str):
            engine.dispose()


def _prefix_of(engine: sa.Engine, asked: str | None) -> str:
    prefix = table_prefix(engine)
    if asked is not None and asked != prefix:
        raise ValueError(f"the engine reaches dsr's tables under {prefix!r}, not {asked!r}: open it with that prefix")
    return prefix


def _reachable(engine: sa.Engine) -> None:
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        # only the error's type: a driver's message can carry the address and user name
        raise DatabaseUnreachable(f"the portal database cannot be reached ({type(exc.orig).__name__})") from exc


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at (None when never migrated). Raises :class:`DatabaseUnreachable`."""
    _reachable(engine)
    with engine.connect() as connection:
        return _revision_on(connection, table_prefix(engine))


def _revision_on(connection: sa.Connection, prefix: str) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": version_table(prefix)})
    return context.get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def is_current(engine: sa.Engine) -> bool:
    return current_revision(engine) == head_revision()


def _revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def _logical_tables() -> list[str]:
    from dsr.casefile.schema import metadata

    return [table.name.removeprefix(DEFAULT_PREFIX) for table in metadata.sorted_tables]
