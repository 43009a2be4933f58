"""How one mention of a person is written, and its label: names in every order, case, spelling
and typo; e-mails, phone numbers, IPs, addresses, IBANs as people write them; the other party
of an incident (host names, case numbers); names and e-mails inside URLs.

:meth:`Mentions.write` is called by the :class:`~dsr.demo.redaction_corpus.writer.Writer` for a
slot ``{ROLE.field}`` once the role is cast.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from faker import Faker

from dsr.demo.redaction_corpus.labels import Span
from dsr.demo.redaction_corpus.names import has_umlaut, lower, plain, translit, typo, url_encoded
from dsr.demo.redaction_corpus.numbers import (
    COUNTRY_WORDS,
    case_number,
    extension,
    provider_host,
    short_local,
    written_iban,
    written_ip,
    written_phone,
)
from dsr.demo.redaction_corpus.people import Household, Person
from dsr.demo.redaction_corpus.places import foreign_address, written_address

Piece = tuple[str, list[Span]]

_TITLES = {
    ("de", "f"): ["Frau", "Frau", "Fr.", "Frau Dr."],
    ("de", "m"): ["Herr", "Herr", "Hr.", "Herrn"],
    ("en", "f"): ["Mrs", "Ms", "Mrs.", "Ms."],
    ("en", "m"): ["Mr", "Mr.", "Mr", "Dr."],
}
_SHORT_CUES = {"de": ["Tel. ", "Tel.: ", "Telefon ", "Handy ", "Festnetz: "], "en": ["phone ", "phone: ", "tel. "]}


class Mentions:
    """Writes mentions for one request (``home``: its household). ``tokens``: every stored
    name word (folded, transliterated), so a typo never lands on another person's name. The
    :class:`Writer` sets :attr:`language`, :attr:`genre` and :attr:`apache` (an access-log
    line, where an IP has no port) per text."""

    def __init__(self, rnd: random.Random, home: Household, tokens: frozenset[str], faker_en: Faker) -> None:
        self.rnd, self.home, self.tokens, self.faker_en = rnd, home, tokens, faker_en
        self.language = "de"
        self.genre = "note"
        self.apache = False

    def write(self, field: str, p: Person) -> Piece:
        return _FIELDS[field](self, p, self._span(p))

    def _span(self, p: Person) -> Span:
        """A span template (kind and offsets filled in by the field) for a mention of ``p``."""
        subject = p is self.home.subject
        return Span(
            0, 0, "subject" if subject else "third", "name", known=p.known, relative=bool(p.relation) and not subject
        )

    # names

    def _name(self, p: Person, base: Span, order: str, forced: str = "") -> Piece:
        variant = forced or self._variant(p)
        first, last = p.first, p.last
        if variant == "translit":
            first, last = translit(first), translit(last)
        elif variant == "lower":
            first, last = lower(first), lower(last)
        elif variant == "upper":
            first, last = first.upper(), last.upper()
        is_typo = False
        if variant == "typo":
            written = self._typo(first, last, order)
            if written is not None:
                first, last = written
                is_typo = True
            else:
                variant = "plain"
        text = {
            "full": f"{first} {last}",
            "lf": f"{last} {first}",
            "comma": f"{last}, {first}",
            "first": first,
            "last": last,
        }[order]
        form = f"{order} {variant}".strip()
        full = order in ("full", "lf", "comma")
        return text, [_span(base, len(text), "name", form, full=full, typo=is_typo)]

    def _variant(self, p: Person) -> str:
        r = self.rnd.random()
        small = 0.15 if self.genre == "review" else 0.05  # pupils' reviews are often all lower case
        if r < small:
            return "lower"
        if r < small + 0.12 and has_umlaut(p.full) and self._may_translit(p):
            return "translit"
        if r < small + 0.17:
            return "typo"
        if r < small + 0.18 and ("ß" not in p.full or self._may_translit(p)):  # "SPIESS" is "Spiess"
            return "upper"
        return "plain"

    def _may_translit(self, p: Person) -> bool:
        # the requester's name transliterated is another stored person's when a cousin is stored so
        return p is not self.home.subject or self.home.twin is None

    def _typo(self, first: str, last: str, order: str) -> tuple[str, str] | None:
        """(first, last) with one letter wrong in a word of five letters or more that the
        mention writes, unless every such edit makes another stored name."""
        written = {"first": [first], "last": [last]}.get(order, [first, last])
        candidates = [w for w in written if len(w) >= 5 and w.isalpha()]
        for _ in range(8 if candidates else 0):
            word = self.rnd.choice(candidates)
            wrong = typo(word, self.rnd)
            if plain(wrong) not in self.tokens and plain(wrong) != plain(word):
                return (wrong, last) if word == first else (first, wrong)
        return None

    def _title(self, p: Person, base: Span) -> Piece:
        title = self.rnd.choice(_TITLES[(self.language, p.gender)])
        text, spans = self._name(p, base, "last", "plain")
        return f"{title} {text}", [s.at(len(title) + 1) for s in spans]

    def _initial(self, p: Person, base: Span) -> Piece:
        sep = "." if self.rnd.random() < 0.2 else ". "
        text = f"{p.first[0]}{sep}{p.last}"
        return text, [_span(base, len(text), "name", "initial", full=True)]

    # identifiers

    def _email(self, p: Person, base: Span) -> Piece:
        rnd, email = self.rnd, p.email
        r = rnd.random()
        form = "as-stored"
        if r < 0.08:
            local, _, domain = email.partition("@")
            email, form = ".".join(w.capitalize() for w in local.split(".")) + "@" + domain, "capitalised"
        elif r < 0.12:
            email, form = email.upper(), "upper"
        before, after = ("<", ">") if rnd.random() < 0.1 else ("mailto:", "") if rnd.random() < 0.03 else ("", "")
        return f"{before}{email}{after}", [_span(base, len(email), "email", form).at(len(before))]

    def _phone(self, p: Person, base: Span) -> Piece:
        rnd = self.rnd
        text, form = written_phone(p.phone, rnd)
        after = ""
        if p.phone_country != "DE" and form.startswith("national"):
            after = f" ({COUNTRY_WORDS[self.language][p.phone_country]})"
            form += " with-country"
        if not p.known and rnd.random() < 0.25:
            ext, ext_form, joined = extension(rnd, self.language, p.phone_country, joined_ok=not after)
            form += f" {ext_form}"
            if joined:
                text += ext
            else:
                after = ext + after
        return text + after, [_span(base, len(text), "phone", f"{p.phone_country} {form}")]

    def _short(self, p: Person, base: Span) -> Piece:
        cue = self.rnd.choice(_SHORT_CUES[self.language])
        number = short_local(self.rnd)
        return cue + number, [_span(base, len(number), "phone", "short-local", review_ok=True).at(len(cue))]

    def _ip(self, p: Person, base: Span, which: str) -> Piece:
        ip = {"ip": p.ip, "ip6": p.ip6}.get(which) or self.rnd.choice([p.ip, p.ip6])
        before, text, after, form = written_ip(ip, self.rnd, port_ok=not self.apache)
        return before + text + after, [_span(base, len(text), "ip", form).at(len(before))]

    def _address(self, p: Person, base: Span, lines: bool) -> Piece:
        if p.address == self.home.subject.address:
            base = Span(0, 0, "subject", "address")  # the household's address is the requester's own
        if not p.known and self.language == "en" and not lines and self.rnd.random() < 0.5:
            text, form = foreign_address(self.faker_en, self.rnd)
        else:
            text, form = written_address(p.address, self.rnd, vary=True, lines=lines)
        return text, [_span(base, len(text), "address", form)]

    def _iban(self, p: Person, base: Span) -> Piece:
        text, form = written_iban(p.iban, self.rnd)
        return text, [_span(base, len(text), "iban", form)]

    def _host(self, p: Person, base: Span) -> Piece:
        host = provider_host(p.ip, self.rnd)
        return host, [_span(base, len(host), "host", "reverse-dns")]

    def _case(self, p: Person, base: Span) -> Piece:
        cue, number, form = case_number(self.rnd, self.language)
        return cue + number, [_span(base, len(number), "case", form).at(len(cue))]

    def _url(self, p: Person, base: Span, what: str) -> Piece:
        if what == "email":
            value, kind, full, form = p.email, "email", False, "url"
        else:
            value = p.full if what == "name" else p.last
            small = self.rnd.random() < 0.3
            value, kind, full, form = (
                (lower(value) if small else value),
                "name",
                what == "name",
                "lower" if small else "",
            )
        text, encoding = url_encoded(value, self.rnd)
        return text, [_span(base, len(text), kind, f"{encoding} {form}".strip(), full=full)]


def _span(
    base: Span, length: int, kind: str, form: str, full: bool = False, typo: bool = False, review_ok: bool = False
) -> Span:
    return Span(
        0,
        length,
        base.owner,
        kind,
        known=base.known,
        full=full,
        form=form,
        typo=typo,
        relative=base.relative,
        review_ok=review_ok or typo,
    )


_FIELDS: dict[str, Callable[[Mentions, Person, Span], Piece]] = {
    "full": lambda w, p, b: w._name(p, b, "full"),
    "lf": lambda w, p, b: w._name(p, b, "lf"),
    "comma": lambda w, p, b: w._name(p, b, "comma"),
    "first": lambda w, p, b: w._name(p, b, "first"),
    "last": lambda w, p, b: w._name(p, b, "last"),
    "low": lambda w, p, b: w._name(p, b, "full", "lower"),
    "typo": lambda w, p, b: w._name(p, b, "full", "typo"),
    "title": Mentions._title,
    "initial": Mentions._initial,
    "email": Mentions._email,
    "phone": Mentions._phone,
    "short": Mentions._short,
    "iban": Mentions._iban,
    "ip": lambda w, p, b: w._ip(p, b, "ip"),
    "ip6": lambda w, p, b: w._ip(p, b, "ip6"),
    "anyip": lambda w, p, b: w._ip(p, b, "any"),
    "card": lambda w, p, b: (p.card, [_span(b, len(p.card), "card", "as-stored")]),
    "login": lambda w, p, b: (p.login, [_span(b, len(p.login), "login", "as-stored")]),
    "addr": lambda w, p, b: w._address(p, b, lines=False),
    "lines": lambda w, p, b: w._address(p, b, lines=True),
    "host": Mentions._host,
    "case": Mentions._case,
    "urlname": lambda w, p, b: w._url(p, b, "name"),
    "urllast": lambda w, p, b: w._url(p, b, "last"),
    "urlemail": lambda w, p, b: w._url(p, b, "email"),
}
