"""The gazetteer: every person the controller's stores know, as strings to find in free text.

Built once per request (:meth:`Gazetteer.build`) from :meth:`Connector.people` of every store
of the controller. Each key knows *which* person it belongs to, so the subject — and the
subject's own household address — is excluded by identity, not by string: "Anna" stays when
the requester is an Anna, even though a classmate is an Anna too.

Names go into one pyahocorasick automaton over :func:`~dsr.redact.fold.fold`-ed text; the
word-boundary checks run in Python on hits only. Phones, IBANs and IP addresses are written in
too many ways for exact keys: the patterns find them, and the gazetteer's dictionaries of
normalised values say whose they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick
import msgspec

from dsr.model import Identifier, IdentifierKind, KnownPerson, Subject
from dsr.redact.fold import fold, spellings
from dsr.redact.patterns import normalise_ip, normalise_phone
from dsr.redact.spans import Kind, Tier

#: default format of library card numbers ("L0004711"); configurable per deployment
CARD_PATTERN = r"(?<![\w-])L\d{5,10}(?![\w-])"

_TITLES = {"dr.", "dr", "prof.", "prof", "herr", "frau", "mr", "mrs", "ms", "mr.", "mrs.", "ms."}


class Person(NamedTuple):
    """Whose a hit is. Internal: never printed, only hashed into the decision log."""

    store: str
    key: str
    role: str | None
    subject: bool


class Entry(NamedTuple):
    """What an automaton key stands for."""

    kind: Kind
    tier: Tier
    rule: str
    person: int
    bare: bool  #: a bare first name or surname: only counts when written with a capital letter
    length: int


class AllowList(msgspec.Struct, frozen=True, kw_only=True):
    """Text that is never another person's data in this controller's answers.

    ``terms``: catalogue titles and authors, the controller's own published names, extra
    configured terms; ``emails``/``phones``/``addresses``: the controller's published contacts.
    """

    terms: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    @classmethod
    def for_controller(cls, controller: object, catalogue: Iterable[str] = (), extra: Iterable[str] = ()) -> AllowList:
        """The allow-list of a :class:`dsr.config.ControllerSettings`: its published contacts
        (controller, data protection officer, signatory), plus catalogue titles/authors and
        extra terms."""
        emails: list[str] = []
        phones: list[str] = []
        addresses: list[str] = []
        terms: list[str] = [*catalogue, *extra]
        for contact in (controller, getattr(controller, "dpo", None), getattr(controller, "signatory", None)):
            if contact is None:
                continue
            for attr, bucket in (("email", emails), ("phone", phones), ("street", addresses)):
                value = getattr(contact, attr, None)
                if value:
                    bucket.append(value)
            code, city = getattr(contact, "postal_code", None), getattr(contact, "city", None)
            if code and city:
                addresses.append(f"{code} {city}")
            name = getattr(contact, "name", None)
            if name:
                terms.append(name)
        return cls(terms=tuple(t for t in terms if t), emails=tuple(emails), phones=tuple(phones), addresses=tuple(addresses))


def address_key(value: str) -> str:
    """A street address or "postcode city" compared loosely: folded, "str." = "straße", no spaces."""
    v = fold(value).replace("strasse", "str.").replace("straße", "str.").replace("str ", "str.")
    return re.sub(r"[\s,]+", "", v)


class Gazetteer:
    """Everyone the controller knows, ready to be found in text. Build with :meth:`build`."""

    def __init__(self) -> None:
        self.people: list[Person] = [Person("", "", "subject", True)]  #: index 0: the subject
        self.automaton = ahocorasick.Automaton()
        self.emails: dict[str, int] = {}
        self.phones: dict[str, int] = {}
        self.ibans: dict[str, int] = {}
        self.ips: dict[str, int] = {}
        self.addresses: dict[str, int] = {}
        self.cards: dict[str, int] = {}
        self.surnames: dict[str, int] = {}  #: folded surname → person (for "Frau Schulz")
        self.first_names: dict[str, int] = {}
        self.allowed_emails: frozenset[str] = frozenset()
        self.allowed_phones: frozenset[str] = frozenset()
        self.allowed_addresses: frozenset[str] = frozenset()
        self.subject_postcodes: frozenset[str] = frozenset()
        self.card_pattern: re.Pattern[str] | None = None
        self._keys: dict[str, Entry] = {}

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        people: Iterable[KnownPerson],
        subject: Subject,
        allow: AllowList | None = None,
        card_pattern: str | None = CARD_PATTERN,
    ) -> Gazetteer:
        """A gazetteer of ``people`` in which ``subject`` (and every store row that is the
        subject, by key or strong identifier) is marked as the subject's own."""
        g = cls()
        g.card_pattern = re.compile(card_pattern) if card_pattern else None
        subject_ids = {(i.kind, i.value) for i in subject.identifiers if i.kind in _LINKING}
        subject_keys = {(i.store, i.value) for i in subject.identifiers if i.kind is IdentifierKind.KEY}
        postcodes: set[str] = set()
        profile = subject.profile
        g._add_names(0, profile.first_name, profile.last_name, profile.display_name if not profile.first_name else None)
        g._add_identifiers(0, subject.identifiers)
        if profile.email:
            g._value(g.emails, profile.email.lower(), 0)
        if profile.street:
            g._add_street(0, profile.street)
        if profile.postal_code:
            postcodes.add(profile.postal_code.strip())
        for p in people:
            is_subject = (p.store, p.key) in subject_keys or any(
                (i.kind, i.value) in subject_ids for i in p.identifiers
            )
            if is_subject:
                idx = 0
                if p.postal_code:
                    postcodes.add(p.postal_code.strip())
            else:
                idx = len(g.people)
                g.people.append(Person(p.store, p.key, p.role, False))
            g._add_names(idx, p.first_name, p.last_name, p.full_name)
            g._add_identifiers(idx, p.identifiers)
            if p.street:
                g._add_street(idx, p.street)
        if allow is not None:
            g._add_allow(allow)
        g.subject_postcodes = frozenset(postcodes)
        add = g.automaton.add_word
        for key, entry in g._keys.items():
            # keys match at word starts only (see fold.scan_text); e-mails anywhere, since
            # "an+anna@x.de" or "x.anna@x.de" still contain the known address
            add(key if entry.kind is Kind.EMAIL else " " + key, entry)
        g.automaton.make_automaton()
        del g._keys
        return g

    def _put(self, key: str, entry: Entry) -> None:
        """Add a key; on collision the subject/allow-list wins, then the stronger tier."""
        if len(key) < 2:
            return
        old = self._keys.get(key)
        if old is not None and _rank(old) >= _rank(entry):
            return
        self._keys[key] = entry

    def _value(self, table: dict[str, int], value: str, idx: int) -> None:
        old = table.get(value)
        if old is None or (idx == 0 and old != 0):
            table[value] = idx

    def _entry(self, idx: int, kind: Kind, tier: Tier, rule: str, length: int, bare: bool = False) -> Entry:
        if idx == 0:
            return Entry(kind, Tier.KEEP, "subject-own", 0, bare, length)
        return Entry(kind, tier, rule, idx, bare, length)

    def _add_names(self, idx: int, first: str | None, last: str | None, full: str | None) -> None:
        if not (first and last) and full:
            tokens = [t for t in full.split() if t.lower() not in _TITLES]
            if len(tokens) >= 2:
                first, last = " ".join(tokens[:-1]), tokens[-1]
            elif tokens and not last:
                last = tokens[0]
        first_f = fold(first.strip()) if first else ""
        last_f = fold(last.strip()) if last else ""
        firsts = [t for t in first_f.split() if t]
        if first_f and last_f:
            givens = {first_f, *firsts}
            full_forms = set()
            for given in givens:
                full_forms |= {f"{given} {last_f}", f"{last_f} {given}", f"{last_f}, {given}"}
            full_forms.add(f"{firsts[0][0]}. {last_f}")
            full_forms.add(f"{firsts[0][0]}.{last_f}")
            for form in full_forms:
                for s in spellings(form):
                    self._put(s, self._entry(idx, Kind.NAME, Tier.REDACT, "known-full-name", len(s)))
            for s in spellings(f"{firsts[0]} {last_f[0]}."):
                self._put(s, self._entry(idx, Kind.NAME, Tier.REVIEW, "known-first-name-initial", len(s)))
        for given in {first_f, *firsts} - {""}:
            if len(given) >= 3:
                for s in spellings(given):
                    self._put(s, self._entry(idx, Kind.NAME, Tier.REVIEW, "known-first-name", len(s), bare=True))
                self._value(self.first_names, given, idx)
        if len(last_f) >= 3:
            for s in spellings(last_f):
                self._put(s, self._entry(idx, Kind.NAME, Tier.REVIEW, "known-surname", len(s), bare=True))
                self._value(self.surnames, s, idx)

    def _add_identifiers(self, idx: int, identifiers: Iterable[Identifier]) -> None:
        for ident in identifiers:
            kind, value = ident.kind, ident.value
            if not value:
                continue
            if kind is IdentifierKind.EMAIL:
                v = value.strip().lower()
                self._value(self.emails, v, idx)
                self._put(fold(v), self._entry(idx, Kind.EMAIL, Tier.REDACT, "known-email", len(v)))
            elif kind is IdentifierKind.CARD:
                v = fold(value.strip())
                self._value(self.cards, value.strip().upper(), idx)
                if len(v) >= 4:
                    self._put(v, self._entry(idx, Kind.CARD, Tier.REDACT, "known-card", len(v)))
            elif kind is IdentifierKind.LOGIN:
                v = fold(value.strip())
                # a short all-letter login ("koch") may be an ordinary word: an officer decides
                tier = Tier.REDACT if (len(v) >= 6 or not v.isalpha()) else Tier.REVIEW
                if len(v) >= 3 and v not in self._keys:
                    self._put(v, self._entry(idx, Kind.LOGIN, tier, "known-login", len(v)))
            elif kind is IdentifierKind.PHONE:
                v = normalise_phone(value)
                if v:
                    self._value(self.phones, v, idx)
            elif kind in (IdentifierKind.IP, IdentifierKind.IP_EXCLUSIVE):
                v = normalise_ip(value)
                if v:
                    self._value(self.ips, v, idx)
            elif kind is IdentifierKind.NAME and idx == 0:
                tokens = value.split()
                if len(tokens) >= 2:
                    self._add_names(0, " ".join(tokens[:-1]), tokens[-1], None)
            elif kind is IdentifierKind.IBAN:
                self._value(self.ibans, value.replace(" ", "").upper(), idx)

    def _add_street(self, idx: int, street: str) -> None:
        self._value(self.addresses, address_key(street), idx)
        f = fold(street.strip())
        forms = {f, f.replace("straße", "str."), f.replace("strasse", "str."), f.replace("straße", "strasse")}
        for form in forms:
            for s in spellings(form) | {form}:
                self._put(s, self._entry(idx, Kind.ADDRESS, Tier.REDACT, "known-address", len(s)))

    def _add_allow(self, allow: AllowList) -> None:
        for term in allow.terms:
            for s in spellings(fold(term.strip())):
                self._put(s, Entry(Kind.OTHER, Tier.KEEP, "allow-list", -1, False, len(s)))
        self.allowed_emails = frozenset(e.strip().lower() for e in allow.emails)
        self.allowed_phones = frozenset(p for p in (normalise_phone(x) for x in allow.phones) if p)
        self.allowed_addresses = frozenset(address_key(a) for a in allow.addresses)
        for a in allow.addresses:
            f = fold(a.strip())
            self._put(f, Entry(Kind.ADDRESS, Tier.KEEP, "allow-list", -1, False, len(f)))

    # ------------------------------------------------------------------ lookups

    def owner(self, table: dict[str, int], value: str) -> int | None:
        """Index of the person ``value`` belongs to (0: the subject), None when unknown."""
        return table.get(value)

    def __len__(self) -> int:
        return len(self.people) - 1


_LINKING = frozenset({IdentifierKind.CARD, IdentifierKind.LOGIN, IdentifierKind.EMAIL, IdentifierKind.CUSTOMER})


def _rank(e: Entry) -> tuple[int, int]:
    # allow-list, then the subject's own, then the stronger tier
    if e.rule == "allow-list":
        return (3, 0)
    if e.tier is Tier.KEEP:
        return (2, 0)
    return (1, int(e.tier))
