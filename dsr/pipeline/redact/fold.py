"""Length-preserving text folding, so offsets found in folded text are offsets in the original.

Both the gazetteer's keys and the scanned text go through :func:`fold`: lower case, accents
off (but umlauts and ß kept: "Bär" is not "Bar"), every kind of whitespace a plain space,
typographic apostrophes and dashes plain. Umlaut transliterations (ä→ae) change length and
are therefore added as extra gazetteer keys instead (:func:`spellings`).
"""

from __future__ import annotations

import functools
import re

_ACCENTS = {
    "a": "áàâãåāăą",
    "c": "çćčĉ",
    "d": "ďđ",
    "e": "éèêëēėęě",
    "g": "ğ",
    "i": "íìîïīı",
    "l": "łľ",
    "n": "ñńň",
    "o": "óòôõøōő",
    "r": "řŕ",
    "s": "śšş",
    "t": "ťţ",
    "u": "úùûūůű",
    "y": "ýÿ",
    "z": "źžż",
}
_TABLE: dict[int, str] = {ord(c): base for base, chars in _ACCENTS.items() for c in chars}
_TABLE.update({ord(c): " " for c in "\n\r\t\v\f\xa0\u2007\u202f\u2009\u200a"})
_TABLE.update({ord(c): "'" for c in "’‘`´"})
_TABLE.update({ord(c): "-" for c in "‐‑–—"})

_TRANSLIT = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))


def fold(text: str) -> str:
    """Lower-cased, accent-free text of exactly the same length as ``text``."""
    low = text.lower()
    if len(low) != len(text):  # "İ" lowers to two code points; keep such characters as they are
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low.translate(_TABLE)


@functools.lru_cache(maxsize=16384)
def fold_word(word: str) -> str:
    """:func:`fold` of one word met while scanning, cached: the same few names, cue words and
    nouns recur across a controller's texts (the gazetteer's build folds with :func:`fold`)."""
    return fold(word)


_HAS_VARIANT = re.compile(r"[äöüß]|ae|oe|ue|ss")
_FORWARD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def has_variant(folded: str) -> bool:
    """Whether a folded name has another spelling ("müller"/"mueller", "weiss"/"weiß")."""
    return _HAS_VARIANT.search(folded) is not None


def transliterate(folded: str) -> str:
    """The canonical spelling of a folded name: umlauts and ß written out ("müller" → "mueller")."""
    return folded.translate(_FORWARD)


def spellings(folded: str) -> set[str]:
    """A folded name in the spellings people write it: "müller", "mueller"; "weiss", "weiß";
    each letter written out or not on its own ("GROSSMÄNN": ß as SS, the umlaut kept)."""
    if _HAS_VARIANT.search(folded) is None:
        return {folded}
    back = folded
    if any(b in folded for _, b in _TRANSLIT):
        for a, b in _TRANSLIT:
            back = back.replace(b, a)
    out = {folded}
    for base in {folded, back}:
        rules = [(a, b) for a, b in _TRANSLIT if a in base]
        for mask in range(1, 1 << len(rules)):
            form = base
            for k, (a, b) in enumerate(rules):
                if mask >> k & 1:
                    form = form.replace(a, b)
            out.add(form)
        out.add(base)
    return out


# For the automaton only: characters that can never be inside a name, e-mail, login, card or
# address become spaces, and every key starts with a space. A key can then only match at the
# start of a word, so "Ben" is not even looked at inside "haben".
_SCAN = {ord(c): " " for c in '()[]{}<>"/\\|:;!?*#=~^$%§«»„“”‚'}


_SCAN_TABLE = {chr(k): v for k, v in {**_TABLE, **_SCAN}.items()}


# ASCII text (log lines, English notes) folds with one translate table
_ASCII_SCAN = str.maketrans({k: v for k, v in _SCAN_TABLE.items() if ord(k) < 128})


# Most characters fold to themselves: replacing the few that do not with a regex is several
# times faster than str.translate on non-ASCII (German) text. What becomes a space (white space,
# separators: many in log lines and URLs) is replaced in C with one string; only the rest
# (accents, typographic apostrophes and dashes) needs a lookup per character.
_TO_SPACE = re.compile("[" + re.escape("".join(k for k, v in _SCAN_TABLE.items() if v == " ")) + "]")
_TO_OTHER = re.compile("[" + re.escape("".join(k for k, v in _SCAN_TABLE.items() if v != " ")) + "]")


def _scan_char(m: re.Match[str]) -> str:
    return _SCAN_TABLE[m.group()]


def scan_text(folded: str) -> str:
    """``folded`` prepared for the automaton: one leading space, separators as spaces."""
    return " " + folded.translate(_SCAN)


def fold_for_scan(text: str) -> str:
    """``scan_text(fold(text))`` in one pass: offsets are those of ``text`` plus one."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    if low.isascii():
        return " " + low.translate(_ASCII_SCAN)
    return " " + _TO_OTHER.sub(_scan_char, _TO_SPACE.sub(" ", low))
