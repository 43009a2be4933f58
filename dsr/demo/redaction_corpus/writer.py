"""Filling a template: each slot becomes text as somebody would write it, and a labelled span.

One :class:`Writer` per request (its household); :meth:`Writer.fill` casts the roles of one
document afresh (the same role in one template is the same person) and returns the text with
its spans.
"""

from __future__ import annotations

import random
import re

from faker import Faker

from dsr.demo.redaction_corpus import noise
from dsr.demo.redaction_corpus.labels import Span
from dsr.demo.redaction_corpus.mentions import Mentions, Piece
from dsr.demo.redaction_corpus.names import plain
from dsr.demo.redaction_corpus.people import Household, Person
from dsr.demo.redaction_corpus.templates import BOOKS

_SLOT = re.compile(r"\{(?:([A-Z]\d?)\.(\w+)|([A-Z]+))\}")

_RELATION_WORDS = {
    ("guardian", "f"): ("Mutter", "mother", "meine"),
    ("guardian", "m"): ("Vater", "father", "mein"),
    ("sibling", "f"): ("Schwester", "sister", "meine"),
    ("sibling", "m"): ("Bruder", "brother", "mein"),
    ("cousin", "f"): ("Cousine", "cousin", "meine"),
    ("cousin", "m"): ("Cousin", "cousin", "mein"),
}
_WORDS = {
    "NOUN": noise.NOUNS,
    "PEOPLE": noise.PEOPLE,
    "WEEKDAY": noise.WEEKDAYS,
    "MONTH": noise.MONTHS,
    "BROWSER": noise.BROWSERS,
    "OS": noise.SYSTEMS,
    "DEVICE": noise.DEVICES,
    "CITY": noise.CITIES,
}
_CLASSES = ["5a", "6b", "7b", "7c", "8a", "9a", "9c", "10b", "Q11", "Q12"]
_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Version/17.2 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
]


class Writer:
    """Writes the documents of one request: ``household`` is the requester's, ``crowd`` the
    other known people (``specials`` their noun-, first-name- and particle-named ones),
    ``strangers`` people in no store; ``tokens`` every stored name word (see :class:`Mentions`)."""

    def __init__(
        self,
        rnd: random.Random,
        household: Household,
        crowd: list[Person],
        specials: dict[str, list[Person]],
        strangers: list[Person],
        tokens: frozenset[str],
        faker_en: Faker,
    ) -> None:
        self.rnd, self.home, self.crowd, self.specials, self.strangers = rnd, household, crowd, specials, strangers
        self.mentions = Mentions(rnd, household, tokens, faker_en)
        s = household.subject
        self._own = {plain(w) for w in (*s.first.split(), *s.last.split())}
        self.cast: dict[str, Person] = {}
        self.language = "de"

    # ------------------------------------------------------------------ documents

    def usable(self, template: str) -> bool:
        return ("{K." not in template or bool(self.home.siblings)) and (
            "{W." not in template or self.home.twin is not None
        )

    def fill(self, template: str, language: str, genre: str, keep: tuple[str, ...] = ()) -> Piece:
        """``template`` written out, with the spans of its mentions; roles in ``keep`` stay
        cast as they were (a log session's person)."""
        self.language = self.mentions.language = language
        self.mentions.genre = genre
        self.mentions.apache = template.startswith("{L.ip")
        self.cast = {k: v for k, v in self.cast.items() if k in keep}
        parts: list[str] = []
        spans: list[Span] = []
        length = pos = 0
        for m in _SLOT.finditer(template):
            literal = template[pos : m.start()]
            parts.append(literal)
            length += len(literal)
            text, found = (
                self._person_slot(m.group(1), m.group(2)) if m.group(1) else (self._plain_slot(m.group(3)), [])
            )
            spans += [s.at(length) for s in found]
            parts.append(text)
            length += len(text)
            pos = m.end()
        parts.append(template[pos:])
        return "".join(parts), spans

    # ------------------------------------------------------------------ casting

    def _person(self, role: str) -> Person:
        p = self.cast.get(role)
        if p is None:
            p = self.cast[role] = self._choose(role)
        return p

    def _choose(self, role: str) -> Person:
        rnd, home = self.rnd, self.home
        if role == "S":
            return home.subject
        if role == "G":
            return rnd.choice(home.guardians)
        if role == "K":
            return rnd.choice(home.siblings)
        if role == "W":
            assert home.twin is not None
            return home.twin
        if role == "L":
            return home.subject if rnd.random() < 0.5 else self._other(self.crowd)
        if role == "Y":  # an e-mail's sender
            r = rnd.random()
            if r < 0.35:
                return home.subject
            if r < 0.7:
                return rnd.choice(home.guardians)
            return self._other(self.crowd if r < 0.9 else self.strangers)
        pool = {"N": "noun", "M": "noun_first", "P": "particle"}.get(role[0])
        if pool is not None:
            return self._other(self.specials[pool])
        return self._other(self.strangers if role[0] in "UX" else self.crowd)

    def _other(self, pool: list[Person]) -> Person:
        """Somebody of ``pool`` not yet cast in this document, who shares no name word with the
        requester (a classmate called like the requester is a different, ambiguous case)."""
        cast = list(self.cast.values())
        for _ in range(50):
            p = self.rnd.choice(pool)
            if p not in cast and not ({plain(w) for w in (*p.first.split(), *p.last.split())} & self._own):
                return p
        return self.rnd.choice(self.crowd)

    # ------------------------------------------------------------------ slots

    def _plain_slot(self, name: str) -> str:
        rnd, de = self.rnd, self.language == "de"
        if name == "BOOK":
            return rnd.choice(BOOKS)[1]
        if name == "AUTHOR":
            return rnd.choice(BOOKS)[0]
        if name == "CLASS":
            return rnd.choice(_CLASSES)
        if name == "DATE":
            day, month = rnd.randrange(1, 29), rnd.randrange(1, 13)
            return f"{day:02d}.{month:02d}.2025" if de else f"2025-{month:02d}-{day:02d}"
        if name == "NR":
            return str(rnd.randrange(1000, 99999))
        if name == "EUR":
            cents = rnd.choice(["00", "50", "20"])
            return f"{rnd.randrange(1, 30)},{cents}" if de else f"{rnd.randrange(1, 30)}.{cents}"
        if name == "TS":
            minute, second = rnd.randrange(60), rnd.randrange(60)
            if self.mentions.apache:
                return f"12/Mar/2025:10:{minute:02d}:{second:02d} +0100"
            return f"2025-03-12T10:{minute:02d}:{second:02d}+01:00"
        if name == "SIZE":
            return str(rnd.randrange(200, 40000))
        if name == "UA":
            return rnd.choice(_AGENTS)
        return rnd.choice(_WORDS[name])

    def _person_slot(self, role: str, field: str) -> Piece:
        p = self._person(role)
        words = _RELATION_WORDS.get((p.relation, p.gender))
        if field in ("rel", "cousin", "myrel", "Myrel", "mycousin", "Mycousin"):
            assert words is not None, (role, field)
            de_word, en_word, mine = words
            word = de_word if self.language == "de" else en_word
            if field.lower().startswith("my"):
                word = f"{mine if self.language == 'de' else 'my'} {word}"
            return (word[0].upper() + word[1:] if field[0].isupper() else word), []
        return self.mentions.write(field, p)
