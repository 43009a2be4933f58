"""Names: the pools people are drawn from (several languages, surnames with particles, surnames
and first names that are also ordinary words), and the ways a name is written (orders, casing,
umlaut transliteration, one-letter typos, URL encoding)."""

from __future__ import annotations

import random
import re
import urllib.parse

from faker import Faker

#: surnames (and first names) that are also common nouns or words: only their position says
#: whether they name somebody ("Frau König" / "der König im Märchen")
NOUN_SURNAMES = ["König", "Wolf", "Fuchs", "Ernst", "Koch", "Bauer", "Schmied", "Vogel", "Engel", "Kaiser"]
NOUN_SURNAMES += ["Sommer", "Winter", "Lange", "Klein", "Graf", "Hahn", "Jung", "Frank", "Braun", "Bach"]
NOUN_FIRSTS = {"m": ["Max", "Mark", "Ernst", "Frank", "Hans"], "f": ["Rose", "Erika", "Heide", "Linde", "Margarete"]}
PARTICLE_SURNAMES = ["van der Berg", "von Stein", "de Vries", "van Dijk", "von der Heide", "de Boer", "van Beek"]
PARTICLE_SURNAMES += ["von Bülow", "di Marco", "da Silva", "zu Dohna", "von Arnim", "ter Horst", "O'Brien"]

#: a name as people have them (faker also has "Hans-J." and "Koch II")
_NAME = re.compile(r"(?!.*\bI+\b)[^\W\d_]+(?:[ '-][^\W\d_]+)*")
_LOCALES = ["de_DE", "de_DE", "de_DE", "en_GB", "tr_TR", "pl_PL", "nl_NL", "it_IT"]


class NamePools:
    """Distinct first names (by gender) and surnames from several locales' faker lists."""

    def __init__(self, seed: int) -> None:
        fakers = [Faker(loc) for loc in _LOCALES]
        for i, f in enumerate(fakers):
            f.seed_instance(seed + i)
        self.firsts = {
            "f": sorted({n for i in range(900) if _NAME.fullmatch(n := fakers[i % len(fakers)].first_name_female())}),
            "m": sorted({n for i in range(900) if _NAME.fullmatch(n := fakers[i % len(fakers)].first_name_male())}),
        }
        lasts = {n for i in range(2500) if _NAME.fullmatch(n := fakers[i % len(fakers)].last_name())}
        self.lasts = sorted(lasts - set(NOUN_SURNAMES) - set(PARTICLE_SURNAMES))
        self.umlaut_lasts = [x for x in self.lasts if any(c in x for c in "äöüÄÖÜß")]
        self.faker_de, self.faker_en = fakers[0], fakers[3]

    def first(self, rnd: random.Random, gender: str) -> str:
        return rnd.choice(self.firsts[gender])


UMLAUTS = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"))


def translit(s: str) -> str:
    for a, b in UMLAUTS:
        s = s.replace(a, b)
    return s


def lower(s: str) -> str:
    """``s`` in lower case as a person types it: "İnönü" → "inönü" (``str.lower`` adds a
    combining dot)."""
    return s.replace("İ", "i").lower()


def plain(word: str) -> str:
    """A name word as a reader compares it: lower case, umlauts written out, "ı" as "i"
    ("Müller", "MUELLER" and "mueller" are one word, so are "Algış" and "Algis")."""
    return translit(lower(word)).replace("ı", "i")


def has_umlaut(s: str) -> bool:
    return translit(s) != s


_LETTERS = "abcdefghiklmnoprstuvwz"


def typo(word: str, rnd: random.Random) -> str:
    """``word`` with one edit: a letter replaced, dropped, doubled or two letters swapped (never
    the first letter: people rarely get that wrong)."""
    i = rnd.randrange(1, len(word))
    edit = rnd.randrange(4)
    if edit == 0:
        return word[:i] + rnd.choice([c for c in _LETTERS if c != word[i].lower()]) + word[i + 1 :]
    if edit == 1:
        return word[:i] + word[i + 1 :]
    if edit == 2:
        return word[:i] + word[i] + word[i:]
    if i == len(word) - 1:
        i -= 1
    if word[i] == word[i + 1] or i == 0:
        return word[:i] + rnd.choice(_LETTERS) + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def url_encoded(text: str, rnd: random.Random) -> tuple[str, str]:
    """``text`` as a query string carries it: "+" for spaces and %xx for the rest, or %20."""
    if rnd.random() < 0.6:
        return urllib.parse.quote_plus(text), "url-plus"
    return urllib.parse.quote(text, safe=""), "url-pct"
