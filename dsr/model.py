"""The typed values that flow between the stages of a request.

intake → identify → gather → redact → compose → render → deliver

Every stage takes and returns these values; no stage reaches into another's internals.
They are msgspec Structs: cheap to create by the hundred thousand, and they encode to JSON
without glue code.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal

import msgspec

from dsr.errors import AmbiguousSubject, UnknownSubject

#: A value as a store holds it. Dates, times and decimals keep their Python types; the
#: renderers format them per language.
Value = str | int | float | bool | None | dt.date | dt.datetime | Decimal

#: Text in several languages: {"de": "...", "en": "..."}.
Text = Mapping[str, str]


class Classification(enum.StrEnum):
    """What a field of a record is, as far as the data subject is concerned."""

    OWN = "own"  #: the subject's own value: disclosed as it is
    REFERENCE = "reference"  #: points at another person: printed as a role label, never a name
    FREE_TEXT = "free_text"  #: may mention anybody: disclosed after text redaction
    SECRET = "secret"  #: never printed (password hashes); its existence is disclosed
    SYSTEM = "system"  #: technical value (internal numbers, flags): disclosed, explained


class IdentifierKind(enum.StrEnum):
    """Kinds of identifier that link a human across the stores of one controller."""

    KEY = "key"  #: the person's primary key in one store (only meaningful with the store name)
    CARD = "card"  #: library card number
    LOGIN = "login"  #: catalogue / staff login name
    EMAIL = "email"  #: e-mail address, lower-cased
    NAME = "name"  #: "first last", case-folded (weak: never a match on its own)
    DATE_OF_BIRTH = "date_of_birth"  #: ISO date
    CUSTOMER = "customer"  #: vendor customer number
    INVOICE = "invoice"  #: vendor invoice number
    IP = "ip"  #: an IP address the subject used
    #: an IP address that, per the store's login records, only the subject ever used: lets an
    #: officer include anonymous log lines from it (never a shared school NAT address)
    IP_EXCLUSIVE = "ip_exclusive"
    PHONE = "phone"  #: a phone number in E.164
    IBAN = "iban"  #: a bank account (compact, upper case); lets redaction keep the subject's own


#: Identifier kinds that single out one human on their own (with name + date of birth as a pair).
STRONG_KINDS = frozenset({IdentifierKind.CARD, IdentifierKind.LOGIN, IdentifierKind.EMAIL})


class Identifier(msgspec.Struct, frozen=True, order=True):
    """One identifier of a human. ``store`` is set only for KEY identifiers."""

    kind: IdentifierKind
    value: str
    store: str | None = None


# --------------------------------------------------------------------------- intake


class Descriptor(msgspec.Struct, frozen=True, kw_only=True):
    """What a requester told us about who they are. Any field may be missing."""

    card_number: str | None = None
    login_name: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: dt.date | None = None
    customer_number: str | None = None
    invoice_number: str | None = None

    def is_empty(self) -> bool:
        return not any(getattr(self, f) for f in self.__struct_fields__)


# --------------------------------------------------------------------------- identify


class Evidence(msgspec.Struct, frozen=True):
    """Which identifier of the descriptor matched a candidate, in which store."""

    store: str
    kind: IdentifierKind
    strong: bool


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """How to address a person in a letter. Personal data: never logged."""

    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    date_of_birth: dt.date | None = None
    gender: str | None = None

    @property
    def name(self) -> str:
        if self.display_name:
            return self.display_name
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class Candidate(msgspec.Struct, frozen=True, kw_only=True):
    """A person in one store who may be the requester."""

    reference: str  #: opaque, stable reference; safe to print and log
    store: str
    key: str  #: the person's key in that store; internal, never printed
    evidence: tuple[Evidence, ...]
    identifiers: frozenset[Identifier]  #: what this person's row says about them
    #: identifier kinds the descriptor gave that this person's row contradicts (another
    #: date of birth): such a candidate is never a match on its own
    conflicts: tuple[IdentifierKind, ...] = ()
    profile: Profile = Profile()

    @property
    def strong(self) -> bool:
        """Matched by a strong identifier, or by name and date of birth together."""
        if self.conflicts:
            return False
        kinds = {e.kind for e in self.evidence}
        if any(e.strong for e in self.evidence):
            return True
        return IdentifierKind.NAME in kinds and IdentifierKind.DATE_OF_BIRTH in kinds


class Subject(msgspec.Struct, frozen=True, kw_only=True):
    """The one resolved human a request is about, within one controller."""

    controller: str
    reference: str  #: opaque reference of the primary candidate
    identifiers: frozenset[Identifier]
    profile: Profile = Profile()

    def keys(self, store: str) -> tuple[str, ...]:
        """The subject's primary keys in ``store`` (empty when not a person there)."""
        return tuple(sorted(i.value for i in self.identifiers if i.kind is IdentifierKind.KEY and i.store == store))

    def values(self, kind: IdentifierKind) -> tuple[str, ...]:
        return tuple(sorted({i.value for i in self.identifiers if i.kind is kind}))

    def with_identifiers(self, more: frozenset[Identifier]) -> Subject:
        return msgspec.structs.replace(self, identifiers=self.identifiers | more)


