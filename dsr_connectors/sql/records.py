"""Walk a mapping's collections for one subject and turn rows into Records.

Collections run in dependency order; each alternative of a collection is one batched query
(``IN`` lists of the subject's keys or of an earlier collection's values), so the number of
statements depends on the mapping, not on how many rows the subject has.

A row found by several alternatives is one record; two rows are two records, even when they
share the mapping's key. Where the schema promises the key is unique (primary key, unique
constraint or unique index), a record's key is the key's value; where it does not, the row's
content is added (``17#3f2a…``), so rows sharing a key stay apart, each with a stable key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from collections.abc import Mapping as RowLike
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import sqlalchemy as sa

from dsr.model import Classification, Field, IdentifierKind, Record, Subject, Value
from dsr.pipeline.identify import normalise_email, normalise_name
from dsr_connectors.sql.database import Database, text_of
from dsr_connectors.sql.mapping import CollectionMapping, Column, Guard, Mapping, Match
from dsr_connectors.sql.relatives import Relatives


class SubjectView:
    """What the subject is, as comparisons in this store need it."""

    def __init__(self, store: str, subject: Subject) -> None:
        self.keys = set(subject.keys(store))
        self.emails = set(subject.values(IdentifierKind.EMAIL))
        names = set(subject.values(IdentifierKind.NAME))
        if subject.profile.name:
            names.add(normalise_name(subject.profile.name, None))
        self.names = names
        self.ips = {_address(v) for v in subject.values(IdentifierKind.IP)}
        self.subject = subject

    def values(self, m: Match) -> list[str]:
        if m.source.kind == "key":
            return sorted(self.keys)
        assert m.source.identifier is not None
        return list(self.subject.values(m.source.identifier))

    def is_subject(self, column: Column, value: Any) -> bool:
        if value is None:
            return False
        if column.holds == "key":
            return text_of(value) in self.keys
        if column.holds == "email":
            return bool(_emails(value) & self.emails)
        if column.holds == "name":
            return normalise_name(str(value), None) in self.names
        if column.holds == "ip":
            return _address(value) in self.ips
        return False


def walk(db: Database, mapping: Mapping, store: str, subject: Subject, conn: sa.Connection) -> Iterator[Record]:
    view = SubjectView(store, subject)
    relatives = Relatives(db, mapping.people, conn)
    found: dict[str, list[sa.RowMapping]] = {}
    key_columns = {c.name: c.key for c in mapping.collections}
    for coll in mapping.collections:
        if coll.guards and not any(_holds(g, found) for g in coll.guards):
            found[coll.name] = []
            continue
        unique = db.unique(coll.table, coll.key)
        rows: dict[tuple[str, str], tuple[sa.RowMapping, str | None]] = {}
        copies: Counter[tuple[str, str]] = Counter()
        for alt in coll.alternatives:
            # each alternative is one pass over the table: a row it yields twice is two equal rows
            # (a table without a unique key may hold those); a row several alternatives yield is one
            seen: Counter[tuple[str, str]] = Counter()
            for row, relation in _alternative(db, coll, alt, view, found, key_columns, conn):
                ident = identity(row, coll.key, unique)
                rows.setdefault(ident, (row, relation))
                seen[ident] += 1
            copies |= seen  # the larger count of each
        found[coll.name] = []
        named = [n for n, c in coll.raw.columns.items() if c.relative and c.holds == "key"]
        relatives.fetch(row[n] for row, _ in rows.values() for n in named)
        for ident, (row, relation) in rows.items():
            for copy in range(copies[ident] if ident[0] == "row" else 1):
                found[coll.name].append(row)
                key = record_key(ident, row, coll.key, copy)
                yield _record(store, coll, key, row, relation, view, relatives)


def key_text(row: RowLike[Any, Any], columns: Sequence[str]) -> str:
    """The key of a row as text; a composite key's parts joined by ``/`` (``/`` in a part escaped)."""
    if len(columns) == 1:
        return text_of(row[columns[0]])
    return "/".join(text_of(row[c]).replace("\\", "\\\\").replace("/", "\\/") for c in columns)


def identity(row: RowLike[Any, Any], columns: Sequence[str], unique: bool) -> tuple[str, str]:
    """What makes a row this row: its key where the schema makes the key unique, else its content.

    A unique index lets several rows have NULL in the key: those are told apart by content too.
    """
    if unique and all(row[c] is not None for c in columns):
        return ("key", key_text(row, columns))
    content = "\x1f".join(f"{name}\x1e" if v is None else f"{name}={text_of(v)}" for name, v in sorted(row.items()))
    return ("row", content)


def record_key(identity: tuple[str, str], row: RowLike[Any, Any], columns: Sequence[str], copy: int) -> str:
    kind, value = identity
    if kind == "key":
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{key_text(row, columns)}#{digest}" + (f"-{copy + 1}" if copy else "")


def _holds(g: Guard, found: dict[str, list[sa.RowMapping]]) -> bool:
    for row in found.get(g.collection, ()):
        v = row[g.column]
        if g.value is None and v not in (None, ""):
            return True
        if g.value is not None and v is not None and text_of(v) == g.value:
            return True
    return False


