"""How people write names: spellings that name the same stored person, for resolution only.

"Mueller" for "Müller", "Oeztuerk" or "Ozturk" for "Öztürk", "Rene" for "René", "Meyer Lüdenscheidt"
for "Meyer-Lüdenscheidt", first and last name swapped, one letter off in a longer name: a requester
who writes their name like this must not be told "we hold no data about you". Such a *near miss*
never identifies anybody on its own — it sends the request to an officer (ambiguous), who checks.

Both sides go through the same folding (:func:`forms`). Unlike redaction's length-preserving fold,
this one may change length: nothing here maps offsets back into text.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import unicodedata

#: spelled out the German way ("ü" → "ue"), or reduced to the base letter ("ü" → "u"); letters that
#: no accent-stripping reduces ("ł", "ı") are the same in both
_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "oe", "ł": "l", "đ": "d", "ı": "i"}
)
_PLAIN = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—'’`´.,]+")
#: the written-out forms a typed name may stand for, in both directions
_DIGRAPHS = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("ss", "ß"))
_UMLAUT = {"a": "ä", "o": "ö", "u": "ü"}
#: at most this many places in a typed name are tried with an umlaut (2**6 spellings per form)
MAX_SPOTS = 6
#: at most this many letters of a name are folded each on its own ("Oezturk": Ö written out, ü reduced);
#: a name with more gets the two uniform forms only (2**4 forms at most)
MAX_MIXED = 4
#: names shorter than this must match exactly (after folding): one letter off in "Anna" is "Anne"
MIN_TYPO_LENGTH = 5


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    return [t for t in _SEPARATORS.split(text) if t]


@functools.lru_cache(maxsize=4096)
def forms(text: str) -> frozenset[str]:
    """The folded forms of a name: lower case, accents off, hyphens and apostrophes as spaces; umlauts
    written out ("mueller") or reduced ("muller") — each letter on its own, as people mix them
    ("Oezturk" for "Öztürk"), for names with up to :data:`MAX_MIXED` such letters."""
    low = unicodedata.normalize("NFC", text).casefold()
    choices = [tuple(dict.fromkeys((_fold(c, _GERMAN), _fold(c, _PLAIN)))) for c in low]
    if sum(len(c) > 1 for c in choices) > MAX_MIXED:
        folded = {"".join(c[0] for c in choices), "".join(c[-1] for c in choices)}
    else:
        folded = {"".join(letters) for letters in itertools.product(*choices)}
    return frozenset(" ".join(_tokens(f)) for f in folded)


def _fold(letter: str, table: dict[int, str]) -> str:
    return _strip_accents(letter.translate(table))


def initials(text: str) -> set[str]:
    """The first letter of a name in every folded form ("Ö" → "o"): a cheap first test before :func:`near`."""
    return {form[:1] for form in forms(text.lstrip()[:1])}


def _one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by at most one inserted, deleted, replaced or two swapped neighbouring letters."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _same_tokens(typed: list[str], stored: list[str]) -> bool:
    if sorted(typed) == sorted(stored):  # also first and last name swapped
        return True
    return "".join(typed) == "".join(stored)  # "Meyer Lüdenscheidt" / "Meyerlüdenscheidt"


def _near_tokens(typed: list[str], stored: list[str]) -> bool:
    if _same_tokens(typed, stored):
        return True
    if len(typed) != len(stored):
        return False
    for order in (typed, typed[::-1]):
        off = [(a, b) for a, b in zip(order, stored, strict=True) if a != b]
        if len(off) == 1 and min(len(off[0][0]), len(off[0][1])) >= MIN_TYPO_LENGTH and _one_edit(*off[0]):
            return True
    return False


def near(typed_first: str | None, typed_last: str | None, stored_first: str | None, stored_last: str | None) -> bool:
    """Whether the typed name may be the stored one written another way (see the module's text)."""
    typed = " ".join(p for p in (typed_first, typed_last) if p)
    stored = " ".join(p for p in (stored_first, stored_last) if p)
    if not typed.strip() or not stored.strip():
        return False
    return any(_near_tokens(t.split(), s.split()) for t in forms(typed) for s in forms(stored))


def same(typed_first: str | None, typed_last: str | None, stored_first: str | None, stored_last: str | None) -> bool:
    """Whether the typed name *is* the stored one, folded the same way on both sides: umlauts written out or
    reduced, accents, case, hyphen or space, first and last name swapped — no letter off. A row of that
    name born on another day is still a near miss (ambiguous): the request names it."""
    typed = " ".join(p for p in (typed_first, typed_last) if p)
    stored = " ".join(p for p in (stored_first, stored_last) if p)
    if not typed.strip() or not stored.strip():
        return False
    return any(_same_tokens(t.split(), s.split()) for t in forms(typed) for s in forms(stored))


def stored_spellings(typed: str) -> list[str]:
    """How a typed (last) name may be stored, for an exact database lookup: umlauts written out or
    left out ("Mueller", "Muller" → "Müller"), accents off, hyphen or space, as typed and in title case."""
    text = " ".join(unicodedata.normalize("NFC", typed).split())
    seeds = {text, _strip_accents(text), text.translate(_GERMAN), _strip_accents(text.translate(_PLAIN))}
    for seed in list(seeds):
        seeds |= {seed.replace("-", " "), seed.replace(" ", "-")}
    variants: set[str] = set()
    for seed in seeds:
        lower = seed.lower()
        spots = sorted(
            {(m.start(), len(a), b) for a, b in _DIGRAPHS for m in re.finditer(a, lower)}
            | {(m.start(), 1, _UMLAUT[m.group()]) for m in re.finditer("[aou]", lower)}
        )[:MAX_SPOTS]
        for chosen in itertools.product((False, True), repeat=len(spots)):
            out, end = [], 0
            for (start, length, umlaut), use in zip(spots, chosen, strict=True):
                if not use or start < end:  # overlapping spots ("ue" and "u"): the first one taken wins
                    continue
                out.append(seed[end:start])
                out.append(umlaut.upper() if seed[start].isupper() and umlaut != "ß" else umlaut)
                end = start + length
            out.append(seed[end:])
            variants.add("".join(out))
    cased = [v for variant in sorted(variants) for v in (variant, variant.title(), variant.lower(), variant.upper())]
    return list(dict.fromkeys(cased))


def swapped_day_and_month(day: dt.date) -> dt.date | None:
    """The date with day and month exchanged (03.04. for 04.03.), if that is a date and another one."""
    if day.day > 12 or day.day == day.month:
        return None
    return day.replace(month=day.day, day=day.month)