class ResolutionStatus(enum.StrEnum):
    MATCH = "match"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


class Resolution(msgspec.Struct, frozen=True, kw_only=True):
    status: ResolutionStatus
    candidates: tuple[Candidate, ...]
    #: set exactly on a match; :meth:`matched` gives it typed as a Subject
    subject: Subject | None = None

    def matched(self) -> Subject:
        """The one subject of a match; otherwise :class:`~dsr.errors.AmbiguousSubject` (a person
        must decide between the candidates) or :class:`~dsr.errors.UnknownSubject` (nobody matches),
        carrying the candidates' references."""
        if self.status is ResolutionStatus.MATCH and self.subject is not None:
            return self.subject
        refs = tuple(c.reference for c in self.candidates)
        if self.status is ResolutionStatus.AMBIGUOUS:
            raise AmbiguousSubject(
                f"the request matches {len(refs)} candidate(s) without one strong, uncontradicted match; "
                "an officer must check identity before anything is disclosed",
                refs,
            )
        raise UnknownSubject("nobody in this controller's stores matches the request", refs)


# --------------------------------------------------------------------------- gather


class Join(msgspec.Struct, frozen=True, kw_only=True):
    """A column pointing at a row of another collection of the same store (a loan's item): the
    letter prints that row's ``show`` columns in its place (title, author), not the number."""

    collection: str
    column: str  #: the column of ``collection`` holding the value this column stores (its key)
    show: tuple[str, ...]


class FieldSpec(msgspec.Struct, frozen=True, kw_only=True):
    """How one column of a collection is described to the data subject."""

    name: str
    classification: Classification
    label: Text
    kind: str = "text"  #: text | int | date | datetime | money | bool | code
    role: str | None = None  #: for references: the role the other person has
    codes: Mapping[str, Text] = {}  #: explanation of stored codes, by value as text
    explain: Text = {}  #: a sentence explaining the field, where a label is not enough
    #: an internal key (a row's number, another row's number): kept in the JSON and CSV copies,
    #: left out of the letter's tables (dsr.pipeline.compose.copy)
    internal: bool = False
    #: the row this column points at, printed in its place in the letter
    joins: Join | None = None


class CollectionSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of record in a store (a table, a log), described for the letter."""

    store: str
    name: str
    title: Text
    description: Text = {}
    #: what one record is called, singular and plural, per language, for counts ("1 Gebühr",
    #: "3 Gebühren"); the title stands in where there is none
    noun: Mapping[str, tuple[str, str]] = {}
    activity: str  #: key of the processing activity (Art. 30 record) it belongs to
    category: str  #: data category, e.g. "loans"
    fields: tuple[FieldSpec, ...]
    order_by: str | None = None  #: field to sort records by in the letter (a date)
    #: why the rows concern the subject when they are not simply theirs ("issued by you"); the
    #: letter prints it in words (wording.toml [relations])
    relation: str | None = None
    #: collections whose rows lead to these rows (``match`` on ``<collection>.<column>``): a
    #: record found that way has the relation "<collection> <key>", printed in that collection's
    #: words where the collection declares no ``relation``
    via: tuple[str, ...] = ()

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


class Field(msgspec.Struct, frozen=True, array_like=True):
    """One value of a record, with what it is."""

    name: str
    value: Value
    classification: Classification
    #: for references: True when the reference points at the subject themself
    is_subject: bool = False
    #: for references: the name of a relative the subject is entitled to see beside the role
    #: (their parent's name, their child's first name); printed only where the controller shows
    #: relationship names (``dsr.pipeline.compose.RelationshipNames``)
    relative: str | None = None


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """One row / entry of a store that concerns the subject."""

    store: str
    collection: str
    key: str  #: primary key as text
    fields: tuple[Field, ...]
    #: why the record concerns the subject when it is not simply theirs ("queue", "loan 17")
    relation: str | None = None
    #: a record the officer must decide on before it can be disclosed (e.g. the subject is
    #: the suspect of an incident reported to the authorities)
    restricted: bool = False
    #: fields holding the other party's data (an incident's attacker: addresses, host names, the
    #: authority's case number): withheld until an officer releases them (Art. 15(4) GDPR, § 29 BDSG)
    restricted_fields: tuple[str, ...] = ()
    #: on dsr's restriction list after an erasure request (Art. 18 GDPR: kept, but only stored);
    #: set by the service from the case file, never by a connector. The letter says so per row
    processing_restricted: bool = False
    #: the last day the restriction lasts, when its holds end on a date
    restricted_until: dt.date | None = None

    def value(self, name: str) -> Value:
        for f in self.fields:
            if f.name == name:
                return f.value
        raise KeyError(name)


class StoreState(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class StoreReport(msgspec.Struct, frozen=True, kw_only=True):
    """How gathering went in one store. ``error`` is safe to show: it holds no personal data."""

    store: str
    state: StoreState
    records: int = 0
    seconds: float = 0.0
    error: str | None = None
    malformed_lines: int = 0


class Gathering(msgspec.Struct, frozen=True, kw_only=True):
    """Everything gathered for one subject in one controller's stores."""

    subject: Subject
    records: tuple[Record, ...]
    collections: tuple[CollectionSpec, ...]
    reports: tuple[StoreReport, ...]

    @property
    def complete(self) -> bool:
        return all(r.state is StoreState.OK for r in self.reports)

    def collection(self, store: str, name: str) -> CollectionSpec:
        for c in self.collections:
            if c.store == store and c.name == name:
                return c
        raise KeyError((store, name))


# --------------------------------------------------------------------------- redact


class Withholding(msgspec.Struct, frozen=True):
    """What kind of information was removed from the answer, how often, and on what ground.

    Fed by the redaction stage into the letter's withheld-information section (Art. 12(4)).
    ``kind``: name | email | phone | iban | ip | card | login | address | reference | record | other.
    ``ground``: art15-4 (rights of others) | bdsg-34 | land-law | other.
    """

    kind: str
    count: int
    ground: str = "art15-4"


class KnownPerson(msgspec.Struct, frozen=True, kw_only=True):
    """A person found in a store, as the redaction gazetteer needs them. Personal data."""

    store: str
    key: str
    identifiers: frozenset[Identifier]
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None  #: when the store has one name field only
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None
    role: str | None = None  #: e.g. "student", "teacher", "guardian", "customer_contact"

    @property
    def name(self) -> str:
        """The name as a letter prints it: the single name field, or first and last name."""
        return self.full_name or " ".join(p for p in (self.first_name, self.last_name) if p)


def today() -> dt.date:
    return dt.date.today()
