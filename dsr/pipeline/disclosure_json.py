"""``disclosure.json`` as typed values: what :attr:`dsr.Answer.json` gives a program.

The same document as the file (``docs/disclosure.schema.json``, format ``dsr-disclosure/2``),
decoded: dates are :class:`datetime.date`, numbers keep every stored digit (:class:`~decimal.Decimal`),
and a cell's ``value`` is what the schema allows there (a string, number, boolean, None, or a
small mapping for references, secrets and codes).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

import msgspec


class Cell(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One field of a record: the typed value (None: nothing stored) and the letter's text for it."""

    value: Any
    text: str | None


class DisclosedRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fields: dict[str, Cell]  #: by the column's name
    relation: str | None  #: why the record concerns the reader when it is not simply theirs
    due_for_erasure: dt.date | None


class Column(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: str
    label: str
    kind: str  #: text, int, decimal, money, bool, date, datetime, code, reference, secret, mixed
    explain: str | None


class Collection(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    collection: str
    title: str
    description: str | None
    activity: str | None
    category: str | None
    count: int
    columns: tuple[Column, ...]
    records: tuple[DisclosedRecord, ...]


class Store(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    store: str
    title: str
    collections: tuple[Collection, ...]


class Searched(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    store: str
    title: str
    state: str  #: in the letter's language
    records: int


class Withheld(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: str
    count: int
    ground: str


class DisclosureJson(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The machine-readable copy of an access answer (Art. 15(3) GDPR)."""

    format: str
    language: Literal["de", "en"]
    controller: str  #: the controller's name
    case_reference: str | None  #: None: nobody recorded one
    #: ISO 8601: a date-time with offset, only a date when the time was not recorded, None when nothing was
    received: str | None
    letter_date: dt.date
    kind: Literal["disclosure", "negative"]
    complete: bool
    draft: bool
    record_count: int
    searched: tuple[Searched, ...]
    stores: tuple[Store, ...]
    withheld: tuple[Withheld, ...]


#: decimals exact (12.50 stays Decimal("12.50")), never rounded floats
_DECODER = msgspec.json.Decoder(DisclosureJson, float_hook=Decimal)


def decode(data: bytes) -> DisclosureJson:
    """``disclosure.json``'s bytes as typed values."""
    return _DECODER.decode(data)
