"""How one stored value is printed for the reader, in their language.

The classification decides first: a REFERENCE never prints its value (only a role label or
"you" — and, for a relative the reader may know by name, that name beside the role), a SECRET
prints only that it exists. Only then is the value formatted by kind.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from zoneinfo import ZoneInfo

from dsr.config import DEFAULT_ZONE
from dsr.model import Classification, Field, FieldSpec, Value
from dsr.pipeline.compose.wording import Wording, pick

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_text(value: dt.date, language: str, *, long: bool = False, zone: ZoneInfo = DEFAULT_ZONE) -> str:
    """25.11.2026 in German; 2026-11-25 in English, or 25 November 2026 with ``long`` (for prose,
    where an ISO date reads as a code). Month names are not taken from the locale: the letter must
    not depend on the machine's settings. A time gives its day in ``zone``."""
    if isinstance(value, dt.datetime):  # the day in local time, not in UTC (near midnight they differ)
        value = local_time(value, zone).date()
    if language == "de":
        return value.strftime("%d.%m.%Y")
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}" if long else value.isoformat()


def local_time(value: dt.datetime, zone: ZoneInfo = DEFAULT_ZONE) -> dt.datetime:
    """An aware time (the portal stores UTC) as the reader's clock in ``zone`` (``[dsr] timezone``)
    showed it; a naive one is taken as already local (a school database stores its wall clock)."""
    return value.astimezone(zone) if value.tzinfo is not None else value


def datetime_text(value: dt.datetime, language: str, zone: ZoneInfo = DEFAULT_ZONE) -> str:
    value = local_time(value, zone)
    if language == "de":
        return value.strftime("%d.%m.%Y, %H:%M Uhr")
    return value.strftime("%Y-%m-%d %H:%M")


def datetime_short(value: dt.datetime, language: str, zone: ZoneInfo = DEFAULT_ZONE) -> str:
    """A time in a table's cell: "10.09.2021 13:06" (the letter's prose says "…, 13:06 Uhr")."""
    value = local_time(value, zone)
    return value.strftime("%d.%m.%Y %H:%M" if language == "de" else "%Y-%m-%d %H:%M")


def money_text(value: Decimal | float | int, language: str) -> str:
    text = f"{Decimal(str(value)):,.2f}"
    if language == "de":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".") + " €"
    return "€" + text


class RelationshipNames(enum.StrEnum):
    """Whether the letter names the reader's relatives beside their role (a controller's choice)."""

    #: "Petra Schmidt (Erziehungsberechtigte Person)", "Mia (Ihr Kind)": the relation and the name
    #: the mapping marks as the reader's to know (``relative`` in the mapping)
    SHOWN = "shown"
    #: the role only ("Ihr Kind"), as for anybody else
    ROLE_ONLY = "role_only"


def field_text(
    field: Field,
    spec: FieldSpec | None,
    words: Wording,
    relationships: RelationshipNames = RelationshipNames.SHOWN,
) -> str:
    """The text printed for one field of a record."""
    if field.classification is Classification.REFERENCE:
        if field.is_subject:
            return words.value("you")
        if field.value is None or field.value == "":
            return words.value("empty")
        role = spec.role if spec else None
        label = words.get("roles", role, words.value("other_person"))
        if field.relative and relationships is RelationshipNames.SHOWN:
            return f"{field.relative} ({label})"
        return label
    if field.value is None or field.value == "":
        return words.value("empty")
    if field.classification is Classification.SECRET:
        return words.value("secret")
    return value_text(field.value, spec, words)


def value_text(value: Value, spec: FieldSpec | None, words: Wording) -> str:
    language = words.language
    if spec is not None and spec.codes:
        explained = spec.codes.get(_code_key(value))
        if explained:
            return pick(explained, language)
        if several := code_list(value, spec):
            return ", ".join(pick(spec.codes[code], language) for code in several)
    kind = spec.kind if spec else "text"
    if isinstance(value, bool):
        return words.value("yes" if value else "no")
    if isinstance(value, dt.datetime):
        return datetime_text(value, language, words.zone)
    if isinstance(value, dt.date):
        return date_text(value, language)
    if kind == "money" and isinstance(value, (Decimal, int, float)):
        return money_text(value, language)
    if kind == "bool" and isinstance(value, int):
        return words.value("yes" if value else "no")
    if isinstance(value, Decimal):
        text = str(value)
        return text.replace(".", ",") if language == "de" else text
    return str(value)


def _code_key(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def code_list(value: Value, spec: FieldSpec) -> list[str]:
    """The codes of a column holding several at once ("circulation,cataloguing"), when the mapping
    explains every one of them; [] otherwise (the value then prints as stored)."""
    if not isinstance(value, str) or "," not in value:
        return []
    codes = [part.strip() for part in value.split(",") if part.strip()]
    return codes if codes and all(code in spec.codes for code in codes) else []
