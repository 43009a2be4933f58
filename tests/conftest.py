"""Shared fixtures: fresh databases on SQLite, PostgreSQL and MariaDB.

Every store-touching test takes ``db_url`` (parametrised over the three dialects) and gets an
empty database of its own, dropped afterwards. PostgreSQL and MariaDB are the machine's
services (127.0.0.1:5432 user postgres, 127.0.0.1:3306 user root); set DSR_TEST_DIALECTS=sqlite
to run on SQLite alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import DIALECTS, SHARED, fresh_database  # noqa: F401


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL on each dialect in turn."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("sqlite", tmp_path)
