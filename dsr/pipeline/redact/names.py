"""The other half of a name: what stands next to a known name token makes it a full name.

"Anna Müller" (a known person: redact; spelled exactly as another person: that person),
"Thomas Müller" (the requester's surname with another first name: a family member, review),
"Lena Somer" / "Lnea Sommer" (one letter from a known person's full name: review; the requester's
own name misspelt stays theirs), "Anna Zirme" / "Martin Bloch" (a half no store knows: the whole
name is the item). Called by :mod:`.scan` for each name token; a few slices and dict look-ups.
"""

from __future__ import annotations

import re

from dsr.pipeline.redact.cues import CUE_KEYS, NOT_NAMES, name_after
from dsr.pipeline.redact.fold import fold_word
from dsr.pipeline.redact.gazetteer import Gazetteer
from dsr.pipeline.redact.index import PeopleIndex
from dsr.pipeline.redact.spans import Hit, Kind, Tier
from dsr.pipeline.redact.typos import MIN_LENGTH
from dsr.pipeline.redact.words import FUNCTION_WORDS, HOMONYMS, NEVER, before, conjunction

#: inflected names: "Müllers", "Müllersche"
SUFFIX = re.compile(r"(?:s|sche[nrsm]?|'s|ens)(?![^\W_])")
RULE_FAMILY = "requester-surname-other-first-name"
RULE_TYPO = "known-name-typo"


def full_name(
    text: str,
    scan: str,
    start: int,
    end: int,
    tid: int,
    inflected: bool,
    g: Gazetteer,
    words: dict[int, list[tuple[int, int]]],
    out: list[Hit],
) -> bool:
    """ "Anna Müller", "Müller Anna", "Müller, Anna": the token before is the other half."""
    x, me = g.index, g.subject
    a_end = start - 1
    before = words.get(a_end)
    comma = False
    if before is None and scan[start - 1] == "," and start >= 3:
        a_end -= 1
        before, comma = words.get(a_end), True
    full = False
    for a_start, a_tid in before or ():
        pair = (a_tid, tid)
        person = None if comma else x.pairs.get(pair)
        if person is None:
            pair = (tid, a_tid)
            person = x.pairs.get(pair)
        if person is not None:
            full = True
            own = pair in me.pairs or person in me.rows
            if own and x.spelled:
                # "Lukas Mueller" folds to the subject's "Lukas Müller", but a stored person
                # is spelled exactly so: it is that person, unless the subject is spelled so too
                a_word, word = scan[a_start + 1 : a_end + 1], scan[start + 1 : end + 1]
                spelled = (a_word, word) if pair == (a_tid, tid) else (word, a_word)
                other = x.spelled.get(spelled)
                if other is not None and other not in me.rows and spelled not in me.spelled:
                    own, person = False, other
            out.append(named(a_start, end, person, own, inflected))
        elif (comma or (text[start - 1] == " " and not text.startswith(".", end))) and (
            other := _family_member(a_tid, tid, g)
        ) is not None:
            # the subject's surname with somebody else's first name: a parent or a sibling
            full = True
            out.append(Hit(a_start, end, Kind.NAME, Tier.REVIEW, RULE_FAMILY, other))
    return full


def _family_member(a: int, b: int, g: Gazetteer) -> int | None:
    """A person with the first name of ``a`` or ``b`` when the other is the subject's surname
    and the first name is not the subject's ("Thomas Müller" in Lukas Müller's records)."""
    me, first_owner = g.subject, g.index.first_owner
    for surname, given in ((b, a), (a, b)):
        if surname in me.surnames and given not in me.givens and given not in me.surnames:
            person = first_owner.get(given)
            if person is not None:
                return person
    return None


