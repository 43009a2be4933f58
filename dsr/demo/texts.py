"""Free texts as James users write them, with ground truth of who is mentioned where.

Every generated text comes back with the spans it inserted: which person (a stable key), which
kind of mention (full name, bare first name, "Frau Müller", e-mail, phone, IBAN, IP address),
and whether that person is the row's own subject. The redaction work can use this as a
labelled corpus; the demo stores use only the text.

Templates use ``{role.attr}`` fields. Roles: ``self`` (the row's subject) and any other
person the caller passes (``mate``, ``parent``, ``teacher`` …); attrs: ``full``, ``first``,
``last``, ``title`` ("Frau Müller"), ``reversed`` ("Müller, Anna"), ``email``, ``phone``,
``iban``, ``ip``, and ``cousin``: the full name of the person's cousin stored without umlauts
("Lukas Mueller" for a "Lukas Müller", :func:`dsr.demo.people.spelling_cousin`) — another
person, whose name folds to this one's. A reader with such a cousin writes about them. Fields
without a dot (``{item}``, ``{date}``) are plain values, not mentions.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass

from dsr.demo.people import spelling_cousin

#: kinds of mention, as recorded in spans
KINDS = ("full_name", "first_name", "last_name", "title_name", "reversed_name", "email", "phone", "iban", "ip")
_ATTR_KIND = {
    "full": "full_name",
    "first": "first_name",
    "last": "last_name",
    "title": "title_name",
    "reversed": "reversed_name",
    "email": "email",
    "phone": "phone",
    "iban": "iban",
    "ip": "ip",
    "cousin": "full_name",
}


@dataclass(frozen=True, slots=True)
class Someone:
    """A person a text can mention. ``key`` says who it is, e.g. ``gym-regensburg/person/17``."""

    key: str
    first_name: str
    last_name: str
    gender: str = "f"
    email: str | None = None
    phone: str | None = None
    iban: str | None = None
    ip: str | None = None

    def render(self, attr: str) -> str | None:
        match attr:
            case "full":
                return f"{self.first_name} {self.last_name}"
            case "first":
                return self.first_name
            case "last":
                return self.last_name
            case "title":
                return f"{'Frau' if self.gender == 'f' else 'Herr'} {self.last_name}"
            case "reversed":
                return f"{self.last_name}, {self.first_name}"
            case "email" | "phone" | "iban" | "ip":
                return getattr(self, attr)
            case "cousin":
                return spelling_cousin(self.first_name, self.last_name)
        raise KeyError(attr)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str  #: one of KINDS
    person: str  #: Someone.key
    own: bool  #: the row's own subject (must stay in their copy)


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    spans: tuple[Span, ...]


TEMPLATES: dict[str, tuple[str, ...]] = {
    "staff_note": (
        "Sitzt in der Leseecke oft mit {mate.full}; bei Problemen Mutter anrufen: {parent.phone}.",
        "Ausweis am {date} ersetzt, alter Ausweis von {mate.first} gefunden.",
        "Vorsicht: Verwechslungsgefahr mit {mate.full} aus der Parallelklasse.",
        "Eltern wünschen Kontakt nur per E-Mail an {parent.email}.",
        "Hat Buch für {mate.full} ausgeliehen, Rückgabe klären mit {teacher.title}.",
        "{self.first} hilft freitags bei der Ausleihe, Absprache mit {teacher.title}.",
        "Sperre aufgehoben nach Rücksprache mit {parent.full} ({parent.phone}).",
        "Reader asked to be contacted at {self.email} only.",
        "Mahnung zurückgekommen, neue Adresse über {teacher.title} erfragen.",
        "Streit mit {mate.first} in der Bibliothek am {date}, beide ermahnt.",
    ),
    "loan_note": (
        "Für {mate.full} mitgenommen.",
        "Zurückgegeben von {mate.first} (Schwester).",
        "Umschlag eingerissen, {self.first} sagt: war schon so.",
        "Verlängert auf Wunsch von {teacher.title}.",
        "Abgegeben durch Vater, Tel. {parent.phone}.",
        "Returned by {mate.full}, not by the borrower.",
        "Klassensatz für {item}, Rückgabe über {mate.full}.",
        "Nachricht an {parent.email} wegen Verlängerung.",
    ),
    "fee_note": (
        "Bezahlt von {parent.full} in bar.",
        "Überwiesen von {parent.reversed}, IBAN {parent.iban}.",
        "Erlassen auf Bitte von {teacher.title}.",
        "Schaden verursacht durch {mate.full} laut Aussage von {self.first}.",
        "Mutter ({parent.email}) bittet um Ratenzahlung.",
        "Paid by bank transfer from {parent.iban}.",
    ),
    "review": (
        "Super Buch! {mate.first} aus meiner Klasse fand es auch toll.",
        "Hab ich mit {mate.full} zusammen gelesen, das Ende ist traurig.",
        "Langweilig. {teacher.title} hat es uns empfohlen, keine Ahnung warum.",
        "Wer es auch lesen will: schreibt mir an {self.email}.",
        "Ich fand es mega spannend, {mate.first} hat mir das Ende verraten :(",
        "Total gut, aber {mate.full} hat Seiten rausgerissen!!",
        "Great read, my friend {mate.first} recommended it.",
        "Meine Mama ({parent.phone}) hat es auch gelesen und fand es gut.",
        "Empfehlung von {self.full}: unbedingt lesen!",
        "Geht so. Mein Cousin {self.cousin} aus der Parallelklasse fand es besser.",
    ),
    "damage_note": (
        "Wasserschaden, zuletzt bei {self.full}; Mutter {parent.title} informiert.",
        "Seiten 12-40 bemalt. {mate.first} war dabei laut {teacher.title}.",
        "Einband gebrochen nach Ausleihe durch {self.reversed}.",
        "Scratched disc, reported by {mate.full}.",
        "Kaffeefleck; Schadensmeldung an {parent.email} geschickt.",
    ),
    "privilege_reason": (
        "Ausleihhilfe auf Vorschlag von {teacher.title}.",
        "{self.first} übernimmt die Ausleihe in der 2. Pause, Absprache mit {mate.full}.",
        "Rechte entzogen: Ausleihe an {mate.full} ohne Ausweis vorgenommen.",
        "Admin rights for the new library coordinator, requested by {teacher.full}.",
        "Vertretung für {teacher.title} während Elternzeit.",
    ),
    "ticket_body": (
        "Guten Tag, die Schülerin {mate.full} ({mate.email}) kann sich nicht mehr anmelden. Die Mutter hat "
        "schon zweimal angerufen ({parent.phone}). Viele Grüße, {self.full}",
        "Hallo, bei uns funktioniert der Export nicht. Bitte Rückruf an {self.phone}. Gruß {self.first}",
        "Die Rechnung bitte an {mate.email} schicken, Ansprechpartnerin ist jetzt {mate.title}.",
        "Anmeldeprobleme von der Adresse {mate.ip} aus, betrifft das Konto von {mate.full}.",
        "Hello, our principal {mate.full} asks for a copy of the processing agreement. Regards, {self.full}",
        "Der Ausweis von {mate.full} ({mate.first} ist in der 7b) wird doppelt angezeigt.",
    ),
    "contract_notes": (
        "Verhandelt mit {self.full}; Schulleitung {mate.title} unterschreibt.",
        "Rabatt 10 % zugesagt von {staff.full} nach Telefonat mit {self.title} ({self.phone}).",
        "Kündigung angedroht durch {mate.full}, Gespräch am {date}.",
        "Contract renewal agreed with {self.email}.",
        "Zahlung künftig über Konto {mate.iban} des Fördervereins.",
    ),
}


def _fields(template: str) -> list[tuple[str, str | None, str | None]]:
    return [(lit, name, None) for lit, name, _spec, _conv in string.Formatter().parse(template)]


class NoteWriter:
    """Writes free texts of a kind from its templates, recording the spans it inserted."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._parsed = {k: [(t, _fields(t)) for t in ts] for k, ts in TEMPLATES.items()}

    def write(
        self,
        kind: str,
        people: Mapping[str, Someone],
        values: Mapping[str, str] | None = None,
        *,
        mentioning: str | None = None,
    ) -> Note:
        """A text of ``kind`` about ``people['self']``; templates needing people or values not given are skipped.

        ``mentioning`` (a placeholder such as ``"{mate.first}"``) keeps only templates that contain it.
        """
        values = values or {}
        usable = [
            p
            for p in self._parsed[kind]
            if self._fits(p[1], people, values) and (mentioning is None or mentioning in p[0])
        ]
        if not usable:
            return Note("", ())
        picked = self.rng.choice(usable)
        cousin = [p for p in usable if "{self.cousin}" in p[0]]
        _template, parts = cousin[0] if cousin and mentioning is None else picked
        return compose(parts, people, values)

    @staticmethod
    def _fits(
        parts: list[tuple[str, str | None, str | None]], people: Mapping[str, Someone], values: Mapping[str, str]
    ) -> bool:
        for _lit, name, _ in parts:
            if not name:
                continue
            role, _, attr = name.partition(".")
            if attr:
                who = people.get(role)
                if who is None or who.render(attr) is None:
                    return False
            elif role not in values:
                return False
        return True


