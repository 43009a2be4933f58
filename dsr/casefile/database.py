"""Opening the portal's database and bringing its schema up to date.

SQLite file by default (``sqlite:///dsr-cases.db``), PostgreSQL or MariaDB by URL. The schema
is owned by the Alembic migrations shipped in this package; there is no alembic.ini.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_URL = "sqlite:///dsr-cases.db"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # concurrent portal requests and workers wait for the write lock instead of failing at once
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_engine(url: str = DEFAULT_URL, **kwargs: Any) -> sa.Engine:
    """An engine for the portal's database, with the settings each dialect needs."""
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(target: str | sa.Engine = DEFAULT_URL, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision`` (the newest by default)."""
    engine = open_engine(target) if isinstance(target, str) else target
    try:
        config = _config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if isinstance(target, str):
            engine.dispose()


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def is_current(engine: sa.Engine) -> bool:
    return current_revision(engine) == head_revision()
