"""Where generated rows go: an SQLite file (fast path) or any SQLAlchemy database.

Rows are tuples in the column order given to :meth:`TableSink.insert`, holding plain Python
values (datetime, date, Decimal, bool). SQLite gets them through the ``sqlite3`` module in one
big transaction, converted the way SQLAlchemy stores them; other databases get SQLAlchemy Core
``executemany`` in batches, so PostgreSQL and MariaDB tests use the same generator.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from dsr_connectors.james import create_schema

BATCH = 5000


class TableSink(Protocol):
    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int: ...
    def update(self, table: str, set_columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None: ...
    def close(self) -> None: ...


def _sqlite_value(v: Any) -> Any:
    # SQLAlchemy's own SQLite storage format, so string comparisons in SQL stay correct
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


class SqliteSink:
    """Fast path for ``sqlite:///`` files: one transaction, executemany, no ORM."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("BEGIN")

    def _converted(self, table: str, columns: Sequence[str]) -> tuple[int, ...]:
        """Positions of the columns whose values need converting (by declared type), so others are passed as they are."""
        declared = {r[1]: r[2].upper() for r in self.conn.execute(f"PRAGMA table_info({table})")}
        return tuple(
            i for i, c in enumerate(columns) if declared.get(c, "").startswith(("TIMESTAMP", "DATE", "NUMERIC"))
        )

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        convert = self._converted(table, columns)
        n = 0
        batch: list[Sequence[Any]] = []
        for row in rows:
            values = list(row)
            for i in convert:
                if values[i] is not None:
                    values[i] = _sqlite_value(values[i])
            batch.append(values)
            if len(batch) >= BATCH:
                self.conn.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            self.conn.executemany(sql, batch)
            n += len(batch)
        return n

    def update(self, table: str, set_columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """Rows are (values for set_columns..., id)."""
        sql = f"UPDATE {table} SET {', '.join(c + ' = ?' for c in set_columns)} WHERE id = ?"
        self.conn.executemany(sql, (tuple(map(_sqlite_value, r)) for r in rows))

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


class EngineSink:
    """Any SQLAlchemy database (PostgreSQL, MariaDB, SQLite by URL): Core executemany in batches."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.conn = engine.connect()
        self.tx = self.conn.begin()

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        stmt = sa.insert(sa.table(table, *(sa.column(c) for c in columns)))
        n = 0
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) >= BATCH:
                self.conn.execute(stmt, batch)
                n += len(batch)
                batch = []
        if batch:
            self.conn.execute(stmt, batch)
            n += len(batch)
        return n

    def update(self, table: str, set_columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        t = sa.table(table, sa.column("id"), *(sa.column(c) for c in set_columns))
        stmt = sa.update(t).where(t.c.id == sa.bindparam("_id")).values({c: sa.bindparam(c) for c in set_columns})
        params = [{**dict(zip(set_columns, r[:-1], strict=True)), "_id": r[-1]} for r in rows]
        for i in range(0, len(params), BATCH):
            self.conn.execute(stmt, params[i : i + BATCH])

    def close(self) -> None:
        self.tx.commit()
        self.conn.close()


def open_sink(target: str | sa.Engine | Path, ddl: Path, *, create: bool) -> TableSink:
    """A sink for a database; with ``create`` the James DDL is loaded first (via create_schema)."""
    engine = (
        target
        if isinstance(target, sa.Engine)
        else sa.create_engine(str(target) if not isinstance(target, Path) else f"sqlite:///{target}")
    )
    if create:
        create_schema(engine, ddl)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        path = Path(engine.url.database)
        engine.dispose()
        return SqliteSink(path)
    return EngineSink(engine)
