"""Fixtures of the whole suite.

Databases (``tests/databases.py``): every store-touching test takes ``db_url`` (parametrised over
the three dialects) and gets an empty database of its own, dropped afterwards. PostgreSQL and
MariaDB are the machine's services (127.0.0.1:5432 user postgres, 127.0.0.1:3306 user root); set
DSR_TEST_DIALECTS=sqlite to run on SQLite alone.

The case file (``tests/casefile/``, and the portal's login-limit tests): ``engine`` is a migrated,
empty portal database on each dialect in turn. Creating and migrating a database takes seconds on
PostgreSQL/MariaDB, so there is one per dialect for the session, emptied (not recreated) per test.

The officer world (``tests/officer_world.py``; the service and portal tests): ``demo`` is a small
demo (one school and the vendor) for the session, ``world`` a portal with staff accounts on it,
``app_client`` a TestClient factory on that portal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.low_level import Type

from dsr.casefile import open_engine, upgrade, use_password_hasher
from dsr.casefile.passwords import PasswordPolicy, use_password_policy
from dsr.casefile.schema import chain_head, metadata
from dsr.demo import DemoSummary, generate
from tests.databases import DIALECTS, fresh_database
from tests.officer_world import World, make_world


@pytest.fixture(scope="session", autouse=True)
def fast_passwords() -> None:
    """Real argon2id, with parameters small enough for a test suite (production: RFC 9106 defaults);
    tests' own short passwords are let through (the password policy's tests use ``strict_passwords``)."""
    use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))
    use_password_policy(PasswordPolicy(min_length=1, refuse_common=False))


@pytest.fixture
def strict_passwords() -> Iterator[PasswordPolicy]:
    """The password policy as shipped (12 characters or more, not a common one) for one test."""
    before = use_password_policy(PasswordPolicy())
    yield PasswordPolicy()
    use_password_policy(before)


# --------------------------------------------------------------------------- databases


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL on each dialect in turn."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("sqlite", tmp_path)


# --------------------------------------------------------------------------- the case file

_migrated: dict[str, sa.Engine] = {}


@pytest.fixture(scope="module", params=DIALECTS)
def migrated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    """One migrated portal database per dialect for the whole session, dropped when the session ends."""
    dialect: str = request.param
    if dialect not in _migrated:
        database = fresh_database(dialect, tmp_path_factory.mktemp("cases"))
        url = next(database)
        upgrade(url)
        engine = open_engine(url)
        _migrated[dialect] = engine

        def drop() -> None:
            engine.dispose()
            next(database, None)  # runs the generator's DROP DATABASE

        request.config.add_cleanup(drop)
    return _migrated[dialect]


@pytest.fixture
def engine(migrated: sa.Engine) -> sa.Engine:
    """A migrated, empty portal database (on each dialect in turn)."""
    with migrated.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(sa.delete(table))
        conn.execute(sa.insert(chain_head).values(id=1, seq=0, hash="0" * 64))
    return migrated


# --------------------------------------------------------------------------- the officer world


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """A small demo (one school + the vendor), shared by the session: tests never change its stores."""
    return generate(tmp_path_factory.mktemp("demo"), schools=1, readers_per_school=20, loans_per_reader=3, seed=1)


@pytest.fixture
def world(demo: DemoSummary, tmp_path: Path) -> Iterator[World]:
    w = make_world(demo, tmp_path)
    yield w
    w.engine.dispose()


@pytest.fixture
def app_client(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Any]]:
    """``app_client()`` → a new TestClient on the portal (jobs run only through ``world.run_jobs``)."""
    from litestar.testing import TestClient

    from dsr.portal import create_app

    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    opened: list[Any] = []

    def new() -> Any:
        # one app per client: a Litestar app runs its lifespan once
        client = TestClient(create_app(world.settings, engine=world.engine))
        client.__enter__()
        opened.append(client)
        return client

    yield new
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Chromium per test process: Playwright's sync API allows one running instance at a time."""
    from playwright.sync_api import sync_playwright

    from tests.portal.portal_setup import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
