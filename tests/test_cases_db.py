"""The portal database: migrations on every dialect, and the shared fixtures of the case tests.

Creating a database and migrating it takes seconds on PostgreSQL/MariaDB, so the other
``test_cases_*`` files import ``engine`` from here: one migrated database per dialect for the
session, emptied (not recreated) before each test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.low_level import Type
from databases import DIALECTS
from databases import fresh_database as _fresh_database

from dsr.casefile import current_revision, head_revision, is_current, open_engine, upgrade
from dsr.casefile.schema import chain_head, metadata
from dsr.casefile.users import use_password_hasher

# real argon2id, with parameters small enough for a test suite (production: RFC 9106 defaults)
use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))


_databases: dict[str, sa.Engine] = {}


@pytest.fixture(scope="module", params=DIALECTS)
def migrated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    """One migrated database per dialect for the whole session, dropped when the session ends."""
    dialect: str = request.param
    if dialect not in _databases:
        tmp: Path = tmp_path_factory.mktemp("cases")
        database = _fresh_database(dialect, tmp)
        url = next(database)
        upgrade(url)
        engine = open_engine(url)
        _databases[dialect] = engine

        def drop() -> None:
            engine.dispose()
            next(database, None)  # runs the fixture generator's DROP DATABASE

        request.config.add_cleanup(drop)
    return _databases[dialect]


@pytest.fixture
def engine(migrated: sa.Engine) -> sa.Engine:
    """A migrated, empty portal database (on each dialect in turn)."""
    with migrated.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(sa.delete(table))
        conn.execute(sa.insert(chain_head).values(id=1, seq=0, hash="0" * 64))
    return migrated


def test_migrations_bring_an_empty_database_to_head_and_are_idempotent(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)  # running again changes nothing
    engine = open_engine(db_url)
    try:
        assert is_current(engine)
        assert current_revision(engine) == head_revision()
        tables = set(sa.inspect(engine).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= tables
    finally:
        engine.dispose()


def test_a_never_migrated_database_is_not_current(sqlite_url: str) -> None:
    engine = open_engine(sqlite_url)
    try:
        assert current_revision(engine) is None and not is_current(engine)
    finally:
        engine.dispose()


def test_a_database_at_the_first_revision_upgrades_to_exactly_the_schema_in_code(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade(db_url, "0001")
    upgrade(db_url)
    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("cases")}
        download_columns = {c["name"] for c in sa.inspect(engine).get_columns("downloads")}
    finally:
        engine.dispose()
    assert {"language", "printed_at"} <= columns and "token_hash" in download_columns
    assert [d for d in differences if d[0] in ("add_column", "remove_column", "add_table", "remove_table")] == []
