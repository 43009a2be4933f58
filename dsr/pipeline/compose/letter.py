"""The finished content of a letter: every text already in the reader's language.

Templates receive these values and compute nothing. The JSON export is the same values
encoded, so the letter and its machine-readable copy can never disagree.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from dsr.config import ControllerSettings
from dsr.pipeline.compose.request import Request


class Column(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    explain: str = ""


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One record as printed: one text per column, in column order."""

    values: tuple[str, ...]
    #: why the record concerns the reader when it is not simply theirs
    relation: str = ""


class CodeNote(msgspec.Struct, frozen=True, kw_only=True):
    """Explanation of the stored codes of one column ("0 = keine Mahnung, 1 = …")."""

    column: str
    codes: tuple[tuple[str, str], ...]


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """All records of one collection (a table, a log) in one store."""

    store: str
    store_title: str
    collection: str
    title: str
    description: str = ""
    activity: str = ""
    category: str = ""
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    codes: tuple[CodeNote, ...] = ()
    #: some rows say why they concern the reader (an extra column in the letter)
    with_relation: bool = False

    @property
    def size(self) -> int:
        """Records of the collection."""
        return len(self.rows)


class StoreLine(msgspec.Struct, frozen=True, kw_only=True):
    """Which stores were searched and how that went (safe to show: no personal data)."""

    store: str
    title: str
    state: str
    records: int


class DataRecipient(msgspec.Struct, frozen=True, kw_only=True):
    """A named recipient of data (Art. 15(1)(c)), processors included."""

    name: str
    role: str = ""
    address: str = ""


class Activity(msgspec.Struct, frozen=True, kw_only=True):
    """One processing activity that applies to the reader, with the categories actually found."""

    key: str
    name: str
    purpose: str
    legal_basis: str
    categories: tuple[str, ...]
    recipients: tuple[DataRecipient, ...]
    retention: str
    source: str
    transfers: str
    automated: str
    rights: str = ""  #: activity-specific rights (portability, withdrawal of consent) where they apply


class Authority(msgspec.Struct, frozen=True, kw_only=True):
    """The competent supervisory authority (Art. 15(1)(f), Art. 77)."""

    name: str
    street: str
    postal_code: str
    city: str
    website: str
    verified: str  #: when the details were last checked, formatted for the reader


class WithheldLine(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    count: int
    ground: str


class Disclosure(msgspec.Struct, frozen=True, kw_only=True):
    """A composed letter. ``kind`` names its template folder: ``disclosure`` or ``negative``."""

    kind: str
    language: str
    controller: ControllerSettings
    request: Request
    received: str  #: date (and time) of receipt, formatted; "" when nobody recorded it
    letter_date: str  #: formatted for the information block
    letter_date_iso: dt.date
    channel: str  #: "" when not recorded
    identity_check: str  #: "" when not recorded
    salutation: str
    #: the recipient's address as printed in the window: at most six lines, none blank
    address_lines: tuple[str, ...]
    stores: tuple[StoreLine, ...]
    sections: tuple[Section, ...]
    activities: tuple[Activity, ...]
    authority: Authority | None
    withheld: tuple[WithheldLine, ...] = ()
    draft: bool = False
    complete: bool = True  #: every store answered
    #: addressed to a child below the age of consent: friendlier words on top (Art. 12(1))
    child: bool = False
    #: the letter's record count when it is rendered without its sections (the appendix is
    #: typeset separately, see dsr.pipeline.render.pdf)
    records_total: int = 0

    @property
    def record_count(self) -> int:
        """Records in this letter (or in this part of it)."""
        return sum(len(s.rows) for s in self.sections)

    @property
    def total_records(self) -> int:
        """Records of the whole letter, also when this is one part of it."""
        return self.records_total or self.record_count
