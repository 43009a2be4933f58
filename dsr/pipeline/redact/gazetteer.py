"""The gazetteer: every person the controller's stores know, with the subject marked as theirs.

:meth:`Gazetteer.build` indexes ``people`` (:class:`~dsr.pipeline.redact.index.PeopleIndex`, the costly
part, independent of the request) and lays the subject over it (:class:`SubjectOverlay`). The
subject — every store row linked to them by key or strong identifier, and their own household
address — is kept by identity, not by string: "Anna" stays when the requester is an Anna, even
though a classmate is an Anna too.

The portal answers many requests against the same stores: :class:`GazetteerCache` keeps the
index per store fingerprint and only builds the (small) overlay per request. What differs from
request to request stays out of the index: the subject's own rows (the overlay) and the catalogue
titles of their records (:class:`~dsr.pipeline.redact.allow.Phrases`, found beside the index).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

import ahocorasick
import msgspec
import phonenumbers

from dsr.model import Identifier, IdentifierKind, KnownPerson, Subject
from dsr.pipeline.redact.allow import AllowList, Phrases, address_key
from dsr.pipeline.redact.fold import fold, spellings
from dsr.pipeline.redact.index import CARD_PATTERN, PeopleIndex, person_name, street_forms
from dsr.pipeline.redact.ips import ip_key
from dsr.pipeline.redact.phones import stored_phone_keys

__all__ = [
    "AllowList",
    "CARD_PATTERN",
    "Gazetteer",
    "GazetteerCache",
    "Phrases",
    "SubjectOverlay",
    "address_key",
    "people_fingerprint",
]


#: how a number of a country code is written without it (the subject's own, in any format)
_TRUNK_PREFIX = {"49": "|0", "43": "|0", "41": "|0", "44": "|0", "1": "|1|"}

#: identifier kinds that link a store row to the subject (besides the row's key)
LINKING = frozenset({IdentifierKind.CARD, IdentifierKind.LOGIN, IdentifierKind.EMAIL, IdentifierKind.CUSTOMER})


def subject_rows(index: PeopleIndex, subject: Subject) -> list[int]:
    """Indexes of the store rows that are the subject: by key, or by a strong identifier.
    One pass over the rows per request (C-level set tests, milliseconds for 50 000 people)
    keeps the cached index free of per-identifier link tables."""
    keys = {(i.store, i.value) for i in subject.identifiers if i.kind is IdentifierKind.KEY}
    strong = frozenset(i for i in subject.identifiers if i.kind in LINKING)
    return [
        n
        for n, p in enumerate(index.rows)
        if p is not None and ((p.store, p.key) in keys or not strong.isdisjoint(p.identifiers))
    ]


class SubjectOverlay:
    """What in the index is the subject's own: their rows, name tokens and values, and a small
    pattern that finds their phone numbers, IBANs, IPs, e-mails, cards and logins however
    they are written (so a generic pattern can never eat into them)."""

    def __init__(self, index: PeopleIndex, subject: Subject) -> None:
        self.rows = frozenset(subject_rows(index, subject))
        rows = self.rows
        self.tokens: set[int] = set()  #: name token ids of the subject
        self.words: set[str] = set()  #: the subject's name tokens, folded, in every spelling
        self.givens: set[int] = set()  #: token ids of the subject's given names
        self.surnames: set[int] = set()  #: token ids of the subject's surnames
        self.spelled: set[tuple[str, str]] = set()  #: (given, surname) exactly as the subject's stores write them
        self.pairs: set[tuple[int, int]] = set()
        self.initials: set[tuple[str, int]] = set()
        self.first_initials: set[tuple[int, str]] = set()
        self.keys: set[str] = set()  #: folded identifier keys (e-mail, card, login, street)
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.ibans: set[str] = set()
        self.ips: set[str] = set()
        self.cards: set[str] = set()
        self.addresses: set[str] = set()
        self.postcodes: set[str] = set()
        self.towns: set[str] = set()  #: address keys of the subject's towns (for a postcode nobody stored)
        self._index = index
        profile = subject.profile
        self._name(
            *person_name(
                profile.first_name, profile.last_name, profile.display_name if not profile.first_name else None
            )
        )
        if profile.email:
            self._email(profile.email)
        if profile.street:
            self._street(profile.street)
        if profile.postal_code:
            self.postcodes.add(profile.postal_code.strip())
        if profile.city:
            self.towns.add(address_key(profile.city))
        self._identifiers(subject.identifiers, names=True)
        for i in sorted(rows):
            p = index.rows[i]
            assert p is not None
            self._name(*person_name(p.first_name, p.last_name, p.full_name))
            self._identifiers(p.identifiers, names=False)
            if p.street:
                self._street(p.street)
            if p.postal_code:
                self.postcodes.add(p.postal_code.strip())
            if p.city:
                self.towns.add(address_key(p.city))
        self.pattern = self._pattern()
        self.needles = self._needles()
        self.literals = self._literals()
        del self._index

    def _name(self, first: str, last: str) -> None:
        tok = self._index.token_of.get
        givens = {first, *first.split()} - {""}
        for w in (*givens, last):
            if w:
                self.words |= spellings(w)
                t = tok(w)
                if t is not None:
                    self.tokens.add(t)
        for given in givens:
            gt = tok(given)
            if gt is not None:
                self.givens.add(gt)
        lt = tok(last) if last else None
        if lt is None:
            return
        self.surnames.add(lt)
        for given in givens:
            gt = tok(given)
            self.spelled.add((given, last))
            if gt is not None:
                self.pairs.add((gt, lt))
        if first:
            self.initials.add((first[0], lt))
            ft = tok(first.split()[0])
            if ft is not None:
                self.first_initials.add((ft, last[0]))

    def _email(self, value: str) -> None:
        v = value.strip().lower()
        self.emails.add(v)
        self.keys.add(fold(v))

    def _street(self, street: str) -> None:
        self.addresses.add(address_key(street))
        self.keys |= street_forms(street)

    def _identifiers(self, identifiers: Iterable[Identifier], names: bool) -> None:
        K = IdentifierKind
        for ident in identifiers:
            kind, value = ident.kind, ident.value
            if not value:
                continue
            if kind is K.EMAIL:
                self._email(value)
            elif kind is K.CARD:
                self.cards.add(value.strip().upper())
                self.keys.add(fold(value.strip()))
            elif kind is K.LOGIN:
                self.keys.add(fold(value.strip()))
            elif kind is K.PHONE:
                self.phones.update(stored_phone_keys(value))  # any format, every reading
            elif kind is K.IP or kind is K.IP_EXCLUSIVE:
                v = ip_key(value)
                if v:
                    self.ips.add(v)
            elif kind is K.IBAN:
                self.ibans.add(value.replace(" ", "").upper())
            elif kind is K.NAME and names:
                words = value.split()
                if len(words) >= 2:
                    self._name(*person_name(" ".join(words[:-1]), words[-1], None))

    def _needles(self) -> tuple[bytes, ...]:
        """What :attr:`pattern` can only match where these letters and digits stand in a row
        (separators left out): the national numbers and the IBANs. A cheap test before the regex,
        in ASCII bytes (the text around a find is packed as bytes: faster)."""
        out = {iban for iban in self.ibans}
        for e164 in self.phones:
            try:
                out.add(str(phonenumbers.parse(e164).national_number))
            except phonenumbers.NumberParseException:
                continue
        return tuple(n.encode() for n in sorted(out))

    def _pattern(self) -> re.Pattern[str] | None:
        """The subject's phone numbers as written in free text (digits with any separators,
        national or international prefix) and IBANs with or without spaces."""
        alts: list[str] = []
        sep = r"[ \u00a0/().–-]{0,2}"
        for e164 in self.phones:
            try:
                number = phonenumbers.parse(e164)
            except phonenumbers.NumberParseException:
                continue
            cc, national = str(number.country_code), str(number.national_number)
            trunk = _TRUNK_PREFIX.get(cc, "")  # written nationally: "0171 …", "(212) …"
            alts.append(rf"(?:\+{sep}{cc}|00{sep}{cc}{trunk})" + sep + r"(?:\(0\))?" + sep + sep.join(national))
        for iban in self.ibans:
            alts.append(" ?".join(re.escape(c) for c in iban))
        if not alts:
            return None
        alts.sort(key=len, reverse=True)
        return re.compile(r"(?<![^\W_])(?:" + "|".join(alts) + r")(?![^\W_])", re.IGNORECASE)

    def _literals(self) -> ahocorasick.Automaton | None:
        """The subject's e-mails, cards, logins, street addresses and IPs, folded."""
        keys = {k for k in (*self.keys, *(fold(v) for v in (*self.ips, *self.emails, *self.cards))) if k}
        if not keys:
            return None
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for k in keys:
            automaton.add_word(k, len(k))
        automaton.make_automaton()
        return automaton


