"""Measuring text for the typeset appendix: page geometry, the type styles (in base/style.css's
measures), cleaning values for print, greedy line breaking with the shipped font's advance
widths, column widths from the content, and when a collection prints as cards instead of a
table (:func:`as_cards`). Pure computation: :mod:`dsr.pipeline.render.appendix` draws with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dsr.pipeline.render.typeface import Typeface, typeface

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
LEFT, RIGHT, TOP, BOTTOM = 25 * MM, 20 * MM, 25 * MM, 30 * MM
WIDTH = PAGE_WIDTH - LEFT - RIGHT
CELL_X, CELL_Y = 1.2 * MM, 0.6 * MM  # cell padding
INK, MUTED, RULE_LIGHT = (0.067, 0.067, 0.067), (0.333, 0.333, 0.333), (0.8, 0.8, 0.8)
RED = (0.8, 0.0, 0.0)

REGULAR, BOLD = "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"
#: resource names of the two fonts on every appendix page
FONT_NAMES = {REGULAR: "/DsrR", BOLD: "/DsrB"}


@dataclass(frozen=True)
class Style:
    font: str
    size: float
    leading: float
    color: tuple[float, float, float] = INK

    @property
    def face(self) -> Typeface:
        return typeface(self.font)


TITLE = Style(BOLD, 11, 11 * 1.35)
STORE = Style(BOLD, 10.5, 10.5 * 1.35)
ACTIVITY = Style(BOLD, 9, 9 * 1.35, MUTED)
COLLECTION = Style(BOLD, 10, 10 * 1.35)
NOTE = Style(REGULAR, 7.5, 7.5 * 1.35, MUTED)
HEAD = Style(BOLD, 8, 8 * 1.3)
CELL = Style(REGULAR, 8, 8 * 1.3)
NUMBER = Style(REGULAR, 8, 8 * 1.3, MUTED)  # a card's entry number

GUTTER = 6 * MM  # between two columns of cards

#: more columns than a reader can follow across A4: a few records print as cards
MAX_COLUMNS = 8
#: how far beyond the text width the labels' longest words may reach and still break to fit
LABELS_GIVE = 0.15
#: up to this many records, a collection of many fields prints as cards; more print as a table
#: (a card per loan of a long history would take pages a table fills in lines)
FEW_ROWS = 12
#: a single record with more fields than this prints as a card (a form), not a one-row table
SINGLE_RECORD_COLUMNS = 4

# what str.splitlines() breaks at (but the file/group/record separators): a line break
_LINE_BREAK = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# a soft hyphen only says where a word may be hyphenated: browsers show nothing in mid-line,
# the font would draw a hyphen
_SOFT_HYPHEN = "\u00ad"


def clean(value: str) -> str:
    """Printable text: NFC (one glyph per letter), line breaks kept (also U+2028, VT, FF, NEL),
    soft hyphens left out, other controls as spaces."""
    if value.isascii():
        return _CONTROL.sub(" ", _LINE_BREAK.sub("\n", value))
    value = _CONTROL.sub(" ", _LINE_BREAK.sub("\n", value)).replace(_SOFT_HYPHEN, "")
    return unicodedata.normalize("NFC", value)


def wrap(text: str, width: float, style: Style) -> list[str]:
    """Greedy line breaking at spaces; a word wider than ``width`` breaks between characters."""
    face, size = style.face, style.size
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if face.width(paragraph, size) <= width:
            lines.append(paragraph)
            continue
        space = face.width(" ", size)
        line, used = "", 0.0
        for word in paragraph.split(" "):
            w = face.width(word, size)
            if line and used + space + w <= width:
                line, used = f"{line} {word}", used + space + w
                continue
            if line:
                lines.append(line)
            if w <= width:
                line, used = word, w
                continue
            # too wide for any line: as many characters per line as fit
            line, used = "", 0.0
            for char in word:
                cw = face.width(char, size)
                # (a combining mark has no width: it never starts a line, it stays with its letter)
                if line and used + cw > width:
                    lines.append(line)
                    line, used = "", 0.0
                line, used = line + char, used + cw
        lines.append(line)
    return lines


def _words(text: str) -> list[str]:
    # the words wrap() keeps whole: a no-break space joins, as it does there
    return text.replace("\n", " ").split(" ")


def _room(columns: int) -> float:
    return WIDTH - columns * 2 * CELL_X


def as_cards(labels: Sequence[str], rows: Sequence[Sequence[str]], minimum: Sequence[float] | None = None) -> bool:
    """Whether the records print as cards rather than as a table: a few records (up to
    ``FEW_ROWS``) with more columns than a reader can follow across A4, columns whose values
    cannot be set without breaking words (their longest words, up to the cap on one column, are
    wider than the page; a label gives way first), or a single record with many fields (a
    one-row table with its labels above reads worse than a form)."""
    if (len(labels) > MAX_COLUMNS and len(rows) <= FEW_ROWS) or (
        len(rows) == 1 and len(labels) > SINGLE_RECORD_COLUMNS
    ):
        return True
    if minimum is None:
        minimum = measure(labels, rows)[1]
    return sum(minimum) > _room(len(labels)) + 0.01  # (a label that gave way fills the room exactly)


class Cards:
    """How records print as cards ``span`` wide: entry number, label and value columns (widths
    without padding), the labels broken into lines once, values once per distinct text. A field
    whose value is ``skip`` (what an empty value prints as) is left out of its card."""

    def __init__(self, labels: Sequence[str], span: float, records: int, skip: str = "") -> None:
        self.span = span
        self.skip = {skip, ""} if skip else set()
        number = NUMBER.face.width(str(max(records, 1)), NUMBER.size)
        # the labels' column as wide as the longest label, up to a third of the text width
        # (a longer label wraps between words; a longer word widens it up to half the span)
        cap = min(WIDTH / 3, span * 0.45)
        self.label_words = max((HEAD.face.width(w, HEAD.size) for t in labels for w in _words(clean(t))), default=0.0)
        label = max((HEAD.face.width(clean(text), HEAD.size) for text in labels), default=0.0)
        if label > cap:
            label = max(cap, min(self.label_words, span / 2))
        self.widths = (number, label, max(0.0, span - number - label - 6 * CELL_X))
        self.labels = [wrap(clean(text), label, HEAD) for text in labels]
        self.caches: list[dict[str, list[str]]] = [{} for _ in labels]

    def lines(self, k: int, value: str) -> list[str]:
        cache = self.caches[k]
        lines = cache.get(value)
        if lines is None:
            lines = wrap(clean(value), self.widths[2], CELL)
            if len(cache) < 20_000:
                cache[value] = lines
        return lines

    def fields(self, values: Sequence[str], entry: int) -> list[list[list[str]]]:
        """The block of one record: per field, its cells (entry number, label, value)."""
        kept = [k for k, value in enumerate(values) if value not in self.skip] or list(range(min(1, len(values))))
        return [[[str(entry)] if n == 0 else [], self.labels[k], self.lines(k, values[k])] for n, k in enumerate(kept)]

    def height(self, values: Sequence[str]) -> float:
        return block_height(self.fields(values, 1))

    def whole_words(self, rows: Sequence[Sequence[str]]) -> bool:
        """Whether every label and value word fits its column."""
        if self.label_words > self.widths[1]:
            return False
        face, size, room = CELL.face, CELL.size, self.widths[2]
        seen: set[str] = set()
        for values in rows:
            for text in values:
                if text in seen:
                    continue
                seen.add(text)
                text = clean(text)
                if face.width(text, size) > room and any(face.width(w, size) > room for w in _words(text)):
                    return False
        return True


def measure(
    labels: Sequence[str], rows: Iterable[Sequence[str]], counts: list[Counter[float]] | None = None
) -> tuple[list[float], list[float]]:
    """Per column: the natural width (widest label or cell on one line) and the minimum (its
    longest word, capped: a single long word, a URL or a hash, must not take the whole table).
    Where the longest words do not fit side by side, the labels' words give way before any
    value's ("Verlängerungen" breaks, a date never): their minimum shrinks towards the values'.
    ``counts``, when given (a Counter per column), receives how many cells have each width."""
    cap = _room(len(labels)) * 0.3
    natural = [HEAD.face.width(clean(label), HEAD.size) for label in labels]
    heads = [
        min(cap, max((HEAD.face.width(w, HEAD.size) for w in _words(clean(label))), default=0)) for label in labels
    ]
    minimum = [0.0] * len(labels)
    face, size = CELL.face, CELL.size
    # per column: a date in two columns must widen both
    seen: list[dict[str, float]] = [{} for _ in labels]
    for values in rows:
        for i, value in enumerate(values):
            known = seen[i].get(value)
            if known is not None:
                if counts is not None:
                    counts[i][known] += 1
                continue
            text = clean(value)
            w = face.width(text, size)
            if len(seen[i]) < 50_000:
                seen[i][value] = w
            if counts is not None:
                counts[i][w] += 1
            if w > natural[i]:
                natural[i] = w
            if w > minimum[i] and minimum[i] < cap:
                longest = max((face.width(word, size) for word in _words(text)), default=0)
                minimum[i] = min(cap, max(minimum[i], longest))
    wanted = [max(h, m) for h, m in zip(heads, minimum, strict=True)]
    room = _room(len(labels))
    # a label gives way a little (a long word over a narrow column), not to fragments: beyond
    # LABELS_GIVE of the room the records print as cards
    if room * (1 + LABELS_GIVE) >= sum(wanted) > room >= sum(minimum):
        share = (room - sum(minimum)) / ((sum(wanted) - sum(minimum)) or 1)
        return natural, [m + (w - m) * share for w, m in zip(wanted, minimum, strict=True)]
    return natural, wanted


def column_widths(labels: Sequence[str], rows: Iterable[Sequence[str]]) -> list[float]:
    """Column widths (without padding) that fill the text width: every column as wide as its
    widest cell when all fit; otherwise the room beyond the longest words goes to the columns
    with the most text, as browsers lay out tables."""
    counts: list[Counter[float]] = [Counter() for _ in labels]
    natural, minimum = measure(labels, rows, counts)
    return fit(natural, minimum, counts)


def fit(
    natural: Sequence[float], minimum: Sequence[float], counts: Sequence[Counter[float]] | None = None
) -> list[float]:
    """Widths from :func:`measure`'s. With ``counts`` the room beyond the longest words goes to
    the columns by how much of their text is wider than that (titles in every row), not by their
    widest cell alone (a note in three rows of three hundred)."""
    n = len(natural)
    room = _room(n)
    if sum(natural) <= room:
        total = sum(natural) or 1
        return [w + (room - sum(natural)) * w / total for w in natural]
    if sum(minimum) >= room:
        # words must break (only where the table is not printed as cards: a capped long word)
        total = sum(minimum) or 1
        return [room * w / total for w in minimum]
    # columns narrower than an even share keep their width: a date never wraps for the sake
    # of a long note; the others share the rest
    widths: dict[int, float] = {}
    while True:
        open_ = [i for i in range(n) if i not in widths]
        share = (room - sum(widths.values())) / max(1, len(open_))
        narrow = [i for i in open_ if natural[i] <= share]
        if not narrow or len(narrow) == len(open_):
            break
        widths.update((i, natural[i]) for i in narrow)
    open_ = [i for i in range(n) if i not in widths]
    spare = room - sum(widths.values()) - sum(minimum[i] for i in open_)
    if spare < 0:
        # the narrow columns at full width would leave another too little for its longest
        # word: every column from its longest word, the rest to those with the most text
        widths, open_, spare = {}, list(range(n)), room - sum(minimum)
    if counts is None:
        slack = {i: max(0.0, natural[i] - minimum[i]) for i in open_}
    else:
        slack = {i: sum(k * max(0.0, min(w, natural[i]) - minimum[i]) for w, k in counts[i].items()) for i in open_}
    grown = {i: minimum[i] for i in open_}
    # by weight, none beyond its natural width; what one cannot take goes to the others
    while spare > 0.01 and open_:
        total = sum(slack[i] for i in open_) or float(len(open_))
        for i in open_:
            grown[i] += spare * (slack[i] / total if sum(slack[i] for i in open_) else 1 / len(open_))
        spare = sum(max(0.0, grown[i] - natural[i]) for i in open_)
        full = [i for i in open_ if grown[i] >= natural[i]]
        for i in full:
            grown[i] = natural[i]
        open_ = [i for i in open_ if i not in full]
        if not full:
            break
    widths.update(grown)
    if spare > 0.01:  # every column at its natural width: the rest as before, by width
        total = sum(widths.values()) or 1
        widths = {i: w + spare * w / total for i, w in widths.items()}
    return [widths[i] for i in range(n)]


def row_height(cells: list[list[str]], style: Style, padding: float = CELL_Y) -> float:
    return max((len(lines) for lines in cells), default=0) * style.leading + 2 * padding


def block_height(fields: list[list[list[str]]]) -> float:
    return sum(max(len(lines) for lines in cells) or 1 for cells in fields) * CELL.leading + 2 * CELL_Y


def paragraph_height(style: Style, text: str, before: float, after: float) -> float:
    return before + len(wrap(clean(text), WIDTH, style)) * style.leading + after
