"""Data portability (Art. 20 GDPR): the data the person provided, as a ZIP of JSON and CSV.

Which data (documented in ``docs/portability.md``):

* only activities whose legal basis in the register is consent or contract — Art. 6(1)(a) or (b)
  GDPR, read from the activity's ``legal_basis`` ("Art. 6(1)(b) and (f) GDPR"); an activity that
  names (a) or (b) among others counts. Every other activity is refused with its reason: a public
  task or official authority (Art. 6(1)(e): Art. 20(3) sentence 2), or another basis (Art. 20(1)(a));
* only the person's own records (no ``relation``: not rows of others that merely mention them);
* only fields the mapping classifies ``own`` — what the person gave or their use of the service
  produced about them. ``system`` values (internal numbers, stamps), ``reference`` s to other
  people, ``secret`` s and ``free_text`` (which may speak of others, Art. 20(4)) are left out.

The ZIP holds ``data.json`` (format ``dsr-portability/1``), ``schema.json`` (the JSON Schema it
validates against) and one CSV per collection. It is deterministic: the same data and day give
the same bytes (sorted entries, fixed times and attributes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.attachments import Document
from dsr.casefile.documents import attach_document
from dsr.config import Settings, connect
from dsr.model import Classification, CollectionSpec, Gathering, Text
from dsr.pipeline import register as registers
from dsr.pipeline.compose.activities import placeholders
from dsr.service.casework.common import ConnectorsOf
from dsr.service.rectification import register_of, subject_stores

FORMAT = "dsr-portability/1"
DOCUMENT_KIND = "portability"
REFUSAL_KIND = "portability_refusal"
#: the letters of Art. 6(1) GDPR under which the right applies (consent, contract)
PORTABLE = frozenset({"a", "b"})

_EN = re.compile(r"Art\.\s*6\s*\(1\)\s*((?:\([a-f]\)(?:\s*(?:,|and|or|und|oder)\s*)?)+)")
_DE = re.compile(r"Art\.\s*6\s*Abs\.\s*1\s*((?:lit\.\s*)?[a-f](?:\s*(?:,|und|oder)\s*(?:lit\.\s*)?[a-f])*)\b")

REASONS: dict[str, Text] = {
    "public_task": {
        "de": "„{name}“: Das Recht auf Datenübertragbarkeit gilt nicht für eine Verarbeitung, die für die "
        "Wahrnehmung einer Aufgabe im öffentlichen Interesse oder in Ausübung öffentlicher Gewalt erforderlich "
        "ist (Art. 20 Abs. 3 Satz 2 DSGVO). Rechtsgrundlage: {basis}",
        "en": "“{name}”: the right to data portability does not apply to processing necessary for a task "
        "carried out in the public interest or in the exercise of official authority (Art. 20(3) sentence 2 "
        "GDPR). Legal basis: {basis}",
    },
    "other_basis": {
        "de": "„{name}“: Das Recht auf Datenübertragbarkeit besteht nur, wo die Verarbeitung auf Ihrer "
        "Einwilligung oder einem Vertrag beruht (Art. 20 Abs. 1 lit. a DSGVO). Rechtsgrundlage: {basis}",
        "en": "“{name}”: the right to data portability applies only where the processing rests on your consent "
        "or a contract (Art. 20(1)(a) GDPR). Legal basis: {basis}",
    },
}


class Refused(msgspec.Struct, frozen=True, kw_only=True):
    """An activity of the person's records the right does not reach, and why."""

    activity: str
    name: Text
    reason: str  #: public_task | other_basis (a key of :data:`REASONS`)
    basis: Text  #: the register's legal basis


class Portability(msgspec.Struct, frozen=True, kw_only=True):
    content: bytes | None  #: the ZIP; None when no activity of the person's records qualifies
    activities: tuple[str, ...]  #: the activities it covers
    records: int
    refused: tuple[Refused, ...] = ()


def bases(legal_basis: Mapping[str, str]) -> frozenset[str]:
    """The letters of Art. 6(1) GDPR a register's legal basis names ("Art. 6(1)(b) and (f)" → b, f)."""
    found: set[str] = set()
    for m in _EN.finditer(legal_basis.get("en", "")):
        found |= set(re.findall(r"\(([a-f])\)", m.group(1)))
    for m in _DE.finditer(legal_basis.get("de", "")):
        found |= set(re.findall(r"\b([a-f])\b", m.group(1).replace("lit.", "")))
    return frozenset(found)


def _refusal(activity: str, entry: registers.ActivityEntry | None) -> Refused:
    if entry is None:
        return Refused(activity=activity, name={"de": activity, "en": activity}, reason="other_basis", basis={})
    reason = "public_task" if "e" in bases(entry.legal_basis) else "other_basis"
    return Refused(activity=activity, name=entry.name, reason=reason, basis=entry.legal_basis)


def _own(spec: CollectionSpec) -> list[str]:
    return [f.name for f in spec.fields if f.classification is Classification.OWN]