class Gazetteer:
    """Everyone the controller knows (:attr:`index`), what of it is the subject's
    (:attr:`subject`), and the request's own allow-listed phrases (:attr:`phrases`). Build with
    :meth:`build`, or from a cached index with :meth:`for_subject`."""

    def __init__(self, index: PeopleIndex, subject: SubjectOverlay, phrases: Phrases | None = None) -> None:
        self.index = index
        self.subject = subject
        self.phrases = phrases if phrases is not None else Phrases(())

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
        return cls.for_subject(PeopleIndex.build(people, allow, card_pattern), subject)

    @classmethod
    def for_subject(cls, index: PeopleIndex, subject: Subject, phrases: Iterable[str] = ()) -> Gazetteer:
        """The gazetteer for ``subject`` on a (cached) index; ``phrases``: allow-listed text of this
        request only (the catalogue titles in the subject's records) — kept as if the index had
        been built with them in its allow-list."""
        return cls(index, SubjectOverlay(index, subject), Phrases(phrases))

    @property
    def people(self) -> list[KnownPerson | None]:
        """Store rows by person index (0: the subject). Never printed, only hashed into logs."""
        return self.index.rows

    def __len__(self) -> int:
        return len(self.index)


def people_fingerprint(people: Iterable[KnownPerson]) -> str:
    """A hash of every person's data, in the stores' order: equal for equal store contents, and
    different after any change of a name, identifier or address, an added or a removed person (the
    key of :class:`GazetteerCache`: stores offer no cheaper marker that is safe, see
    docs/redaction.md). The order counts: the index numbers people in it."""
    h = hashlib.blake2b(digest_size=16)
    enc = msgspec.msgpack.Encoder(order="deterministic")
    for p in people:
        h.update(enc.encode(p))
    return h.hexdigest()