def compose(
    parts: list[tuple[str, str | None, str | None]], people: Mapping[str, Someone], values: Mapping[str, str]
) -> Note:
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    own_key = people["self"].key if "self" in people else None
    for lit, name, _ in parts:
        out.append(lit)
        pos += len(lit)
        if not name:
            continue
        role, _, attr = name.partition(".")
        if attr:
            who = people[role]
            value = who.render(attr) or ""
            if attr == "cousin":  # somebody else, whatever the name folds to
                spans.append(Span(pos, pos + len(value), "full_name", f"{who.key}/cousin", False))
            else:
                spans.append(Span(pos, pos + len(value), _ATTR_KIND[attr], who.key, who.key == own_key))
        else:
            value = values[role]
        out.append(value)
        pos += len(value)
    return Note("".join(out), tuple(spans))


def mention(text_parts: list[tuple[str, Someone | None, str | None]], own_key: str | None) -> Note:
    """Build a longer text (a letter, log evidence) from literal pieces and mentions in order."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    for literal, who, attr in text_parts:
        if who is None or attr is None:
            out.append(literal)
            pos += len(literal)
            continue
        value = who.render(attr) or ""
        spans.append(Span(pos, pos + len(value), _ATTR_KIND[attr], who.key, who.key == own_key))
        out.append(value)
        pos += len(value)
    return Note("".join(out), tuple(spans))
