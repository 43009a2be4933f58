"""The live database behind a store: reflected tables, batched lookups, safe error messages.

SQLAlchemy's exception text contains SQL parameters (names, e-mail addresses), so every
database exception leaves this module as a :class:`ConnectorError` naming only its type.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa

from dsr.errors import ConnectorError

#: IN lists are sent in chunks of this size (query-plan caches and parameter limits)
CHUNK = 500


def missing_sqlite_file(engine: sa.Engine) -> Path | None:
    """The file of a SQLite store that is not there (stores are opened read-only, so never created)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    path = Path(unquote(database.removeprefix("file:").split("?", 1)[0]))
    return None if path.exists() else path


class Database:
    def __init__(self, store: str, engine: sa.Engine, tables: Iterable[str]) -> None:
        self.store = store
        self.engine = engine
        self.wanted = sorted(set(tables))
        self._tables: dict[str, sa.Table] | None = None

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn database exceptions into ConnectorError without parameters or row data."""
        try:
            yield
        except ConnectorError:
            raise
        except sa.exc.OperationalError as exc:
            missing = missing_sqlite_file(self.engine)
            if missing is not None:
                raise ConnectorError(self.store, f"the SQLite file {missing} does not exist") from None
            raise ConnectorError(
                self.store,
                f"database unreachable or failing ({type(exc.orig).__name__ if exc.orig else 'OperationalError'})",
            ) from None
        except sa.exc.SQLAlchemyError as exc:
            raise ConnectorError(self.store, f"database error ({type(exc).__name__})") from None

    def table(self, name: str) -> sa.Table:
        if self._tables is None:
            with self.errors():
                meta = sa.MetaData()
                existing = set(sa.inspect(self.engine).get_table_names())
                missing = [t for t in self.wanted if t not in existing]
                if missing:
                    raise ConnectorError(
                        self.store, f"mapped tables missing in the database: {', '.join(missing)} (run dsr check)"
                    )
                meta.reflect(self.engine, only=self.wanted)
                self._tables = dict(meta.tables)
        return self._tables[name]

    def column(self, table: str, name: str) -> sa.Column[Any]:
        t = self.table(table)
        if name not in t.c:
            raise ConnectorError(self.store, f"mapped column {table}.{name} missing in the database (run dsr check)")
        return t.c[name]

    def unique(self, table: str, columns: Iterable[str]) -> bool:
        """Whether the schema promises that ``columns`` together tell the rows of ``table`` apart:
        they include the primary key, a unique constraint or a unique index."""
        return is_unique(columns, unique_column_sets(self.table(table)))

    def select_in(
        self,
        conn: sa.Connection,
        table: str,
        conditions: Sequence[tuple[str, Sequence[Any], bool]],
    ) -> list[sa.RowMapping]:
        """Rows of ``table`` where every ``(column, values, casefold)`` holds, chunked on the longest list.

        Values are converted to the column's type first; values that cannot be (a text key
        against an integer column) are dropped, since they can match nothing.
        """
        t = self.table(table)
        bound = []
        for name, values, casefold in conditions:
            col = self.column(table, name)
            vals = bind_values(col, values, casefold)
            if not vals:
                return []
            bound.append((col, vals, casefold))
        bound.sort(key=lambda b: len(b[1]))
        *small, (big_col, big_vals, big_fold) = bound
        where = [(sa.func.lower(c) if fold else c).in_(v) for c, v, fold in small]
        rows: list[sa.RowMapping] = []
        for i in range(0, len(big_vals), CHUNK):
            target = sa.func.lower(big_col) if big_fold else big_col
            stmt = sa.select(t).where(*where, target.in_(big_vals[i : i + CHUNK]))
            rows.extend(conn.execute(stmt).mappings())
        return rows


def unique_column_sets(table: sa.Table) -> list[frozenset[str]]:
    """The column sets a reflected table's primary key, unique constraints and unique indexes make unique."""
    sets = [frozenset(c.name for c in table.primary_key.columns)]
    sets += [frozenset(c.name for c in u.columns) for u in table.constraints if isinstance(u, sa.UniqueConstraint)]
    # an index on an expression (lower(email)) proves nothing about the columns themselves
    sets += [
        frozenset(c.name for c in i.columns) for i in table.indexes if i.unique and len(i.columns) == len(i.expressions)
    ]
    return [s for s in sets if s]


def is_unique(columns: Iterable[str], unique_sets: Iterable[frozenset[str]]) -> bool:
    """Whether ``columns`` include one of ``unique_sets`` (a superset of a unique key is unique too)."""
    have = set(columns)
    return any(s <= have for s in unique_sets)


def bind_values(column: sa.Column[Any], values: Iterable[Any], casefold: bool = False) -> list[Any]:
    """Distinct values converted to what ``column`` compares with; unconvertible ones dropped."""
    out: dict[Any, None] = {}
    for v in values:
        if v is None:
            continue
        try:
            converted = column_value(column.type, v)
        except (ValueError, TypeError, InvalidOperation):
            continue
        if casefold and isinstance(converted, str):
            converted = converted.lower()
        out[converted] = None
    return list(out)


def column_value(type_: sa.types.TypeEngine[Any], v: Any) -> Any:
    if isinstance(type_, sa.Integer):
        if isinstance(v, bool):
            raise TypeError
        return int(v) if isinstance(v, int) else int(str(v).strip())
    if isinstance(type_, sa.DateTime):
        return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))
    if isinstance(type_, sa.Date):
        return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
    if isinstance(type_, sa.Numeric):
        return Decimal(str(v))
    if isinstance(type_, sa.String):
        return v if isinstance(v, str) else text_of(v)
    return v


def text_of(v: Any) -> str:
    """A stored value as text, for comparisons and code look-ups (dates in ISO form)."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