def portable(
    gathering: Gathering, register: registers.Register, *, controller: str, created: dt.date, language: str = "de"
) -> Portability:
    """The ZIP of the person's provided data for consent/contract activities, and what is refused."""
    specs = {(c.store, c.name): c for c in gathering.collections}
    own_records = [r for r in gathering.records if r.relation is None and (r.store, r.collection) in specs]
    activities = sorted({specs[(r.store, r.collection)].activity for r in own_records})
    included = [a for a in activities if (e := register.activity(a)) is not None and bases(e.legal_basis) & PORTABLE]
    refused = tuple(_refusal(a, register.activity(a)) for a in activities if a not in included)
    collections: list[dict[str, Any]] = []
    count = 0
    for (store, name), spec in sorted(specs.items()):
        if spec.activity not in included:
            continue
        columns = _own(spec)
        rows = [
            {f.name: msgspec.to_builtins(f.value) for f in r.fields if f.name in columns}
            for r in sorted(own_records, key=lambda r: r.key)
            if (r.store, r.collection) == (store, name)
        ]
        if not rows or not columns:
            continue
        count += len(rows)
        collections.append(
            {
                "store": store,
                "collection": name,
                "title": _pick(spec.title, language, name),
                "activity": spec.activity,
                "columns": [
                    {"name": f.name, "label": _pick(f.label, language, f.name), "kind": f.kind}
                    for f in spec.fields
                    if f.name in columns
                ],
                "records": rows,
            }
        )
    if not collections:
        return Portability(content=None, activities=(), records=0, refused=refused)
    data = {"format": FORMAT, "controller": controller, "created": created.isoformat(), "collections": collections}
    return Portability(
        content=_zip(data, created),
        activities=tuple(sorted({c["activity"] for c in collections})),
        records=count,
        refused=refused,
    )


def _pick(text: Text, language: str, default: str) -> str:
    return text.get(language) or text.get("de") or next(iter(text.values()), default)


def _csv(collection: dict[str, Any]) -> bytes:
    out = io.StringIO()
    names = [c["name"] for c in collection["columns"]]
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in collection["records"]:
        writer.writerow(["" if row.get(n) is None else _cell(row.get(n)) for n in names])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read UTF-8


def _cell(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _zip(data: dict[str, Any], created: dt.date) -> bytes:
    files = {
        "data.json": json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
        "schema.json": json.dumps(SCHEMA, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
    }
    for c in data["collections"]:
        files[f"csv/{c['store']}-{c['collection']}.csv"] = _csv(c)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=(max(created.year, 1980), created.month, created.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # the same bytes on every platform
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, files[name])
    return out.getvalue()


def refusal_text(refused: tuple[Refused, ...], language: str, placeholders: Mapping[str, str] | None = None) -> str:
    """The reasons, one paragraph per activity, for the letter or the officer. ``placeholders``:
    what the register's ``{land_school_law}`` and the like stand for (the controller's Land)."""

    def filled(text: str) -> str:
        for key, value in (placeholders or {}).items():
            text = text.replace("{" + key + "}", value)
        return text

    return "\n\n".join(
        _pick(REASONS[r.reason], language, "").format(
            name=filled(_pick(r.name, language, r.activity)), basis=filled(_pick(r.basis, language, "—"))
        )
        for r in refused
    )


#: the JSON Schema of ``data.json`` (also in the ZIP and in docs/portability.md)
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://dsr.example/schemas/dsr-portability-1.json",
    "title": "dsr-portability/1: data a person provided (Art. 20 GDPR)",
    "type": "object",
    "required": ["format", "controller", "created", "collections"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "controller": {"type": "string", "description": "the controller's name"},
        "created": {"type": "string", "format": "date"},
        "collections": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["store", "collection", "title", "activity", "columns", "records"],
                "additionalProperties": False,
                "properties": {
                    "store": {"type": "string"},
                    "collection": {"type": "string"},
                    "title": {"type": "string"},
                    "activity": {"type": "string", "description": "the processing activity (register)"},
                    "columns": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "label", "kind"],
                            "additionalProperties": False,
                            "properties": {
                                "name": {"type": "string"},
                                "label": {"type": "string"},
                                "kind": {
                                    "type": "string",
                                    "description": "text, int, date, datetime, money, bool, code",
                                },
                            },
                        },
                    },
                    "records": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "description": "column name → value; dates and times as ISO 8601 text, money as text",
                            "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
                        },
                    },
                },
            },
        },
    },
}


# --------------------------------------------------------------------------- the case


class Made(msgspec.Struct, frozen=True, kw_only=True):
    portability: Portability
    document: int | None  #: the ZIP kept with the case
    refusal: int | None  #: the reasons kept with the case (text)


def make_for_case(
    engine: sa.Engine,
    settings: Settings,
    user: casefile.User | None,
    reference: str,
    *,
    today: dt.date | None = None,
    connectors_of: ConnectorsOf = connect,
) -> Made:
    """Gather the subject, build the ZIP and the reasons for what is refused, keep both with the case."""
    today = today or dt.datetime.now(settings.zone).date()
    with subject_stores(engine, settings, user, reference, connectors_of=connectors_of) as found:
        language = found.case.language or "de"
        controller = found.controller
        made = portable(
            found.gathering,
            register_of(settings, found.controller),
            controller=settings.controller(found.controller).name,
            created=today,
            language=language,
        )
    document = refusal = None
    if made.content is not None:
        document = attach_document(
            engine,
            reference,
            DOCUMENT_KIND,
            Document(
                filename=f"datenuebertragbarkeit-{reference}.zip", media_type="application/zip", content=made.content
            ),
            user=user,
        )
    if made.refused:
        refusal = attach_document(
            engine,
            reference,
            REFUSAL_KIND,
            Document(
                filename="datenuebertragbarkeit-gruende.txt",
                media_type="text/plain; charset=utf-8",
                content=refusal_text(made.refused, language, placeholders(settings.controller(controller))).encode(
                    "utf-8"
                ),
            ),
            user=user,
        )
    return Made(portability=made, document=document, refusal=refusal)
