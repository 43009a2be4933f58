"""The portal database: migrations on every dialect (the migrated ``engine`` of the other case-file
tests is in tests/conftest.py; dsr inside a host's database, under other prefixes, from the names
before prefixes and with several processes at once: test_embedded_database.py)."""

from __future__ import annotations

import sqlalchemy as sa

from dsr.casefile import current_revision, head_revision, is_current, open_engine, upgrade
from dsr.casefile.schema import metadata


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
            differences = compare_metadata(
                MigrationContext.configure(conn, opts={"version_table": "dsr_alembic_version"}), metadata
            )
        columns = {c["name"] for c in sa.inspect(engine).get_columns("dsr_cases")}
        download_columns = {c["name"] for c in sa.inspect(engine).get_columns("dsr_downloads")}
    finally:
        engine.dispose()
    assert {"language", "printed_at"} <= columns and "token_hash" in download_columns
    assert [d for d in differences if d[0] in ("add_column", "remove_column", "add_table", "remove_table")] == []
