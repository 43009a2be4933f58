"""URLs inside free text, read as a person reads them: ``/search?q=Lena+Sommer`` and
``/account/puk.steckel%40gmx.de/loans`` name a person once ``+`` (in a query) and ``%xx`` are
decoded. The finders run on a decoded *view* of the text; each find is mapped back to the
characters of the original it came from (a decoded "ä" to its whole "%C3%A4"), so the marker
replaces exactly the encoded name and the URL keeps its structure:
``/search?q=[Name entfernt]&page=2``.

Only URL-like words are decoded (a run without spaces that has a ``/``, ``?`` or ``=`` and an
escape or a ``+``; a ``+`` only in a query, after ``?`` or a quoted ``key=``): a ``+`` before a
phone number stays a plus. Control characters and bytes that
are no UTF-8 stay as written.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

# something to decode: an escape, or a "+" after a "=" in the same word
_CANDIDATE = re.compile(r"%[0-9A-Fa-f]{2}|=[^\s&+]*\+")
# a word: what lies between white space and quotes
_BOUNDARIES = " \t\n\r\"'<>"
_BOUNDARY = re.compile(r"[\s\"'<>]")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_CODED = re.compile(r"(?:%[0-9A-Fa-f]{2})+|\+")


class View(NamedTuple):
    """The decoded text; ``starts[i]``/``ends[i]``: where its character ``i`` is in the original."""

    text: str
    starts: list[int]
    ends: list[int]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the view's ``text[start:end]``."""
        return self.starts[start], self.ends[end - 1]


def decoded(text: str) -> View | None:
    """The text with its URL-like words decoded, or None when nothing is encoded."""
    if _CANDIDATE.search(text) is None:
        return None
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    changed = False
    seen = 0  # the end of the last word looked at
    for m in _CANDIDATE.finditer(text):
        if m.start() < seen:
            continue  # in the word just looked at
        start = max(text.rfind(c, 0, m.start()) for c in _BOUNDARIES) + 1
        stop = _BOUNDARY.search(text, m.start())
        end = stop.start() if stop is not None else len(text)
        word = text[start:end]
        seen = end
        if not any(c in word for c in "/?=") or "%" not in word and "?" not in word and "=" not in word:
            continue
        _plain(text, pos, start, chars, starts, ends)
        changed |= _decode(word, start, chars, starts, ends)
        pos = end
    if not changed:
        return None
    _plain(text, pos, len(text), chars, starts, ends)
    return View("".join(chars), starts, ends)


def _plain(
    text: str, start: int, end: int, chars: list[str], starts: list[int], ends: list[int], offset: int = 0
) -> None:
    chars.extend(text[start:end])
    starts.extend(range(offset + start, offset + end))
    ends.extend(range(offset + start + 1, offset + end + 1))


def _decode(word: str, offset: int, chars: list[str], starts: list[int], ends: list[int]) -> bool:
    """Append ``word`` decoded; True when anything was decoded. Plain stretches go in whole,
    only the escapes and a query's ``+`` are looked at one by one."""
    query = word.find("?")
    if query < 0:
        query = word.find("=")  # a query quoted without its path: "q=Lena+Sommer"
    changed = False
    pos = 0
    for m in _CODED.finditer(word):
        i = m.start()
        if m.group() == "+":
            if i < query:
                continue  # a "+" in a path is a plus
            text, spans = " ", [(i, i + 1)]
        elif (spelled := _escapes(word, i)) is not None:
            text, spans = spelled
        else:
            continue  # not text: stays as written
        _plain(word, pos, i, chars, starts, ends, offset)
        chars.extend(text)
        starts.extend(offset + a for a, _ in spans)
        ends.extend(offset + b for _, b in spans)
        pos = spans[-1][1]
        changed = True
    _plain(word, pos, len(word), chars, starts, ends, offset)
    return changed


def _escapes(word: str, i: int) -> tuple[str, list[tuple[int, int]]] | None:
    """The characters a run of escapes at ``word[i]`` spells, each with the span of its escapes;
    None when the run spells no printable UTF-8 text."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    begin = i
    while (m := _ESCAPE.match(word, i)) is not None:
        try:
            out = decoder.decode(bytes([int(m.group(1), 16)]))
        except UnicodeDecodeError:
            return None
        i = m.end()
        if out:
            if not out.isprintable():
                return None  # "%0A": a line break the letter must not print
            text.append(out)
            spans.append((begin, i))
            begin = i
    if not text or begin != i:  # nothing spelled, or a character left half-written
        return None
    return "".join(text), spans
