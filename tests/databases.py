"""Fresh databases on SQLite, PostgreSQL and MariaDB for the store-touching tests (the fixtures
``db_url``, ``sqlite_url`` and ``engine`` in tests/conftest.py use them), and rows into their tables."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/"
DIALECTS = [d for d in os.environ.get("DSR_TEST_DIALECTS", "sqlite,postgresql,mariadb").split(",") if d]


def fresh_database(dialect: str, tmp_path: Path) -> Iterator[str]:
    name = "dsr_test_" + uuid.uuid4().hex[:12]
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    admin_url = PG_ADMIN if dialect == "postgresql" else MARIADB_ADMIN
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        if dialect == "postgresql":
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        else:
            yield f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    finally:
        with admin.connect() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def insert_rows(conn: sa.Connection, table: sa.Table, values: list[dict]) -> None:
    """executemany needs the same keys in every row: missing ones are NULL."""
    keys = {k for v in values for k in v}
    conn.execute(sa.insert(table), [{k: v.get(k) for k in keys} for v in values])
