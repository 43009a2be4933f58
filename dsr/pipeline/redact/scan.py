"""Finding the gazetteer's keys in one text: name tokens paired into full names, identifiers,
allow-listed phrases, cue words — each hit with whose it is and its tier.

One pass of the Aho-Corasick automaton over the folded text; the Python work per hit is a few
index and dict look-ups. Offsets in the scanned string are those of the text plus one (its
leading space), so ``scan[i + 1]`` is the folded ``text[i]``.
"""

from __future__ import annotations

import re

from dsr.pipeline.redact.cues import CUE_KEYS, RULE_GIVEN_UNKNOWN, cue_hit, repeated
from dsr.pipeline.redact.gazetteer import Gazetteer
from dsr.pipeline.redact.index import (
    ADDRESS,
    ALLOWED,
    CARD,
    CUE,
    EMAIL,
    INITIAL,
    LOGIN,
    LOGIN_REVIEW,
    SHIFT,
    TOKEN,
)
from dsr.pipeline.redact.names import (
    SUFFIX,
    full_name,
    known_token,
    misspelt_half,
    named,
    next_to_name,
    unknown_after,
    unknown_before,
    word_after,
    word_before,
)
from dsr.pipeline.redact.spans import Hit, Kind, Tier
from dsr.pipeline.redact.words import HOMONYMS, NEVER, abbreviation, before, homonym_is_name

_KINDS = {EMAIL: Kind.EMAIL, CARD: Kind.CARD, LOGIN: Kind.LOGIN, LOGIN_REVIEW: Kind.LOGIN, ADDRESS: Kind.ADDRESS}
_RULES = {
    EMAIL: "known-email",
    CARD: "known-card",
    LOGIN: "known-login",
    LOGIN_REVIEW: "known-login",
    ADDRESS: "known-address",
}
_LETTERS = re.compile(r"[^\W\d_]*")


def _after_hyphen(scan: str, end: int) -> str:
    """The folded letters after "Name-" (``end``: the name's end in the text)."""
    m = _LETTERS.match(scan, end + 2)
    return m.group() if m else ""


def gazetteer_hits(text: str, scan: str, g: Gazetteer) -> list[Hit]:
    """Hits of known people's names and identifiers in ``text`` (``scan``: its
    :func:`~dsr.pipeline.redact.fold.fold_for_scan`)."""
    x, me = g.index, g.subject
    key_len, key_ref = x.key_len, x.key_ref
    n = len(text)
    out: list[Hit] = []
    cues: list[Hit] = []  # after the others: on a tie the gazetteer's own rule names the item
    words: dict[int, list[tuple[int, int]]] = {}  #: end → (start, token) of name tokens ending there
    # the request's own allow-listed phrases (g.phrases), merged into the index's matches where
    # the index would report them had it been built with them: by end, the longest first
    phrases = g.phrases.ends(scan) if g.phrases else []
    p = 0
    due = phrases[0][0] if phrases else n + 1  # the end of the next phrase
    for last, payload in x.automaton.iter(scan):
        kid = payload >> SHIFT
        code = payload & 7
        end = last  # exclusive end in ``text``
        length = key_len[kid]
        while due <= end and (due < end or phrases[p][1] >= length):
            if not (due == end and phrases[p][1] == length and payload & ALLOWED):  # one key, one hit
                _phrase(scan, n, due, phrases[p][1], out)
            p += 1
            due = phrases[p][0] if p < len(phrases) else n + 1
        start = end - length
        at_end = end >= n or not scan[end + 1].isalnum()
        if payload & ALLOWED and at_end:
            out.append(Hit(start, end, Kind.OTHER, Tier.KEEP, "allow-list"))
        if payload & CUE and at_end:
            cue_hit(text, start, end, g, cues)
        if code == TOKEN:
            _token(text, scan, start, end, key_ref[kid], at_end, g, words, out)
        elif code == INITIAL:
            if at_end and not scan[start].isalnum():
                person = x.initials.get((scan[start + 1], key_ref[kid]))
                if person is not None:
                    own = (scan[start + 1], key_ref[kid]) in me.initials or person in me.rows
                    out.append(named(start, end, person, own, False))
        elif code in _KINDS and at_end:
            person = key_ref[kid]
            if person in me.rows or scan[start + 1 : end + 1] in me.keys:
                out.append(Hit(start, end, _KINDS[code], Tier.KEEP, "subject-own", 0))
            else:
                tier = Tier.REVIEW if code == LOGIN_REVIEW else Tier.REDACT
                out.append(Hit(start, end, _KINDS[code], tier, _RULES[code], person))
    for end, length in phrases[p:]:
        _phrase(scan, n, end, length, out)
    if cues:
        out += repeated(text, cues, [h for h in out if h.rule == "allow-list"], g)
        out += cues
    return out


