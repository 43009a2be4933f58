"""Machine-readable copies of a letter's data: JSON (everything) and CSV (one per collection).

Both are built from the composed :class:`Disclosure`, so they follow the letter's rules: other
people appear only as role labels, secrets only as "stored, not shown".
"""

from __future__ import annotations

import csv
import io
from typing import TypedDict

import msgspec

from dsr.pipeline.compose.letter import Disclosure, Section


class _Collection(TypedDict):
    collection: str
    title: str
    activity: str
    category: str
    columns: list[dict[str, str]]
    records: list[dict[str, str]]


class _Store(TypedDict):
    store: str
    title: str
    collections: list[_Collection]


def export_document(letter: Disclosure) -> dict[str, object]:
    """The JSON document: the request, the stores searched, and all records grouped by store."""
    stores: dict[str, _Store] = {}
    for s in letter.sections:
        store = stores.setdefault(s.store, {"store": s.store, "title": s.store_title, "collections": []})
        store["collections"].append(
            {
                "collection": s.collection,
                "title": s.title,
                "activity": s.activity,
                "category": s.category,
                "columns": [{"name": c.name, "label": c.label} for c in s.columns],
                "records": [_record(s, row.values, row.relation) for row in s.rows],
            }
        )
    return {
        "format": "dsr-disclosure/1",
        "language": letter.language,
        "controller": letter.controller.name,
        # what nobody recorded is null, never a placeholder
        "case_reference": letter.request.case_reference or None,
        "received": _received(letter),
        "letter_date": letter.letter_date_iso.isoformat(),
        "kind": letter.kind,
        "complete": letter.complete,
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
    return request.received_at.isoformat()


def _record(section: Section, values: tuple[str, ...], relation: str) -> dict[str, str]:
    record = {c.name: v for c, v in zip(section.columns, values, strict=True)}
    if relation:
        record["_relation"] = relation
    return record


def export_json(letter: Disclosure) -> bytes:
    """UTF-8 JSON, keys in a fixed order, so identical letters give identical bytes."""
    return msgspec.json.format(msgspec.json.encode(export_document(letter)), indent=2) + b"\n"


def csv_name(section: Section) -> str:
    return f"{section.store}-{section.collection}.csv"


def export_csv(section: Section) -> bytes:
    """One collection as CSV with the column labels as header (UTF-8 with BOM, for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with_relation = any(r.relation for r in section.rows)
    writer.writerow([c.label for c in section.columns] + (["relation"] if with_relation else []))
    for row in section.rows:
        writer.writerow([_cell(v) for v in row.values] + ([row.relation] if with_relation else []))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    # A leading =, +, - or @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") and value != "—" else value