class GazetteerCache:
    """The people index per controller and (store fingerprint, allow-list, card pattern), so a
    portal builds it once per change of the stores instead of once per request. Bounded to
    ``size`` controllers (default: ``[dsr] cache_controllers``, :mod:`dsr.controller_cache`),
    least recently used first; a controller keeps its ``per_controller`` latest indexes.
    The allow-list is the controller's (:meth:`AllowList.for_controller` without a catalogue):
    a request's catalogue titles go in ``phrases``, or every subject would get an index of its own."""

    def __init__(self, size: int | None = None, per_controller: int = 4) -> None:
        from dsr.controller_cache import ControllerCache

        self.per_controller = per_controller
        self._controllers: ControllerCache[OrderedDict[tuple[str, AllowList | None, str | None], PeopleIndex]]
        self._controllers = ControllerCache(size=size)
        self._lock = threading.Lock()  # guards the indexes; held briefly, never while building one
        #: one lock per controller, held while its index is built: the same index is not built twice
        #: at once, and a build (seconds for a large school) holds up no other controller's answer
        self._building: dict[str, threading.Lock] = {}

    @property
    def size(self) -> int:
        return self._controllers.size

    def indexes(self, controller: str) -> int:
        """How many indexes the controller has in the cache (0: none, or evicted)."""
        kept = self._controllers.peek(controller)
        with self._lock:
            return len(kept) if kept is not None else 0

    def clear(self) -> None:
        self._controllers.clear()

    def gazetteer(
        self,
        fingerprint: str,
        people: Callable[[], Iterable[KnownPerson]],
        subject: Subject,
        allow: AllowList | None = None,
        card_pattern: str | None = CARD_PATTERN,
        *,
        controller: str = "",
        phrases: Iterable[str] = (),
    ) -> Gazetteer:
        """The gazetteer for ``subject``; ``people`` is only called when the index is not cached.
        ``phrases``: the request's own allow-listed text (:meth:`Gazetteer.for_subject`)."""
        key = (fingerprint, allow, card_pattern)
        name = controller or subject.controller
        indexes = self._controllers.get(name, OrderedDict)
        with self._lock:
            index = indexes.get(key)
            if index is not None:
                indexes.move_to_end(key)
                return Gazetteer.for_subject(index, subject, phrases)
            building = self._building.setdefault(name, threading.Lock())
        with building:
            with self._lock:
                index = indexes.get(key)  # built by another thread while this one waited
            if index is None:
                index = PeopleIndex.build(people(), allow, card_pattern)
                with self._lock:
                    indexes[key] = index
                    while len(indexes) > self.per_controller:
                        indexes.popitem(last=False)
        return Gazetteer.for_subject(index, subject, phrases)
