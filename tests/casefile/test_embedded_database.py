"""dsr's tables inside a host's database (James'), on SQLite, PostgreSQL and MariaDB: prefixed
names next to the host's own ``users``/``sessions`` and ``alembic_version``, another prefix,
an installation from before prefixes moved, two processes migrating at once, and errors that say
what happened."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import DatabaseUnreachable, MigrationError, head_revision, open_engine, upgrade
from dsr.casefile.schema import users
from dsr.casefile.tablenames import prefix_problem

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)


def _host_database(url: str) -> None:
    """James' own tables and Alembic version, as a host has them before mounting dsr."""
    host = sa.MetaData()
    sa.Table("users", host, sa.Column("id", sa.Integer, primary_key=True), sa.Column("login", sa.String(50)))
    sa.Table("sessions", host, sa.Column("id", sa.Integer, primary_key=True), sa.Column("token", sa.String(50)))
    version = sa.Table("alembic_version", host, sa.Column("version_num", sa.String(32), primary_key=True))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        host.create_all(conn)
        conn.execute(sa.insert(version).values(version_num="james_0042"))
        conn.execute(sa.insert(host.tables["users"]).values(id=1, login="hausmeister"))
        conn.execute(sa.insert(host.tables["sessions"]).values(id=1, token="james-session"))
    engine.dispose()


def _host_rows(url: str) -> tuple[list[tuple[object, ...]], ...]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = tuple(
            [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {name}").all()]
            for name in ("alembic_version", "users", "sessions")
        )
    engine.dispose()
    return found


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("prefix", ["dsr_", "datenschutz_"])
def test_dsr_migrates_next_to_the_hosts_tables_and_never_touches_them(db_url: str, prefix: str) -> None:
    _host_database(db_url)
    before = _host_rows(db_url)
    done = upgrade(db_url, table_prefix=prefix)
    upgrade(db_url, table_prefix=prefix)  # again: nothing to do

    assert done.before is None and done.after == head_revision() and not done.moved
    assert _host_rows(db_url) == before  # James' version 'james_0042', its user and session
    assert {f"{prefix}users", f"{prefix}sessions", f"{prefix}cases", f"{prefix}alembic_version"} <= _tables(db_url)
    engine = open_engine(db_url, table_prefix=prefix)
    try:
        assert casefile.is_current(engine)
        staff = casefile.create_user(engine, "officer", "pw", {"gym": ["officer"]}, now=NOW)
        assert casefile.get_user(engine, staff.id).username == "officer"
        assert casefile.verify(engine).ok  # the audit chain, in dsr's chain_head and events
        with engine.connect() as conn:
            assert conn.execute(sa.select(users.c.username)).scalars().all() == ["officer"]
    finally:
        engine.dispose()
    assert _host_rows(db_url) == before


def test_an_installation_from_before_prefixes_is_moved_with_its_data(db_url: str) -> None:
    upgrade(db_url, "0006", table_prefix="")  # the layout dsr had: cases, users, alembic_version
    old = open_engine(db_url, table_prefix="")
    with old.begin() as conn:
        conn.execute(
            sa.insert(
                sa.table(
                    "users",
                    sa.column("id"),
                    sa.column("username"),
                    sa.column("password_hash"),
                    sa.column("failed_logins"),
                    sa.column("active"),
                    sa.column("created_at"),
                )
            ),
            [
                {
                    "id": 7,
                    "username": "veteran",
                    "password_hash": "x",
                    "failed_logins": 0,
                    "active": True,
                    "created_at": NOW,
                }
            ],
        )
    old.dispose()
    assert {"cases", "users", "alembic_version"} <= _tables(db_url)

    done = upgrade(db_url)

    assert done.moved and done.before == "0006" and done.after == head_revision()
    tables = _tables(db_url)
    assert {"dsr_cases", "dsr_users", "dsr_alembic_version"} <= tables
    assert not tables & {"cases", "users", "sessions", "alembic_version"}
    engine = open_engine(db_url)
    try:
        assert casefile.get_user(engine, 7).username == "veteran"
        assert casefile.is_current(engine)
    finally:
        engine.dispose()
    assert not upgrade(db_url).moved  # once


def test_a_foreign_alembic_version_is_never_taken_for_dsrs(db_url: str) -> None:
    """Even with dsr's old table names present: 'james_0042' is not a dsr revision, nothing moves."""
    _host_database(db_url)
    done = upgrade(db_url)
    assert not done.moved
    assert _host_rows(db_url)[0] == [("james_0042",)]


def test_two_processes_migrating_a_fresh_database_both_succeed(db_url: str) -> None:
    script = "import sys; from dsr.casefile import upgrade; upgrade(sys.argv[1])"
    workers = [
        subprocess.Popen([sys.executable, "-c", script, db_url], stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [(w.wait(timeout=300), w.stderr.read() if w.stderr else "") for w in workers]
    assert [code for code, _ in results] == [0, 0], results
    engine = open_engine(db_url)
    try:
        assert casefile.is_current(engine)
        assert casefile.verify(engine).ok  # one genesis head, not two
    finally:
        engine.dispose()


def test_a_failing_migration_says_so_and_names_the_cause(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # left behind by a crashed install: a table, but no version
        conn.exec_driver_sql("CREATE TABLE dsr_chain_head (id INTEGER PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(MigrationError, match="dsr_chain_head"):
        upgrade(db_url)


def test_an_unreachable_database_is_reported_as_unreachable() -> None:
    with pytest.raises(DatabaseUnreachable):
        upgrade("postgresql+psycopg://nobody@127.0.0.1:9/nothing?connect_timeout=2")


@pytest.mark.parametrize("prefix", ["", "dsr_", "james_dsr_", "a1_"])
def test_table_prefixes_that_are_accepted(prefix: str) -> None:
    assert prefix_problem(prefix) is None


@pytest.mark.parametrize("prefix", ["dsr", "Dsr_", "1dsr_", "dsr-", "_", "dsr_;drop_", "much_too_long_"])
def test_table_prefixes_that_are_refused(prefix: str) -> None:
    assert prefix_problem(prefix) is not None
    with pytest.raises(ValueError, match="table prefix"):
        open_engine("sqlite://", table_prefix=prefix)
