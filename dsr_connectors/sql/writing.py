"""The SQL connector's write side: erasure, restriction and rectification as the mapping declares
them (``[collections.X.erase]``, ``restrict``, ``rectify``, ``holds``; docs/mapping.md).

A batch of steps runs in one transaction: every step, or (on any refusal) none. A step names its
row as the gather named it (:class:`dsr.writing.Target`: the collection and the record key), so the
row is found again by the same rules (``records.record_key``). Every UPDATE or DELETE must hit
exactly that one row, or the batch is rolled back.

Within a batch, rows are written before rows are deleted, and rows are deleted children first (a
notice before the fee it is about): a foreign key never sees a half-done erasure.

Messages name store, collection and key, never a value: they end up in logs and on the case page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dsr.model import Value
from dsr.writing import (
    Applied,
    EraseAction,
    RestrictHow,
    Step,
    StepAction,
    StoreWriter,
    Target,
    WriteError,
    WriteRules,
)
from dsr_connectors.sql.database import column_value, is_unique, unique_column_sets
from dsr_connectors.sql.mapping import CollectionMapping
from dsr_connectors.sql.mapping import Mapping as DatasetMapping
from dsr_connectors.sql.records import identity, record_key, value_of
from dsr_connectors.sql.write_rules import NOT_NULL, NULL

#: James stores local times without a zone: an erasure's stamp is written the same way
ZONE = ZoneInfo("Europe/Berlin")
_DIGEST = re.compile(r"#[0-9a-f]{12}(-\d+)?$")


class SQLWriter(StoreWriter):
    """Writes one SQL store as its mapping's write declarations allow."""

    def __init__(self, store: str, engine: sa.Engine, mapping: DatasetMapping, zone: ZoneInfo = ZONE) -> None:
        super().__init__(store)
        self.engine = engine
        self.mapping = mapping
        self.zone = zone
        self.rules_ = mapping.write_rules(store)
        self.collections = {c.name: c for c in mapping.collections}
        self._tables: dict[str, sa.Table] | None = None
        self._rank: dict[str, int] = {}

    def rules(self) -> Mapping[str, WriteRules]:
        return self.rules_

    # ------------------------------------------------------------------ the schema

    def _table(self, name: str) -> sa.Table:
        if self._tables is None:
            meta = sa.MetaData()
            try:
                meta.reflect(self.engine, only=sorted(self.mapping.tables()))
            except sa.exc.SQLAlchemyError as exc:
                raise WriteError(f"{self.store}: cannot read the database schema ({type(exc).__name__})") from None
            self._tables = dict(meta.tables)
            # children before parents: a row is deleted before the row it points at
            self._rank = {t.name: i for i, t in enumerate(reversed(meta.sorted_tables))}
        if name not in self._tables:
            raise WriteError(f"{self.store}: mapped table {name!r} missing in the database (run dsr check)")
        return self._tables[name]

    def _rule(self, t: Target) -> tuple[WriteRules, CollectionMapping]:
        rule = self.rules_.get(t.collection)
        if t.store != self.store or rule is None:
            raise WriteError(f"{t.store}.{t.collection} {t.key}: no write rules declared for this collection")
        return rule, self.collections[t.collection]

    # ------------------------------------------------------------------ finding a record's row

    def _locate(
        self, conn: sa.Connection, t: Target, extra: Sequence[sa.ColumnElement[Any]] = ()
    ) -> tuple[sa.RowMapping, list[sa.ColumnElement[bool]]] | None:
        """The row of ``t`` and a WHERE clause that hits it alone; None when it is gone."""
        coll = self.collections[t.collection]
        table = self._table(coll.table)
        unique = is_unique(coll.key, unique_column_sets(table))
        text = _DIGEST.sub("", t.key) if (not unique or _DIGEST.search(t.key)) else t.key
        parts = split_key(text, len(coll.key))
        if parts is None:
            return None
        where: list[sa.ColumnElement[bool]] = []
        for name, part in zip(coll.key, parts, strict=True):
            value = _bound(table.c[name], part)
            if value is _UNFIT:
                return None
            where.append(table.c[name] == value)
        rows = list(conn.execute(sa.select(table, *extra).where(*where)).mappings())
        named = [n for n in table.c.keys()]
        hits = []
        copies: dict[tuple[str, str], int] = {}
        for row in rows:
            own = {n: row[n] for n in named}
            ident = identity(own, coll.key, unique)
            copy = copies.get(ident, 0)
            copies[ident] = copy + 1
            if record_key(ident, own, coll.key, copy) == t.key:
                hits.append((row, ident))
        if not hits:
            return None
        row, ident = hits[0]
        if ident[0] == "row":
            if copies[ident] > 1:
                raise WriteError(
                    f"{t.store}.{t.collection} {t.key}: rows alike in every column cannot be told apart (no key)"
                )
            where = [table.c[n].is_(None) if row[n] is None else table.c[n] == row[n] for n in named]
        return row, where

    # ------------------------------------------------------------------ reading

    def holds(self, targets: Sequence[Target]) -> dict[Target, tuple[str, ...]]:
        out: dict[Target, tuple[str, ...]] = {}
        asked = [t for t in targets if t.store == self.store and self.rules_.get(t.collection, None)]
        with self._errors(None), self.engine.connect() as conn:
            for t in asked:
                rule, coll = self._rule(t)
                if not rule.holds:
                    continue
                table = self._table(coll.table)
                flags = [
                    sa.case((sa.and_(*_conditions(table, h.when)), 1), else_=0).label(f"_hold_{i}")
                    for i, h in enumerate(rule.holds)
                ]
                found = self._locate(conn, t, flags)
                if found is None:
                    continue
                kinds = tuple(dict.fromkeys(h.kind for i, h in enumerate(rule.holds) if found[0][f"_hold_{i}"]))
                if kinds:
                    out[t] = kinds
        return out

    def current(self, target: Target, columns: Sequence[str]) -> dict[str, Value]:
        _, coll = self._rule(target)
        unknown = [c for c in columns if c not in coll.raw.columns]
        if unknown:
            raise WriteError(f"{target.store}.{target.collection} {target.key}: not columns of it: {sorted(unknown)}")
        with self._errors(target), self.engine.connect() as conn:
            found = self._locate(conn, target)
        if found is None:
            return {}
        return {c: value_of(coll.raw.columns[c], found[0][c]) for c in columns}

    # ------------------------------------------------------------------ writing

    def apply(self, steps: Sequence[Step]) -> list[Applied]:
        for s in steps:
            self._rule(s.target)  # refuse an undeclared collection before anything is written
        done: dict[int, Applied] = {}
        now = dt.datetime.now(self.zone).replace(tzinfo=None, microsecond=0)
        with self._errors(None), self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":  # enforce foreign keys as the other databases do
                conn.exec_driver_sql("PRAGMA foreign_keys = ON")
                conn.commit()
            with conn.begin():
                for i in self._order(steps):
                    with self._errors(steps[i].target):
                        done[i] = self._step(conn, steps[i], now)
        return [done[i] for i in range(len(steps))]

    def _order(self, steps: Sequence[Step]) -> list[int]:
        """Writes first, in the given order; then deletes, children before parents."""

        def deletes(s: Step) -> bool:
            return s.action is StepAction.ERASE and self._rule(s.target)[0].erase.action is EraseAction.DELETE

        for s in steps:
            self._table(self._rule(s.target)[1].table)  # reflect once, and know every table's rank
        writes = [i for i, s in enumerate(steps) if not deletes(s)]
        drops = [i for i, s in enumerate(steps) if deletes(s)]
        drops.sort(key=lambda i: self._rank.get(self._rule(steps[i].target)[1].table, 0))
        return writes + drops

    def _step(self, conn: sa.Connection, step: Step, now: dt.datetime) -> Applied:
        t = step.target
        rule, coll = self._rule(t)
        table = self._table(coll.table)
        if step.action is StepAction.ERASE and rule.erase.action in (EraseAction.NONE, EraseAction.EXPIRES):
            raise WriteError(f"{t.store}.{t.collection} {t.key}: cannot be erased by dsr ({rule.erase.action.value})")
        found = self._locate(conn, t)
        if found is None:
            if step.action is StepAction.RECTIFY:
                self._rectified(t, rule, step.values, table)  # refuse undeclared columns even so
            return Applied(step=step, changed=False, missing=True)
        row, where = found
        if step.action is StepAction.ERASE:
            action = rule.erase.action
            if action is EraseAction.DELETE:
                self._hit(conn, t, sa.delete(table).where(*where))
                return Applied(step=step, changed=True)
            # anonymise or overwrite (none and expires were refused above)
            wanted = {c: _fit(t, table.c[c], v) for c, v in rule.erase.columns.items()}
            stamps = dict.fromkeys(rule.erase.stamp, now)
            return self._write(conn, step, table, row, where, wanted, stamps)
        if step.action in (StepAction.RESTRICT, StepAction.LIFT):
            r = rule.restrict
            if r.how is RestrictHow.LIST or r.column is None:
                return Applied(step=step, changed=False)  # dsr's own restriction list: nothing in the store
            value = r.value if step.action is StepAction.RESTRICT else r.lifted
            return self._write(conn, step, table, row, where, {r.column: _fit(t, table.c[r.column], value)}, {})
        wanted = self._rectified(t, rule, step.values, table)
        return self._write(conn, step, table, row, where, wanted, {})

    @staticmethod
    def _rectified(t: Target, rule: WriteRules, values: Mapping[str, Value], table: sa.Table) -> dict[str, Any]:
        refused = sorted(set(values) - set(rule.rectify))
        if refused:
            raise WriteError(f"{t.store}.{t.collection} {t.key}: columns not open to rectification: {refused}")
        return {c: _fit(t, table.c[c], v) for c, v in values.items()}

    def _write(
        self,
        conn: sa.Connection,
        step: Step,
        table: sa.Table,
        row: sa.RowMapping,
        where: list[sa.ColumnElement[bool]],
        wanted: dict[str, Any],
        stamps: dict[str, dt.datetime],
    ) -> Applied:
        """Set ``wanted`` (and ``stamps``) unless the row already holds it: a second run changes nothing."""
        if all(_same(table.c[c], row[c], v) for c, v in wanted.items()):
            return Applied(step=step, changed=False)
        self._hit(conn, step.target, sa.update(table).where(*where).values(**wanted, **stamps))
        return Applied(step=step, changed=True)

    def _hit(self, conn: sa.Connection, t: Target, stmt: sa.Update | sa.Delete) -> None:
        count = conn.execute(stmt).rowcount
        if count != 1:
            raise WriteError(f"{t.store}.{t.collection} {t.key}: the statement would change {count} rows, not one")

    @contextmanager
    def _errors(self, t: Target | None) -> Iterator[None]:
        """Database errors as WriteError naming the record, never the SQL (its parameters are personal data)."""
        where = f"{t.store}.{t.collection} {t.key}" if t else self.store
        try:
            yield
        except WriteError:
            raise
        except sa.exc.IntegrityError as exc:
            raise WriteError(
                f"{where}: refused by the database ({_kind(exc)}): another row still points at it, "
                "or a column that must hold a value would be empty"
            ) from None
        except sa.exc.SQLAlchemyError as exc:
            raise WriteError(f"{where}: database error ({_kind(exc)})") from None


