"""The names of the subject's relatives, for references the mapping marks with ``relative``.

A pupil may see who is recorded as their parent, a parent which of their children a record is
about. The record holds only the child's key; the name is looked up in the people entry that
keys people without a prefix (James: ``person``), one query per collection for all its keys.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from dsr_connectors.sql.database import Database, bind_values, text_of
from dsr_connectors.sql.mapping import Column, People


class Relatives:
    """Names by person key, fetched on demand and kept for one walk."""

    def __init__(self, db: Database, people: Iterable[People], conn: sa.Connection) -> None:
        self.db = db
        self.conn = conn
        self.source = next((p for p in people if not p.key_prefix and (p.first_name or p.full_name)), None)
        self.names: dict[str, tuple[str | None, str | None]] = {}  #: key → (first name, full name)

    def fetch(self, keys: Iterable[object]) -> None:
        """Look up the names of ``keys`` not looked up yet (one batched query)."""
        source = self.source
        wanted = {text_of(k) for k in keys if k is not None} - set(self.names)
        if source is None or not wanted:
            return
        table = self.db.table(source.table)
        key = self.db.column(source.table, source.key)
        columns = [c for c in (source.first_name, source.last_name, source.full_name) if c]
        for k in wanted:
            self.names[k] = (None, None)  # a key nobody has stays unnamed
        values = bind_values(key, sorted(wanted))
        for start in range(0, len(values), 500):
            stmt = sa.select(key, *(table.c[c] for c in columns)).where(key.in_(values[start : start + 500]))
            for row in self.conn.execute(stmt).mappings():
                self.names[text_of(row[source.key])] = self._names(source, row)

    def name(self, column: Column, value: object) -> str | None:
        """The relative's name a ``relative`` column's value stands for (None: nobody, or no name)."""
        if value is None:
            return None
        if column.holds == "name":
            return " ".join(str(value).split()) or None  # the column holds the (full) name itself
        first, full = self.names.get(text_of(value), (None, None))
        return first if column.relative == "first_name" else full

    @staticmethod
    def _names(source: People, row: sa.RowMapping) -> tuple[str | None, str | None]:
        def get(column: str | None) -> str | None:
            value = row[column] if column else None
            return (" ".join(str(value).split()) or None) if value is not None else None

        first, last, full = get(source.first_name), get(source.last_name), get(source.full_name)
        full = full or " ".join(p for p in (first, last) if p) or None
        return first or (full.split()[0] if full else None), full