def _phrase(scan: str, n: int, end: int, length: int, out: list[Hit]) -> None:
    """An allow-listed phrase of the request ending at ``end``, kept (as the index's own are)."""
    if end >= n or not scan[end + 1].isalnum():
        out.append(Hit(end - length, end, Kind.OTHER, Tier.KEEP, "allow-list"))


def _token(
    text: str,
    scan: str,
    start: int,
    end: int,
    tid: int,
    at_end: bool,
    g: Gazetteer,
    words: dict[int, list[tuple[int, int]]],
    out: list[Hit],
) -> None:
    x, me = g.index, g.subject
    inflected = False
    if not at_end:
        m = SUFFIX.match(scan, end + 1)
        if m is None:
            return  # the start of a longer word ("Annabel", "Müllerstraße")
        inflected = True
    else:
        words.setdefault(end, []).append((start, tid))
    rows = me.rows
    full = False
    if start >= 2 and scan[start] == " " and (start - 1 in words or scan[start - 1] == ","):
        full = full_name(text, scan, start, end, tid, inflected, g, words, out)
    # "A. Müller", "A.Müller"
    if start >= 2:
        if scan[start] == " " and scan[start - 1] == "." and start >= 3:
            i = start - 2
        elif scan[start] == ".":
            i = start - 1
        else:
            i = 0
        if i and scan[i].isalpha() and not scan[i - 1].isalnum():
            person = x.initials.get((scan[i], tid))
            if person is not None:
                full = True
                own = (scan[i], tid) in me.initials or person in rows
                out.append(named(i - 1, end, person, own, inflected))
    # "Anna M.": review (the initial may be anybody's)
    if (
        at_end
        and end + 3 <= len(text)
        and scan[end + 1] == " "
        and scan[end + 3] == "."
        and scan[end + 2].isalpha()
        and (end + 3 >= len(text) or not scan[end + 4].isalnum())
    ):
        person = x.first_initials.get((tid, scan[end + 2]))
        if person is not None:
            if (tid, scan[end + 2]) in me.first_initials or person in rows:
                out.append(Hit(start, end + 3, Kind.NAME, Tier.KEEP, "subject-own", 0))
            else:
                out.append(Hit(start, end + 3, Kind.NAME, Tier.REVIEW, "known-first-name-initial", person))
    if (full and not inflected) or end - start < 3:
        return
    if not text[start].isupper():  # lower case: a word ("ernst", "rose", "wolf"), unless "von Hagen"
        space = text.find(" ", start, end)
        if space < 0 or not text[text.rfind(" ", start, end) + 1].isupper():
            return
    _bare(text, scan, start, end, tid, inflected, g, words, out)


def _half_after(text: str, end: int) -> tuple[int, int] | None:
    """The word after a name ending at ``end``, past a comma ("Sommer, Lnea"): its other half."""
    return word_after(text, end + 1 if text.startswith(", ", end) else end, True)


def _never_but_misspelt(
    text: str, scan: str, start: int, end: int, tid: int, inflected: bool, g: Gazetteer, out: list[Hit]
) -> None:
    """A word that is never a name alone ("Nobody", "Sie") may still be one half of a known
    person's full name whose other half is misspelt next to it ("Aaaa Nobody")."""
    x = g.index
    if inflected or tid in g.subject.tokens or (tid not in x.last_owner and tid not in x.first_owner):
        return
    prev = word_before(text, scan, start, True)
    if prev is not None and misspelt_half(text, scan, prev, start, end, tid, g, out):
        return
    after = _half_after(text, end)
    if after is not None:
        misspelt_half(text, scan, after, start, end, tid, g, out)


