"""One stored value as data for the machine-readable copy (``disclosure.json``, the CSVs).

The same rules as the printed text (:mod:`dsr.pipeline.compose.values`) decide first: a REFERENCE
never gives its stored value (another person's id), only the role or that it is the reader; a
SECRET gives only that it exists; a coded value gives its code with the explanation. What is
left keeps its type: dates, times in local time (``[dsr] timezone``) with their offset, numbers (decimals exact),
booleans, and None where nothing is stored — never a placeholder such as "—" or "Sie".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import msgspec

from dsr.config import DEFAULT_ZONE
from dsr.model import Classification, Field, FieldSpec, Value
from dsr.pipeline.compose.values import RelationshipNames
from dsr.pipeline.compose.wording import Wording, pick


class Reference(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, tag="reference"):
    """Somebody a record points at, without their stored id: ``subject`` for the reader, else the
    role key and its words (and a relative's name where the letter shows it)."""

    subject: bool = False
    role: str | None = None
    label: str | None = None
    name: str | None = None


class Secret(msgspec.Struct, frozen=True, kw_only=True, tag="secret"):
    """A value that is stored but never shown (a password hash)."""


class Code(msgspec.Struct, frozen=True, kw_only=True, tag="code"):
    """A stored code and what it means (None where the mapping does not explain that code)."""

    code: str | int
    meaning: str | None


# Dates, times and decimals are wrapped: a composed letter encodes and decodes with msgspec (it
# is kept as it was sent), and msgspec cannot tell a date from a text in an untagged union.


class Date(msgspec.Struct, frozen=True, tag="date"):
    value: dt.date


class DateTime(msgspec.Struct, frozen=True, tag="datetime"):
    """An aware time in the reader's local time (``[dsr] timezone``)."""

    value: dt.datetime


class Number(msgspec.Struct, frozen=True, tag="decimal"):
    """A decimal number (money included), exact as stored."""

    value: Decimal


#: what a field gives the machine-readable copy
Typed = None | bool | int | float | str | Date | DateTime | Number | Reference | Secret | Code

#: the shapes a column's values take (``Column.kind``); see docs/disclosure.schema.json
KINDS = ("text", "int", "decimal", "money", "bool", "date", "datetime", "code", "reference", "secret", "mixed")


def typed_value(
    field: Field | None,
    spec: FieldSpec | None,
    words: Wording,
    relationships: RelationshipNames = RelationshipNames.SHOWN,
) -> Typed:
    """The value of one field as data; ``field`` None when the record lacks the column."""
    if field is None:
        return None
    if field.classification is Classification.REFERENCE:
        if field.is_subject:
            return Reference(subject=True)
        if field.value is None or field.value == "":
            return None
        role = spec.role if spec else None
        label = words.get("roles", role, words.value("other_person"))
        shown = field.relative if relationships is RelationshipNames.SHOWN else None
        return Reference(role=role, label=label, name=shown or None)
    if field.value is None or field.value == "":
        return None
    if field.classification is Classification.SECRET:
        return Secret()
    return _plain(field.value, spec, words)


def _plain(value: Value, spec: FieldSpec | None, words: Wording) -> Typed:
    if spec is not None and spec.codes:
        meaning = spec.codes.get(code_key(value))
        code = value if isinstance(value, (str, int)) and not isinstance(value, bool) else code_key(value)
        return Code(code=code, meaning=pick(meaning, words.language) or None)
    kind = spec.kind if spec else "text"
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return DateTime(in_letter_zone(value, words.zone))
    if isinstance(value, dt.date):
        return Date(value)
    if kind == "bool" and isinstance(value, int):
        return bool(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)  # JSON has no NaN / infinity
        # money as the letter prints it: the decimal the float was written as, not its binary expansion
        return Number(Decimal(str(value))) if kind == "money" else value
    if isinstance(value, Decimal):
        return Number(value) if value.is_finite() else str(value)
    return value


def in_letter_zone(value: dt.datetime, zone: ZoneInfo = DEFAULT_ZONE) -> dt.datetime:
    """An aware time in ``zone`` (``[dsr] timezone``); a naive one is taken as local time already
    (as the letter does)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def column_kinds(specs: Sequence[FieldSpec], rows: Iterable[Sequence[Typed]]) -> tuple[str, ...]:
    """The shape of each column's typed values (``Column.kind``, one of :data:`KINDS`).

    The values decide: a field's own classification may differ from its column's (the reader's
    own address in a column of other people's), and a mapping may declare no kind at all. Where
    no record holds a value, the mapping's declaration; several shapes in one column: "mixed"."""
    seen: list[set[str]] = [set() for _ in specs]
    for row in rows:
        for kinds, value in zip(seen, row, strict=True):
            if value is not None:
                kinds.add(_kind_of(value))
    return tuple(_column_kind(spec, kinds) for spec, kinds in zip(specs, seen, strict=True))


def _column_kind(spec: FieldSpec, seen: set[str]) -> str:
    if seen and seen <= {"int", "decimal"}:
        if spec.kind == "money":
            return "money"
        return "decimal" if "decimal" in seen else "int"
    if len(seen) == 1:
        return seen.pop()
    if seen:
        return "mixed"
    if spec.classification is Classification.REFERENCE:
        return "reference"
    if spec.classification is Classification.SECRET:
        return "secret"
    if spec.codes:
        return "code"
    # a declared "code" without explanations gives plain values
    return spec.kind if spec.kind in KINDS and spec.kind not in ("code", "mixed") else "text"


def _kind_of(value: Typed) -> str:
    match value:
        case Reference():
            return "reference"
        case Secret():
            return "secret"
        case Code():
            return "code"
        case bool():
            return "bool"
        case int():
            return "int"
        case float() | Number():
            return "decimal"
        case DateTime():
            return "datetime"
        case Date():
            return "date"
    return "text"


def code_key(value: Value) -> str:
    """How ``FieldSpec.codes`` spells a stored code (as :mod:`dsr.pipeline.compose.values` reads it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
