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

import bisect
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
    """The decoded text. ``marks[k]`` is the index in ``text`` of the k-th decoded character and
    ``spans[k]`` where it was written in the original; every other character stands where the
    one before it ends (so only the few decoded characters are kept, not a map of every one)."""

    text: str
    marks: list[int]
    spans: list[tuple[int, int]]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the view's ``text[start:end]``."""
        return self._span(start)[0], self._span(end - 1)[1]

    def _span(self, v: int) -> tuple[int, int]:
        k = bisect.bisect_right(self.marks, v) - 1
        if k < 0:
            return v, v + 1  # before anything decoded: the same place
        if self.marks[k] == v:
            return self.spans[k]
        at = self.spans[k][1] + (v - self.marks[k] - 1)
        return at, at + 1


def decoded(text: str) -> View | None:
    """The text with its URL-like words decoded, or None when nothing is encoded."""
    if "%" not in text and "+" not in text:  # most texts: two C-speed scans instead of a regex
        return None
    if _CANDIDATE.search(text) is None:
        return None
    view = _Builder(text)
    seen = 0  # the end of the last word looked at
    for m in _CANDIDATE.finditer(text):
        if m.start() < seen:
            continue  # in the word just looked at
        start = max(text.rfind(c, 0, m.start()) for c in _BOUNDARIES) + 1
        stop = _BOUNDARY.search(text, m.start())
        seen = stop.start() if stop is not None else len(text)
        word = text[start:seen]
        if any(c in word for c in "/?=") and ("%" in word or "?" in word or "=" in word):
            _decode(view, word, start)
    return view.done()


class _Builder:
    """The view being written: plain stretches of the original as slices, decoded characters
    one by one with their original spans."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.pieces: list[str] = []
        self.length = 0  # of the view so far
        self.pos = 0  # in the original: copied up to here
        self.marks: list[int] = []
        self.spans: list[tuple[int, int]] = []

    def char(self, c: str, start: int, end: int) -> None:
        """``c`` for the original's ``[start, end)``, after copying what lies before it."""
        plain = self.original[self.pos : start]
        self.pieces.append(plain)
        self.length += len(plain)
        self.marks.append(self.length)
        self.spans.append((start, end))
        self.pieces.append(c)
        self.length += 1
        self.pos = end

    def done(self) -> View | None:
        if not self.marks:
            return None
        self.pieces.append(self.original[self.pos :])
        return View("".join(self.pieces), self.marks, self.spans)


def _decode(view: _Builder, word: str, offset: int) -> None:
    """Write ``word`` decoded: the escapes and a query's ``+``; the rest stays as it is."""
    query = word.find("?")
    if query < 0:
        query = word.find("=")  # a query quoted without its path: "q=Lena+Sommer"
    for m in _CODED.finditer(word):
        i = m.start()
        if m.group() == "+":
            if i > query:  # a "+" in a path is a plus
                view.char(" ", offset + i, offset + i + 1)
        elif (spelled := _escapes(word, i)) is not None:
            for c, (a, b) in zip(*spelled, strict=True):
                view.char(c, offset + a, offset + b)


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