def misspelt_half(
    text: str, scan: str, span: tuple[int, int], start: int, end: int, tid: int, g: Gazetteer, out: list[Hit]
) -> bool:
    x, me = g.index, g.subject
    w_start, w_end = span
    folded = scan[w_start + 1 : w_end + 1]
    near = x.typos.near(folded)
    if not near or text[w_start:w_end] in NOT_NAMES or folded in CUE_KEYS or known_token(folded, x):
        return False  # "Jürgen Müllers": the inflected name makes its own hit; "Frau", "Gruß"
    word = scan[start + 1 : end + 1]
    for spelling in near:
        c = x.token_of[spelling]
        given_first = (c, tid) in x.pairs
        pair = (c, tid) if given_first else (tid, c)
        person = x.pairs.get(pair)
        if person is None:
            continue
        a, b = min(w_start, start), max(w_end, end)
        if pair in me.pairs or person in me.rows:
            # the requester's own name misspelt stays theirs, unless what is written is one
            # letter from a name spelled exactly as another person's ("Tijs Spiegs" when a
            # cousin is stored as "Tijs Spiess" and the requester as "Tijs Spieß")
            spelled = (spelling, word) if given_first else (word, spelling)
            other = x.spelled.get(spelled)
            if other is None or other in me.rows or spelled in me.spelled:
                out.append(Hit(a, b, Kind.NAME, Tier.KEEP, "subject-own", 0))
                return True
            person = other
        out.append(Hit(a, b, Kind.NAME, Tier.REVIEW, RULE_TYPO, person))
        return True
    return False


def word_before(text: str, scan: str, start: int, capital: bool) -> tuple[int, int] | None:
    """The word before ``text[start:]`` across one space (and a comma), in the case of the name."""
    j = start - 1
    if j < 1 or text[j] != " ":
        return None
    if text[j - 1] == ",":
        j -= 1
    k = scan.rfind(" ", max(0, j - 30), j + 1)  # ``scan`` is ``text`` shifted by one, separators as spaces
    word = text[k:j]
    if k < 0 or len(word) < MIN_LENGTH - 1 or not word.isalpha() or capital != word[0].isupper():
        return None
    return (k, j) if capital or word.islower() else None


def word_after(text: str, end: int, capital: bool) -> tuple[int, int] | None:
    """The word after ``text[:end]`` across one space, in the case of the name."""
    k = end + 1
    if text[end : end + 1] != " " or k >= len(text) or capital != text[k].isupper():
        return None
    j = text.find(" ", k, k + 30)
    word = (text[k:] if j < 0 else text[k:j]).rstrip(".,;:!?)")
    if word.endswith(("'s", "’s")):  # "Mark Gilbetr's reservation"
        word = word[:-2]
    if len(word) < MIN_LENGTH - 1 or not word.isalpha():
        return None
    return (k, k + len(word)) if capital or word.islower() else None


def next_to_name(text: str, start: int, end: int, x: PeopleIndex, words: dict[int, list[tuple[int, int]]]) -> bool:
    """A first name right before ("Anna König"; "Anna und Ernst"), or a surname right after."""
    at = before(text, start)
    if not at.boundary and not at.number:
        end_before = at.start + len(at.word)
        if conjunction(at.word):
            end_before = before(text, at.start).start + len(before(text, at.start).word)
        if any(t in x.first_owner for _s, t in words.get(end_before, ())):
            return True
    after = word_after(text, end, True)
    t = x.token_of.get(fold_word(text[after[0] : after[1]])) if after is not None else None
    return t is not None and t in x.last_owner


def unknown_after(text: str, scan: str, end: int, x: PeopleIndex) -> int | None:
    """End of the capitalised word after ``text[:end]`` when it is no name token of the stores
    (a known one, also inflected, makes its own hit: "Jürgen Müllers")."""
    after = name_after(text, end)
    if after is None:
        return None
    if known_token(scan[end + 2 : after + 1], x):
        return None
    return after


def unknown_before(text: str, scan: str, span: tuple[int, int], x: PeopleIndex) -> int | None:
    """Start of the capitalised word ``span`` right before a surname when it may be a first
    name: no name token of the stores, no cue word, no common noun, no pronoun."""
    if text[span[1]] != " ":
        return None
    word = text[span[0] : span[1]]
    folded = scan[span[0] + 1 : span[1] + 1]
    if word in NOT_NAMES or word in NEVER or folded in CUE_KEYS or folded in FUNCTION_WORDS or folded in HOMONYMS:
        return None
    if known_token(folded, x):
        return None
    return span[0]


def known_token(word: str, x: PeopleIndex) -> bool:
    """A folded word is a name token, also inflected ("müllers")."""
    if word in x.token_of:
        return True
    m = SUFFIX.search(word)
    return m is not None and m.end() == len(word) and word[: m.start()] in x.token_of


def named(start: int, end: int, person: int, own: bool, inflected: bool) -> Hit:
    if own:
        return Hit(start, end, Kind.NAME, Tier.KEEP, "subject-own", 0)
    if inflected:
        return Hit(start, end, Kind.NAME, Tier.REVIEW, "inflected-name", person)
    return Hit(start, end, Kind.NAME, Tier.REDACT, "known-full-name", person)
