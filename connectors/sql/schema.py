"""A mapping held against the live schema: for ``dsr check``.

Every column of every mapped table must be classified in every collection over that table,
so a column the vendor adds in an update (perhaps holding personal data) stops the check
until someone has decided what it is. Tables nobody mapped must be listed as ignored.
"""

from __future__ import annotations

from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence

from connectors.sql.mapping import PEOPLE_COLUMNS, Mapping
from dsr.errors import ConfigError


def check_schema(mapping: Mapping, tables: AbcMapping[str, Sequence[str]]) -> list[ConfigError]:
    """Problems of ``mapping`` against ``tables`` (table name → column names of the database)."""
    errors: list[ConfigError] = []

    def need(key: str, table: str, column: str | None) -> None:
        if column is not None and table in tables and column not in tables[table]:
            errors.append(mapping.error(key, f"column {table}.{column} not found in the database"))

    def table_exists(key: str, table: str) -> bool:
        if table not in tables:
            errors.append(mapping.error(key, f"table {table!r} not found in the database"))
            return False
        return True

    for c in mapping.collections:
        where = f"collections.{c.name}"
        if not table_exists(f"{where}.table", c.table):
            continue
        for name in c.raw.columns:
            need(f"{where}.columns.{name}", c.table, name)
        for name in tables[c.table]:
            if name not in c.raw.columns:
                errors.append(
                    mapping.error(
                        f"{where}.columns.{name}", f"column {c.table}.{name} is in the database but not classified"
                    )
                )
        for i, alt in enumerate(c.alternatives):
            for m in alt:
                need(f"{where}.match[{i}].{m.column}", c.table, m.column)
    for i, p in enumerate(mapping.people):
        if table_exists(f"people[{i}].table", p.table):
            for attr in PEOPLE_COLUMNS:
                need(f"people[{i}].{attr}", p.table, getattr(p, attr))
    for i, a in enumerate(mapping.ip_addresses):
        if table_exists(f"ip_addresses[{i}].table", a.table):
            need(f"ip_addresses[{i}].person", a.table, a.person)
            need(f"ip_addresses[{i}].column", a.table, a.column)
    mapped = {c.table for c in mapping.collections}
    for name in mapping.ignore_tables:
        if name in mapped:
            errors.append(mapping.error(f"ignore_tables.{name}", "table is both mapped and ignored"))
        table_exists(f"ignore_tables.{name}", name)
    for name in sorted(tables):
        if name not in mapped and name not in mapping.ignore_tables:
            errors.append(
                mapping.error(
                    "collections",
                    f"table {name!r} is in the database but no collection maps it (map it or list it in ignore_tables with a reason)",
                )
            )
    return errors