def _alternative(
    db: Database,
    coll: CollectionMapping,
    alt: Sequence[Match],
    view: SubjectView,
    found: dict[str, list[sa.RowMapping]],
    key_columns: dict[str, tuple[str, ...]],
    conn: sa.Connection,
) -> Iterator[tuple[sa.RowMapping, str | None]]:
    direct = [m for m in alt if m.source.kind != "collection"]
    linked = [m for m in alt if m.source.kind == "collection"]
    parents: list[sa.RowMapping] = []
    parent_coll = linked[0].source.collection if linked else None
    if parent_coll:
        parents = [p for p in found[parent_coll] if all(p[_parent_column(m)] is not None for m in linked)]
        if not parents:
            return
    conditions = [(m.column, view.values(m), m.compare == "casefold") for m in direct if m.in_sql]
    conditions += [
        (m.column, [p[_parent_column(m)] for p in parents], m.compare == "casefold") for m in linked if m.in_sql
    ]
    rows = db.select_in(conn, coll.table, conditions)
    # compare in Python too: collations differ (MariaDB ignores case), and name / e-mail-list
    # comparisons cannot be done in SQL portably. Parents are indexed by their normalised
    # values, so a row costs one look-up, not a pass over all parent rows.
    wanted = [(m, {n for v in view.values(m) for n in _normal(m.compare, v)}) for m in direct if not m.in_sql]
    index: dict[tuple[str, ...], str] = {}
    for p in parents:
        for combo in itertools.product(*(_normal(m.compare, p[_parent_column(m)]) for m in linked)):
            index.setdefault(combo, key_text(p, key_columns[parent_coll]) if parent_coll else "")
    for row in rows:
        if not all(_normal(m.compare, row[m.column]) & values for m, values in wanted):
            continue
        if not parent_coll:
            yield row, coll.raw.relation
            continue
        for combo in itertools.product(*(sorted(_normal(m.compare, row[m.column])) for m in linked)):
            if combo in index:
                yield row, f"{parent_coll} {index[combo]}"
                break


def _parent_column(m: Match) -> str:
    # a condition on another collection always names its column (mapping._source)
    return cast(str, m.source.column)


def _normal(mode: str, value: Any) -> set[str]:
    """The forms of a value that compare equal under ``mode``."""
    if value is None:
        return set()
    if mode == "name":
        return {normalise_name(str(value), None)}
    if mode == "email_in":
        return _emails(value)
    if isinstance(value, str):
        return {value.casefold()}  # MariaDB compares text case-insensitively: be the same everywhere
    return {text_of(value)}


def _emails(value: Any) -> set[str]:
    """The addresses in a stored e-mail field (it may hold a list: "a@x.de, b@y.de")."""
    text = str(value).replace(";", ",")
    return {normalise_email(p) for p in text.split(",") if p.strip()}


def _record(
    store: str,
    coll: CollectionMapping,
    key: str,
    row: sa.RowMapping,
    relation: str | None,
    view: SubjectView,
    relatives: Relatives,
) -> Record:
    others = _other_party(coll, row, view)
    omitted = others if coll.raw.other_party and coll.raw.other_party.handling == "omitted" else frozenset()
    fields = []
    for name, column in coll.raw.columns.items():
        if name in omitted:
            continue  # not the subject's data: it does not leave the connector
        value = value_of(column, row[name])
        classification = column.class_
        is_subject = False
        relative = None
        if classification is Classification.REFERENCE and column.holds == "ip" and view.is_subject(column, row[name]):
            classification = Classification.OWN  # the subject's own address: shown as it is
        elif classification is Classification.REFERENCE:
            if column.relative:
                # a parent or child is somebody else, even one who bears the subject's very name
                relative = relatives.name(column, row[name])
            else:
                is_subject = view.is_subject(column, row[name])
            if column.holds != "key" and not is_subject and value is not None:
                value = True  # another person's name or address never leaves the connector
        elif classification is Classification.SECRET:
            value = True if value not in (None, "") else None  # that it exists, never what it is
        fields.append(Field(name, value, classification, is_subject, relative))
    restricted = any(row[c] is not None for c in coll.raw.restricted_when)
    held = tuple(f.name for f in fields if f.name in others and f.value not in (None, ""))
    return Record(
        store=store,
        collection=coll.name,
        key=key,
        fields=tuple(fields),
        relation=relation,
        restricted=restricted,
        restricted_fields=held,
    )


def _other_party(coll: CollectionMapping, row: sa.RowMapping, view: SubjectView) -> frozenset[str]:
    """The columns of ``row`` that hold another party's data (none where that party is the subject)."""
    o = coll.raw.other_party
    if o is None:
        return frozenset()
    if o.person is not None and view.is_subject(coll.raw.columns[o.person], row[o.person]):
        return frozenset()
    return frozenset(o.columns)


def _address(value: Any) -> str:
    """An IP address in one written form (IPv6 compressed), or the text as it is."""
    text = str(value).strip()
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return text


def value_of(column: Column, v: Any) -> Value:
    """A stored value in the Python type its kind promises (drivers differ: SQLite dates are text)."""
    if v is None:
        return None
    try:
        if column.kind == "bool":
            return v if isinstance(v, bool) else bool(int(v))
        if column.kind == "int":
            return int(v)
        if column.kind == "money":
            return v if isinstance(v, Decimal) else Decimal(str(v))
        if column.kind == "datetime":
            return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))
        if column.kind == "date":
            if isinstance(v, dt.datetime):
                return v.date()
            return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
    except (ValueError, TypeError, InvalidOperation):
        return text_of(v)  # unexpected shape: disclose as stored rather than lose it
    if isinstance(v, (str, int, float, bool, dt.date, Decimal)):
        return v
    return text_of(v)
