"""The labelled corpus as data: texts with ground-truth spans, and the people and requests they
belong to."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dsr.model import KnownPerson, Subject
from dsr.pipeline.redact.gazetteer import AllowList

#: the kinds a span can have; "host" (a provider's host name of an IP) and "case" (an
#: authority's case number) are the other party's data in security incidents
KINDS = ("name", "email", "phone", "iban", "ip", "card", "login", "address", "host", "case")


@dataclass(frozen=True)
class Span:
    """One mention of a person's data in a text, as the generator wrote it."""

    start: int
    end: int
    owner: str  #: subject | third
    kind: str  #: one of :data:`KINDS`
    known: bool = True  #: the person is in the stores (False: only patterns/cues can find it)
    full: bool = False  #: a full name (first and last)
    #: how it is written, a few words ("intl-trunk", "lower typo", "url-plus"): groups the misses
    form: str = ""
    typo: bool = False  #: one letter off the stored spelling
    relative: bool = False  #: the subject's family (guardian, sibling, cousin)
    #: the text alone cannot make it certain (a typo, a short local number): review is the
    #: outcome to expect, and counts as found in the automatic measures
    review_ok: bool = False

    def at(self, offset: int) -> Span:
        return replace(self, start=self.start + offset, end=self.end + offset)


@dataclass
class Doc:
    text: str
    language: str
    spans: list[Span] = field(default_factory=list)
    genre: str = "note"  #: note | review | email | payment | log | incident | noise
    request: int = 0  #: index into :attr:`Corpus.subjects`: whose answer the text is part of


@dataclass
class Corpus:
    """``people``: everyone the stores know (the gazetteer's input, the subjects and their
    families among them); ``subjects``: the requesters, one per request; ``docs``: the texts."""

    people: list[KnownPerson]
    subjects: list[Subject]
    allow: AllowList
    docs: list[Doc]

    @property
    def subject(self) -> Subject:
        """The first request's subject (the one the speed measurement uses)."""
        return self.subjects[0]
