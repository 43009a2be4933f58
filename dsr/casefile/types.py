"""Column types that behave the same on SQLite, PostgreSQL and MariaDB.

Migrations import these, so they must stay backwards compatible: add new types, never change one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """An aware UTC datetime, stored naive in UTC with microseconds on every dialect.

    Microseconds matter: audit events hash their timestamp, so it must read back exactly.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Blob(sa.types.TypeDecorator[bytes]):
    """Binary content of any size (MariaDB's BLOB stops at 64 KiB, so LONGBLOB there)."""

    impl = sa.LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.LONGBLOB())
        return dialect.type_descriptor(sa.LargeBinary())


class LongText(sa.types.TypeDecorator[str]):
    """Text of any size (MariaDB's TEXT stops at 64 KiB, so LONGTEXT there): an erasure plan of a
    reader with years of loans is longer than that."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.LONGTEXT())
        return dialect.type_descriptor(sa.Text())