def _kind(exc: sa.exc.SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return type(orig).__name__ if orig is not None else type(exc).__name__


def split_key(text: str, parts: int) -> list[str] | None:
    """A record key's parts (``records.key_text`` joins a composite key with ``/``, escaping ``/``)."""
    if parts == 1:
        return [text]
    out, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "/":
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return out if len(out) == parts else None


_UNFIT = object()


def _bound(column: sa.Column[Any], text: str) -> Any:
    try:
        return column_value(column.type, text)
    except (ValueError, TypeError, InvalidOperation):
        return _UNFIT


def _fit(t: Target, column: sa.Column[Any], value: Any) -> Any:
    """``value`` as ``column`` stores it; a value that cannot be is refused (naming the column only)."""
    if value is None:
        return None
    try:
        if isinstance(column.type, sa.Boolean):
            if isinstance(value, str):
                if value.strip().lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                return value.strip().lower() in ("true", "1")
            return bool(value)
        if isinstance(value, bool) and isinstance(column.type, sa.Integer):
            return int(value)  # MariaDB's BOOLEAN is TINYINT(1)
        if isinstance(column.type, sa.DateTime) and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, dt.time())
        return column_value(column.type, value)
    except (ValueError, TypeError, InvalidOperation):
        raise WriteError(
            f"{t.store}.{t.collection} {t.key}: the value for {column.name} does not fit the column"
        ) from None


def _same(column: sa.Column[Any], stored: Any, wanted: Any) -> bool:
    if stored is None or wanted is None:
        return stored is None and wanted is None
    if isinstance(column.type, sa.Boolean) or isinstance(wanted, bool):
        return bool(int(stored)) == bool(wanted)
    if isinstance(wanted, dt.datetime) and isinstance(stored, dt.datetime):
        return stored.replace(tzinfo=None) == wanted.replace(tzinfo=None)
    return bool(stored == wanted)


def _conditions(table: sa.Table, when: Mapping[str, Value]) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    for name, value in when.items():
        col = table.c[name]
        if value == NULL:
            out.append(col.is_(None))
        elif value == NOT_NULL:
            out.append(col.is_not(None))
        else:
            fitted = _bound(col, value) if isinstance(value, str) else value
            out.append(col == (None if fitted is _UNFIT else fitted))
    return out
