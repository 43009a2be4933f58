"""Finding the gazetteer's keys in one text: name tokens paired into full names, identifiers,
allow-listed phrases, cue words — each hit with whose it is and its tier.

One pass of the Aho-Corasick automaton over the folded text; the Python work per hit is a few
index and dict look-ups. Offsets in the scanned string are those of the text plus one (its
leading space), so ``scan[i + 1]`` is the folded ``text[i]``.
"""

from __future__ import annotations

import re

from dsr.pipeline.redact.cues import RULE_GIVEN_UNKNOWN, cue_hit, name_after, repeated
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
    PeopleIndex,
)
from dsr.pipeline.redact.spans import Hit, Kind, Tier

_KINDS = {EMAIL: Kind.EMAIL, CARD: Kind.CARD, LOGIN: Kind.LOGIN, LOGIN_REVIEW: Kind.LOGIN, ADDRESS: Kind.ADDRESS}
_RULES = {
    EMAIL: "known-email",
    CARD: "known-card",
    LOGIN: "known-login",
    LOGIN_REVIEW: "known-login",
    ADDRESS: "known-address",
}
_SUFFIX = re.compile(r"(?:s|sche[nrsm]?|'s|ens)(?![^\W_])")  # "Müllers", "Müllersche": inflected
_CAPITAL = re.compile(r"[A-ZÄÖÜ]")


def gazetteer_hits(text: str, scan: str, g: Gazetteer) -> list[Hit]:
    """Hits of known people's names and identifiers in ``text`` (``scan``: its
    :func:`~dsr.pipeline.redact.fold.fold_for_scan`)."""
    x, me = g.index, g.subject
    key_len, key_ref = x.key_len, x.key_ref
    n = len(text)
    out: list[Hit] = []
    cues: list[Hit] = []  # after the others: on a tie the gazetteer's own rule names the item
    words: dict[int, list[tuple[int, int]]] = {}  #: end → (start, token) of name tokens ending there
    for last, payload in x.automaton.iter(scan):
        kid = payload >> SHIFT
        code = payload & 7
        end = last  # exclusive end in ``text``
        start = end - key_len[kid]
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
                    out.append(_named(start, end, person, own, False))
        elif code in _KINDS and at_end:
            person = key_ref[kid]
            if person in me.rows or scan[start + 1 : end + 1] in me.keys:
                out.append(Hit(start, end, _KINDS[code], Tier.KEEP, "subject-own", 0))
            else:
                tier = Tier.REVIEW if code == LOGIN_REVIEW else Tier.REDACT
                out.append(Hit(start, end, _KINDS[code], tier, _RULES[code], person))
    if cues:
        out += repeated(text, cues, [h for h in out if h.rule == "allow-list"], g)
        out += cues
    return out


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
        m = _SUFFIX.match(scan, end + 1)
        if m is None:
            return  # the start of a longer word ("Annabel", "Müllerstraße")
        inflected = True
    else:
        words.setdefault(end, []).append((start, tid))
    rows = me.rows
    full = False
    # "Anna Müller", "Müller Anna", "Müller, Anna": the token before is the other half
    if start >= 2 and scan[start] == " ":
        before = words.get(start - 1)
        comma = False
        if before is None and scan[start - 1] == "," and start >= 3:
            before, comma = words.get(start - 2), True
        for a_start, a_tid in before or ():
            pair = (a_tid, tid)
            person = None if comma else x.pairs.get(pair)
            if person is None:
                pair = (tid, a_tid)
                person = x.pairs.get(pair)
            if person is not None:
                full = True
                out.append(_named(a_start, end, person, pair in me.pairs or person in rows, inflected))
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
                out.append(_named(i - 1, end, person, own, inflected))
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
    if full and not inflected:
        return
    # a bare first name or surname: only when capitalised ("ernst", "rose", "wolf" are words)
    if end - start < 3 or not (inflected or _CAPITAL.match(text, start)):
        return
    person = x.last_owner.get(tid)
    rule = "known-surname"
    if person is None:
        person = x.first_owner.get(tid)
        rule = "known-first-name"
        if person is None:
            return
    if tid in me.tokens:
        out.append(Hit(start, end, Kind.NAME, Tier.KEEP, "subject-own", 0))
    elif rule == "known-first-name" and not inflected and (after := _unknown_after(text, scan, end, x)) is not None:
        # "Anna Zirme": a known first name with a surname nobody in the stores has — the whole
        # name is the item, or deciding on "Anna" alone would leave "Zirme" in the letter
        out.append(Hit(start, after, Kind.NAME, Tier.REVIEW, RULE_GIVEN_UNKNOWN, person))
    else:
        out.append(Hit(start, end, Kind.NAME, Tier.REVIEW, "inflected-name" if inflected else rule, person))


def _unknown_after(text: str, scan: str, end: int, x: PeopleIndex) -> int | None:
    """End of the capitalised word after ``text[:end]`` when it is no name token of the stores
    (a known one, also inflected, makes its own hit: "Jürgen Müllers")."""
    after = name_after(text, end)
    if after is None:
        return None
    word = scan[end + 2 : after + 1]
    m = _SUFFIX.search(word)
    if word in x.token_of or (m is not None and m.end() == len(word) and word[: m.start()] in x.token_of):
        return None
    return after


def _named(start: int, end: int, person: int, own: bool, inflected: bool) -> Hit:
    if own:
        return Hit(start, end, Kind.NAME, Tier.KEEP, "subject-own", 0)
    if inflected:
        return Hit(start, end, Kind.NAME, Tier.REVIEW, "inflected-name", person)
    return Hit(start, end, Kind.NAME, Tier.REDACT, "known-full-name", person)
