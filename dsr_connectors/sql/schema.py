"""A mapping held against the live schema: for ``dsr check``.

Every column of every mapped table must be classified in every collection over that table,
so a column the vendor adds in an update (perhaps holding personal data) stops the check
until someone has decided what it is. Tables nobody mapped must be listed as ignored. A
collection's key must be one the schema makes unique (:func:`check_keys`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Mapping as AbcMapping

from dsr.errors import ConfigError
from dsr_connectors.sql.database import is_unique
from dsr_connectors.sql.mapping import PEOPLE_COLUMNS, CollectionMapping, Mapping


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
            for column in a.where:
                need(f"ip_addresses[{i}].where.{column}", a.table, column)
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


def check_keys(
    mapping: Mapping,
    tables: AbcMapping[str, Sequence[str]],
    primary_keys: AbcMapping[str, Sequence[str]],
    unique_sets: AbcMapping[str, Sequence[frozenset[str]]],
    duplicated: Callable[[CollectionMapping], bool | None],
    store: str,
) -> list[ConfigError]:
    """Collections whose key the schema does not make unique (primary key, unique constraint, unique index).

    Rows sharing such a key are still separate records (told apart by their content), but a
    record's reference then changes whenever the row changes: the mapping should name the
    columns that tell the rows apart. ``duplicated(c)`` says whether the data already holds
    rows sharing ``c``'s key (None: could not be checked); ``store`` names the store in the
    messages (a mapping may serve several).
    """
    errors: list[ConfigError] = []
    for c in mapping.collections:
        if c.table not in tables or not set(c.key) <= set(tables[c.table]):
            continue  # check_schema reports the missing table or column
        if is_unique(c.key, unique_sets.get(c.table, ())):
            continue
        pk = list(primary_keys.get(c.table, ()))
        cols = _columns(c.key)
        if not pk:
            given = "" if c.key_given else " (no key is given: the default)"
            problem = f"table {c.table!r} has no primary key, and the key {cols}{given} has no unique constraint or unique index"
        else:
            problem = f"the key {cols} is not the primary key of table {c.table!r} ({_columns(pk)}) and has no unique constraint or unique index"
        problem += "; rows sharing a key are told apart only by their content"
        dup = duplicated(c)
        if dup:
            problem += f". Several rows of the table already have the same {', '.join(repr(k) for k in c.key)}"
        elif dup is None:
            problem += ". Whether the table already holds rows sharing a key could not be checked"
        suggestion = _key_toml(pk) if pk else _key_toml([*c.key, "<column>"])
        problem += (
            f". Declare the columns that tell its rows apart as the key, e.g. {suggestion} "
            "(a list is a composite key), or give the table a primary key or a unique index on them"
        )
        errors.append(mapping.error(f"collections.{c.name}.key", f"store {store}: {problem}"))
    return errors


def _columns(columns: Sequence[str]) -> str:
    if len(columns) == 1:
        return f"column {columns[0]!r}"
    return "columns " + ", ".join(repr(c) for c in columns)


def _key_toml(columns: Sequence[str]) -> str:
    if len(columns) == 1:
        return f'key = "{columns[0]}"'
    return "key = [" + ", ".join(f'"{c}"' for c in columns) + "]"


def check_write_rules(mapping: Mapping, nullable: AbcMapping[str, AbcMapping[str, bool]]) -> list[ConfigError]:
    """The write declarations against the live schema (``nullable``: table → column → may be NULL):
    every column they name exists, and erasure sets no NOT NULL column to NULL."""
    errors: list[ConfigError] = []
    for c in mapping.collections:
        w, where, columns = c.write, f"collections.{c.name}", nullable.get(c.table)
        if columns is None or not w.declared():
            continue  # check_schema reports the missing table

        def need(key: str, name: str, table: str = c.table, have: AbcMapping[str, bool] = columns) -> None:
            if name not in have:
                errors.append(mapping.error(key, f"column {table}.{name} not found in the database"))

        if w.erase is not None:
            for i, name in enumerate(w.erase.columns):
                need(f"{where}.erase.columns[{i}]", name)
                if columns.get(name) is False:
                    errors.append(
                        mapping.error(
                            f"{where}.erase.columns[{i}]",
                            f"column {c.table}.{name} is NOT NULL: erasure cannot set it to NULL; "
                            'overwrite it with a value instead (set = { column = "…" })',
                        )
                    )
            for name in w.erase.set:
                need(f"{where}.erase.set.{name}", name)
            for i, name in enumerate(w.erase.stamp):
                need(f"{where}.erase.stamp[{i}]", name)
        if w.restrict is not None and w.restrict.column is not None:
            need(f"{where}.restrict.column", w.restrict.column)
        for i, name in enumerate(w.rectify):
            need(f"{where}.rectify[{i}]", name)
        for i, h in enumerate(w.holds):
            for name in h.when:
                need(f"{where}.holds[{i}].when.{name}", name)
    return errors