def _bare(
    text: str,
    scan: str,
    start: int,
    end: int,
    tid: int,
    inflected: bool,
    g: Gazetteer,
    words: dict[int, list[tuple[int, int]]],
    out: list[Hit],
) -> None:
    """A first name or surname alone: only when capitalised ("ernst", "rose", "wolf" are
    words), never a pronoun or an abbreviation, and a name that is also a common noun only in
    name position (:mod:`.words`)."""
    x, me = g.index, g.subject
    word = text[start:end]
    if word in NEVER:
        _never_but_misspelt(text, scan, start, end, tid, inflected, g, out)
        return  # "Sie", "Nobody"
    if text.startswith(".", end) and abbreviation(text, start, end, True):
        return  # "Max. 3 Bücher"
    if word.isupper() and not (next_to_name(text, start, end, x, words) or before(text, start).word in CUE_KEYS):
        return  # "POST /opac": in capitals, a word is a name only next to a name or a cue ("brother LEIF")
    if text.startswith("-", end) and not known_token(_after_hyphen(scan, end), x):
        return  # the first part of a compound: "Bach-Kantate", "Goethe-Gymnasium"
    person = x.last_owner.get(tid)
    rule = "known-surname"
    if person is None:
        person = x.first_owner.get(tid)
        rule = "known-first-name"
        if person is None:
            return
    if tid in me.tokens:
        # "Lnea Müller" in a Müller's records: a sibling's name misspelt
        prev = word_before(text, scan, start, True) if tid in me.surnames and not inflected else None
        if prev is None or not misspelt_half(text, scan, prev, start, end, tid, g, out):
            out.append(Hit(start, end, Kind.NAME, Tier.KEEP, "subject-own", 0))
        return
    folded = scan[start + 1 : end + 1]
    word_too = folded in HOMONYMS and not next_to_name(text, start, end, x, words)
    if inflected:
        if not (word_too and not homonym_is_name(text, start, folded, before(text, start))):
            out.append(Hit(start, end, Kind.NAME, Tier.REVIEW, "inflected-name", person))
        return
    # the other half of the name, a word no store has as a name: "Anna Zirme", "Martin Bloch" —
    # the whole name is the item, or deciding on "Anna" alone would leave "Zirme" in the letter;
    # one letter from a name that makes a known person's full name with this one, it is that
    # person's name misspelt ("Lena Somer", "Lnea Sommer", "Sommer, Lnea")
    item: tuple[int, int] | None = None
    if tid in x.first_owner and (stop := unknown_after(text, scan, end, x)) is not None:
        if misspelt_half(text, scan, (end + 1, stop), start, end, tid, g, out):
            return
        item = (start, stop)
    elif rule == "known-surname":
        prev = word_before(text, scan, start, True)
        if prev is not None and (begin := unknown_before(text, scan, prev, x)) is not None:
            if misspelt_half(text, scan, prev, start, end, tid, g, out):
                return
            item = (begin, end)
        elif (after := _half_after(text, end)) is not None:
            # "Sommer, Lnea", "Sommer Lnea": the surname first, the first name misspelt
            if misspelt_half(text, scan, after, start, end, tid, g, out):
                return
    if item is None and rule == "known-first-name":
        # the surname first and misspelt: "Wittos Mechthilde", "Wittos, Mechthilde"
        prev = word_before(text, scan, start, True)
        if prev is not None and misspelt_half(text, scan, prev, start, end, tid, g, out):
            return
    if word_too and not homonym_is_name(text, start, folded, before(text, start)):
        return  # "der König", "im Keller", "5 Mark"
    if item is not None:
        out.append(Hit(item[0], item[1], Kind.NAME, Tier.REVIEW, RULE_GIVEN_UNKNOWN, person))
    else:
        out.append(Hit(start, end, Kind.NAME, Tier.REVIEW, rule, person))
