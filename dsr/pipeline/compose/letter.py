"""The finished content of a letter: every text already in the reader's language.

Templates receive these values and compute nothing. The JSON export is the same values
encoded, so the letter and its machine-readable copy can never disagree.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from dsr.config import ControllerSettings
from dsr.pipeline.compose.request import Address, Request
from dsr.pipeline.compose.typed import Typed


class Column(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    explain: str = ""
    #: the shape of the column's ``Row.data`` values (dsr.pipeline.compose.typed.KINDS)
    kind: str = "text"


class Row(msgspec.Struct, frozen=True, kw_only=True):
    """One record as printed: one text per column, in column order."""

    values: tuple[str, ...]
    #: why the record concerns the reader when it is not simply theirs
    relation: str = ""
    #: the day from which the register's storage rule says the record is erased or anonymised
    #: (None: no computable rule, or not yet running — a loan not returned); see compose.activities
    due_for_erasure: dt.date | None = None
    #: the same values as data for the machine-readable copy, in column order, under the same
    #: disclosure rules (dsr.pipeline.compose.typed)
    data: tuple[Typed, ...] = ()


class CodeNote(msgspec.Struct, frozen=True, kw_only=True):
    """Explanation of the stored codes of one column ("0 = keine Mahnung, 1 = …")."""

    column: str
    codes: tuple[tuple[str, str], ...]


class Table(msgspec.Struct, frozen=True, kw_only=True):
    """How the letter shows one section to a person (the PDF appendix, the Word copy): built by
    :func:`dsr.pipeline.compose.copy.tables`. The section's ``columns`` and ``rows`` (the JSON and
    CSV copies) keep everything; this leaves out internal numbers and empty columns, prints the
    row another column points at in its place (a loan's title and author), says once what every
    row has in common, and puts relations and long technical strings in words."""

    labels: tuple[str, ...]
    #: per printed record, one text per label (``empty`` where nothing is stored)
    rows: tuple[tuple[str, ...], ...]
    #: label and value that every record has alike, said once above the records (several records only)
    constants: tuple[tuple[str, str], ...] = ()
    #: explanations of the printed columns ("Label: sentence"), after the records
    notes: tuple[str, ...] = ()
    #: what an empty cell holds ("—"): a card leaves such a field out
    empty: str = ""
    #: records printed with the rows that point at them instead (the items of loans): not in ``rows``
    joined: int = 0
    #: the titles of the collections those rows belong to ("Ausleihen, Vormerkungen")
    joined_into: tuple[str, ...] = ()
    #: indices of ``labels`` with a value in only a few of many rows (a note in one loan of
    #: forty) or with long texts (a message's wording): a table prints such a value as a line
    #: under its row ("Notiz: …") instead of a column empty nearly everywhere or a narrow strip
    #: of text; cards print it as any other field
    asides: tuple[int, ...] = ()


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
    #: how the letter shows the records (None: every column as in ``columns``, for sections
    #: built by hand); see :class:`Table`. Derived when composed: whoever changes ``rows``
    #: afterwards drops it (``table=None``) or builds it anew
    table: Table | None = None

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


class CommonFacts(msgspec.Struct, frozen=True, kw_only=True):
    """Section 2's facts that hold for every activity listed, said once above them: an activity
    whose source, transfers or automated decisions differ says so itself (its field is then set)."""

    source: str
    transfers: str
    automated: str
    #: processors serving every activity listed (Art. 28): named once
    processors: tuple[DataRecipient, ...] = ()


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


class GlanceLine(msgspec.Struct, frozen=True, kw_only=True):
    """One kind of record in "Auf einen Blick": "57 Ausleihen seit 2019"."""

    label: str
    count: int
    since: str  #: when the oldest of them is from, formatted ("2019"); "" when it has no date


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
    #: facts common to all activities (None: each activity states all of its own)
    common: CommonFacts | None = None
    withheld: tuple[WithheldLine, ...] = ()
    draft: bool = False
    complete: bool = True  #: every store answered
    #: addressed to a child below the age of consent (Art. 12(1)): ``address`` is then "child"
    child: bool = False
    #: how the letter speaks to its reader (:data:`dsr.pipeline.compose.request.Address`)
    address: Address = "sie"
    #: "Auf einen Blick": the records by kind
    glance: tuple[GlanceLine, ...] = ()
    #: how long the request file is kept after the case ends, in words ("3 Jahre")
    request_file_kept: str = ""
    #: systems the answer did not search, each with why
    not_searched: tuple[str, ...] = ()
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
