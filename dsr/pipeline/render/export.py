"""Machine-readable copies of a letter's data: JSON (everything) and CSV (one per collection).

Both are built from the composed :class:`Disclosure`, so they follow the letter's rules: other
people appear only as roles, secrets only as "stored, not shown". Values are typed
(:mod:`dsr.pipeline.compose.typed`): ISO 8601 dates, times in German time with their offset,
numbers (decimals exact), booleans, null where nothing is stored. The JSON has a published
schema, ``docs/disclosure.schema.json``; docs/letter.md describes both formats.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import TypedDict

import msgspec

from dsr.pipeline.compose.letter import Disclosure, Row, Section
from dsr.pipeline.compose.typed import Code, Date, DateTime, Number, Reference, Secret, Typed, in_letter_zone

FORMAT = "dsr-disclosure/2"

#: a typed value as JSON: Decimal is written as a JSON number (see ``_ENCODER``)
JsonValue = None | bool | int | float | Decimal | str | dict[str, object]


class _Cell(TypedDict):
    value: JsonValue
    text: str | None


class _Record(TypedDict):
    fields: dict[str, _Cell]
    relation: str | None
    due_for_erasure: str | None


class _Collection(TypedDict):
    collection: str
    title: str
    description: str | None
    activity: str | None
    category: str | None
    count: int
    columns: list[dict[str, str | None]]
    records: list[_Record]


class _Store(TypedDict):
    store: str
    title: str
    collections: list[_Collection]


# decimals as JSON numbers with every stored digit (12.50 stays 12.50), never a rounded float
_ENCODER = msgspec.json.Encoder(decimal_format="number")


def export_document(letter: Disclosure) -> dict[str, object]:
    """The JSON document: the request, the stores searched, and all records grouped by store."""
    stores: dict[str, _Store] = {}
    for s in letter.sections:
        store = stores.setdefault(s.store, {"store": s.store, "title": s.store_title, "collections": []})
        store["collections"].append(
            {
                "collection": s.collection,
                "title": s.title,
                "description": s.description or None,
                "activity": s.activity or None,
                "category": s.category or None,
                "count": s.size,
                "columns": [
                    {"name": c.name, "label": c.label, "kind": c.kind, "explain": c.explain or None} for c in s.columns
                ],
                "records": [_record(s, row) for row in s.rows],
            }
        )
    return {
        "format": FORMAT,
        "language": letter.language,
        "controller": letter.controller.name,
        # what nobody recorded is null, never a placeholder
        "case_reference": letter.request.case_reference or None,
        "received": _received(letter),
        "letter_date": letter.letter_date_iso.isoformat(),
        "kind": letter.kind,
        "complete": letter.complete,
        "draft": letter.draft,
        "record_count": letter.total_records,
        "searched": [
            {"store": s.store, "title": s.title, "state": s.state, "records": s.records} for s in letter.stores
        ],
        "stores": list(stores.values()),
        "withheld": [{"kind": w.kind, "count": w.count, "ground": w.ground} for w in letter.withheld],
    }


def _received(letter: Disclosure) -> str | None:
    request = letter.request
    if request.received == "unrecorded":
        return None
    if request.received == "day":
        return request.received_at.date().isoformat()
    return in_letter_zone(request.received_at, request.zone).isoformat()


def _record(section: Section, row: Row) -> _Record:
    fields: dict[str, _Cell] = {}
    for column, text, value in zip(section.columns, row.values, typed_data(row), strict=True):
        typed = json_value(value)
        # the letter's placeholder for nothing ("—") is not data: null beside a null value
        fields[column.name] = {"value": typed, "text": None if typed is None else text}
    due = row.due_for_erasure
    return {"fields": fields, "relation": row.relation or None, "due_for_erasure": due.isoformat() if due else None}


_AS_IS = (str, int, bool, float)


def typed_data(row: Row) -> tuple[Typed, ...]:
    """A row's typed values; a row composed without them (by hand) gives its texts as text."""
    return row.data if row.data or not row.values else tuple(v or None for v in row.values)


def json_value(value: Typed) -> JsonValue:
    """A typed value as it stands in disclosure.json."""
    if value is None or isinstance(value, _AS_IS):  # most values: no pattern to try
        return value
    match value:
        case Date(day):
            return day.isoformat()
        case DateTime(moment):
            return moment.isoformat()
        case Number(number):
            return number
        case Reference(subject=True):
            return {"subject": True}
        case Reference(role=role, label=label, name=name):
            who: dict[str, object] = {"role": role, "label": label}
            if name:
                who["name"] = name
            return who
        case Secret():
            return {"secret": True}
        case Code(code=code, meaning=meaning):
            return {"code": code, "meaning": meaning}
    return value


def export_json(letter: Disclosure) -> bytes:
    """UTF-8 JSON, keys in a fixed order, so identical letters give identical bytes."""
    return msgspec.json.format(_ENCODER.encode(export_document(letter)), indent=2) + b"\n"


def csv_name(section: Section) -> str:
    return f"{section.store}-{section.collection}.csv"


#: kinds whose values are more than one scalar: the CSV adds a ``<name>.text`` column with the words
_WITH_TEXT = ("reference", "code", "secret")


def export_csv(section: Section, *, bom: bool = False) -> bytes:
    """One collection as CSV (UTF-8, RFC 4180): the first row names the columns as the JSON does,
    every cell is typed as in the JSON. ``bom``: start with a byte-order mark, which some
    spreadsheet programs need to read UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with_relation = any(r.relation for r in section.rows)
    header: list[str] = []
    for c in section.columns:
        header += [c.name, f"{c.name}.text"] if c.kind in _WITH_TEXT else [c.name]
    writer.writerow(header + (["relation"] if with_relation else []))
    for row in section.rows:
        cells: list[str] = []
        for c, text, value in zip(section.columns, row.values, typed_data(row), strict=True):
            cells.append(csv_cell(value))
            if c.kind in _WITH_TEXT:
                cells.append("" if value is None else _guarded(text))
        writer.writerow(cells + ([_guarded(row.relation)] if with_relation else []))
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def csv_cell(value: Typed) -> str:
    """A typed value as one CSV cell: ISO 8601 dates and times, numbers with a decimal point,
    true/false, empty for null; a reference is "subject" or the role key, a secret "secret", a
    code its stored value."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case int() | float():
            return repr(value)
        case Number(number):
            return format(number, "f")  # never 1E+3: spreadsheets and parsers read plain digits
        case Date(day):
            return day.isoformat()
        case DateTime(moment):
            return moment.isoformat()
        case Reference(subject=True):
            return "subject"
        case Reference(role=role):
            return role or "other_person"
        case Secret():
            return "secret"
        case Code(code=code):
            return _guarded(str(code))
    return _guarded(str(value))


def _guarded(text: str) -> str:
    # A text starting with =, +, -, @ (or tab / carriage return) would run as a formula in a
    # spreadsheet (CSV injection); a leading apostrophe makes it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
