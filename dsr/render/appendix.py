"""The copy of the data (Anlage 1, Art. 15(3)) typeset directly as PDF pages.

WeasyPrint spends about a millisecond of CPU on every record (boxes, glyphs, line breaking in
pango); a teacher with 20 000 loans would wait half a minute. The appendix is regular — headings,
tables, notes — so it is laid out here: greedy line breaking with the shipped font's advance
widths, column widths from the content, and pages written as content streams (tens of
microseconds a record). The letter itself stays WeasyPrint's; :mod:`dsr.render.pdf` merges the
two and stamps footer and page numbers over every page.

Layout, in the style sheet's measures (``base/style.css``): A4 with margins 25/20/30/25 mm;
headings for the store, the processing activity and the collection ("Ausleihen (70)"), in
that order (grouped by :mod:`dsr.compose`); a collection is a table with its column labels,
a row per record, every column at least as wide as its longest word, cells wrapping long texts
(nothing is cut: only a word longer than 30 % of the width breaks between characters, a row
taller than a page continues on the next). Too wide for that (see :func:`as_cards`), its
records print as cards: entry number, bold label, value, a line or more per field, two cards
side by side where they fit. On every further page of a collection its heading
"– Fortsetzung ab Eintrag 41" (and a table's labels again); after the last record the
explanations of codes and columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pikepdf

from dsr.compose.letter import Disclosure, Section
from dsr.compose.wording import wording
from dsr.render.typeface import Typeface, typeface

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

#: more columns than a reader can follow across A4: the records print as cards
MAX_COLUMNS = 8
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


@dataclass
class Appendix:
    """Typeset pages: one content stream each, and the characters used per font."""

    pages: list[bytes] = field(default_factory=list)
    used: dict[str, set[str]] = field(default_factory=lambda: {REGULAR: set(), BOLD: set()})

    def write(self, pdf: pikepdf.Pdf) -> None:
        """Append the pages to ``pdf``, with the fonts subset to what they print."""
        fonts = pikepdf.Dictionary(
            {FONT_NAMES[name]: typeface(name).embed(pdf, chars or " ") for name, chars in self.used.items()}
        )
        resources = pdf.make_indirect(pikepdf.Dictionary(Font=fonts))
        box = pikepdf.Array([0, 0, round(PAGE_WIDTH, 6), round(PAGE_HEIGHT, 6)])
        for content in self.pages:
            page = pikepdf.Dictionary(
                Type=pikepdf.Name.Page, MediaBox=box, Resources=resources, Contents=pdf.make_stream(content)
            )
            pdf.pages.append(pikepdf.Page(page))


class _Typesetter:
    def __init__(self, draft_word: str = "") -> None:
        self.out = Appendix()
        self.ops: list[str] = []
        self.y = 0.0  # top of the free space, in points from the bottom of the page
        self.draft_word = draft_word
        self.fresh = True  # nothing on this page yet
        self.left = LEFT  # left edge of the column being set (cards may run in two)

    # ------------------------------------------------------------ pages
    def new_page(self) -> None:
        self._flush()
        self.y = PAGE_HEIGHT - TOP
        self.fresh = True
        if self.draft_word:
            style = Style(BOLD, 10, 10, RED)
            x = LEFT + (WIDTH - style.face.width(self.draft_word, style.size)) / 2
            self.text(x, PAGE_HEIGHT - TOP / 2, style, self.draft_word)

    def _flush(self) -> None:
        if self.ops:
            self.out.pages.append("\n".join(self.ops).encode("ascii"))
            self.ops = []

    def room(self) -> float:
        return self.y - BOTTOM

    def finish(self) -> Appendix:
        self._flush()
        return self.out

    # ------------------------------------------------------------ drawing
    def text(self, x: float, baseline: float, style: Style, line: str) -> None:
        face = style.face
        self.out.used[style.font].update(line)
        r, g, b = style.color
        self.ops.append(
            f"BT {FONT_NAMES[style.font]} {style.size:g} Tf {r:g} {g:g} {b:g} rg "
            f"1 0 0 1 {x:.2f} {baseline:.2f} Tm <{face.encode(line)}> Tj ET"
        )

    def rule(
        self, y: float, width: float, color: tuple[float, float, float], left: float = LEFT, span: float = WIDTH
    ) -> None:
        r, g, b = color
        self.ops.append(f"{r:g} {g:g} {b:g} RG {width:g} w {left:.2f} {y:.2f} m {left + span:.2f} {y:.2f} l S")

    @staticmethod
    def baseline(top: float, style: Style) -> float:
        face = style.face
        content = (face.ascent - face.descent) * style.size / 1000
        return top - (style.leading - content) / 2 - face.ascent * style.size / 1000

    def paragraph(self, style: Style, text: str, before: float = 0.0, after: float = 0.0, keep: float = 0.0) -> None:
        """A wrapped paragraph; moves to a new page first if it (plus ``keep``) does not fit."""
        lines = wrap(clean(text), WIDTH, style)
        if not self.fresh and before + style.leading * len(lines) + keep > self.room():
            self.new_page()
        if not self.fresh:
            self.y -= before
        for line in lines:
            if style.leading > self.room():
                self.new_page()
            self.text(LEFT, self.baseline(self.y, style), style, line)
            self.y -= style.leading
            self.fresh = False
        self.y -= after

    # ------------------------------------------------------------ a collection
    def collection(self, section: Section, words: dict[str, str], lead: Sequence[Lead] = ()) -> None:
        """The collection under its heading, as a table or (too wide for one) as cards; ``lead``
        are the headings above it (store, activity), which stay on one page with its start."""
        labels = [c.label for c in section.columns] + ([words["relation"]] if section.with_relation else [])
        rows: list[Sequence[str]] = [
            (*row.values, row.relation or "—") if section.with_relation else row.values for row in section.rows
        ]
        natural, minimum = _measure(labels, rows)
        if as_cards(labels, rows, minimum):
            self.cards(section, words, lead, labels, rows)
        else:
            self.table(section, words, lead, labels, rows, _fit(natural, minimum))
        self.y -= 1 * MM
        for note in section.codes:
            pairs = "; ".join(f"{code} = {text}" for code, text in note.codes)
            self.paragraph(NOTE, f"{note.column}: {pairs}", after=0.5 * MM)
        for column in section.columns:
            if column.explain:
                self.paragraph(NOTE, f"{column.label}: {column.explain}", after=0.5 * MM)
        self.y -= 2 * MM

    def heading(self, section: Section, words: dict[str, str], lead: Sequence[Lead], entry: int, below: float) -> None:
        """The collection's heading, or (``entry`` not 0) its continuation from that entry on. ``below`` is
        what must fit under it (labels, the first lines): no heading alone at the foot of a page."""
        title = f"{section.title} ({section.size})"
        if entry:
            title += f" – {words['continued']} {entry}"
            self.paragraph(COLLECTION, title, before=4 * MM, after=1.5 * MM, keep=below)
            return
        parts = [*lead, (COLLECTION, title, 4 * MM, 1.5 * MM)]
        if section.description:
            parts.append((NOTE, section.description, 0.0, 1 * MM))
        for k, (style, text, before, after) in enumerate(parts):
            rest = sum(_paragraph_height(*part) for part in parts[k + 1 :])
            self.paragraph(style, text, before=before, after=after, keep=rest + below)

    def table(
        self,
        section: Section,
        words: dict[str, str],
        lead: Sequence[Lead],
        labels: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
    ) -> None:
        """Column labels in bold above a rule, a row per record."""
        head = [wrap(clean(label), w, HEAD) for label, w in zip(labels, widths, strict=True)]
        head_height = _height(head, HEAD)
        usable = PAGE_HEIGHT - TOP - BOTTOM
        # labels taller than a third of a page are printed once: repeated on every page, they
        # would leave little or no room for the rows
        repeat = head_height <= usable / 3
        # a row up to this height goes to the next page whole; a taller one is split
        whole = usable - head_height - 20 * MM
        number = 0  # records printed so far
        head_styles = (HEAD,) * len(widths)
        cell_styles = (CELL,) * len(widths)

        def heading(continued: bool, first: float = 0.0) -> None:
            # no heading or labels alone at the foot of a page: the first row (or, when it is
            # split anyway, its first lines) must fit below them
            below = head_height + (first if first <= whole else 3 * CELL.leading + 2 * CELL_Y)
            self.heading(section, words, lead, number + 1 if continued else 0, below)
            if not continued or repeat:
                self._row(head, widths, head_styles, self.new_page)
                self.rule(self.y, 0.5, INK)

        # repeated values (dates, "Bibliotheksteam") are broken into lines once per column
        caches: list[dict[str, list[str]]] = [{} for _ in widths]

        def cells_of(values: Sequence[str]) -> list[list[str]]:
            cells = []
            for value, w, cache in zip(values, widths, caches, strict=True):
                lines = cache.get(value)
                if lines is None:
                    lines = wrap(clean(value), w, CELL)
                    if len(cache) < 20_000:
                        cache[value] = lines
                cells.append(lines)
            return cells

        def go_on() -> None:
            self.new_page()
            heading(continued=True)

        first = cells_of(rows[0]) if rows else []
        heading(continued=False, first=_height(first, CELL) if rows else 0.0)
        for values in rows:
            cells = first if number == 0 else cells_of(values)
            height = _height(cells, CELL)
            # a row that fits on a page goes to the next one whole; a taller one starts here
            # when a few of its lines fit
            if height > self.room() and (height <= whole or self.room() < 3 * CELL.leading + 2 * CELL_Y):
                go_on()
            if height <= self.room():
                self._cells(cells, widths, cell_styles, height)
            else:
                self._row(cells, widths, cell_styles, go_on)
            self.rule(self.y, 0.3, RULE_LIGHT)
            number += 1

    def cards(
        self, section: Section, words: dict[str, str], lead: Sequence[Lead], labels: Sequence[str], rows: Sequence[Sequence[str]]
    ) -> None:
        """A block per record: its entry number, then a line (or more) per field with the label
        in bold on the left and the value on the right; blocks separated by a rule. Short
        blocks stand two side by side (1 | 2, 3 | 4: a page of loans would be half empty)."""
        usable = PAGE_HEIGHT - TOP - BOTTOM
        few = 3 * CELL.leading + 2 * CELL_Y  # the least of a split block that starts on a page
        pair = _Cards(labels, (WIDTH - GUTTER) / 2, len(rows))
        # side by side only when no word breaks and no block splits (it could not go on beside)
        if len(rows) > 1 and pair.whole_words(rows) and all(pair.height(v) <= usable / 3 for v in rows):
            cards, columns = pair, 2
        else:
            cards, columns = _Cards(labels, WIDTH, len(rows)), 1
        number = 0  # records printed so far

        def heading(continued: bool, first: float = 0.0) -> None:
            below = first if first <= usable / 3 else few
            self.heading(section, words, lead, number + 1 if continued else 0, below)
            self.rule(self.y, 0.5, INK)

        def go_on() -> None:
            self.new_page()
            heading(continued=True)

        def block(fields: list[list[list[str]]]) -> None:
            self.y -= CELL_Y
            for cells in fields:
                lines = max(len(lines) for lines in cells)
                # a field goes on the next page whole unless it is long (a note of many lines)
                if lines * CELL.leading > self.room() - CELL_Y and lines * CELL.leading <= usable / 3:
                    go_on()
                self._row(cells, cards.widths, (NUMBER, HEAD, CELL), go_on, padding=0.0)
            self.y -= CELL_Y
            self.rule(self.y, 0.3, RULE_LIGHT, self.left, cards.span)

        heading(continued=False, first=cards.height(rows[0]) if rows else 0.0)
        row_top = row_bottom = self.y  # the pair of blocks being set
        for values in rows:
            fields = cards.fields(values, number + 1)
            height = _block_height(fields)
            if columns == 1:
                # a block up to a third of a page goes to the next page whole; a longer one
                # starts here when a few of its lines fit, and goes on between two fields
                if height > self.room() and (height <= usable / 3 or self.room() < few):
                    go_on()
                block(fields)
            else:
                side = number % 2
                if side and height > row_top - BOTTOM:
                    side = 0  # does not fit beside the left one: the next page
                if side == 0:
                    self.left, self.y = LEFT, row_bottom
                    if height > self.room():
                        go_on()
                    row_top = row_bottom = self.y
                self.left, self.y = LEFT + side * (cards.span + GUTTER), row_top
                block(fields)
                row_bottom = min(row_bottom, self.y)
            number += 1
        self.left = LEFT
        if columns == 2:
            self.y = row_bottom

    def _cells(
        self, cells: list[list[str]], widths: Sequence[float], styles: Sequence[Style], height: float, padding: float = CELL_Y
    ) -> None:
        top = self.y - padding
        style = styles[0] if styles else CELL
        first = self.baseline(top, style)
        # line by line across the row, so text extraction reads a record in order
        for k in range(max((len(lines) for lines in cells), default=0)):
            x = self.left
            for lines, w, style in zip(cells, widths, styles, strict=True):
                if k < len(lines) and lines[k]:
                    self.text(x + CELL_X, first - k * style.leading, style, lines[k])
                x += w + 2 * CELL_X
        self.y -= height
        self.fresh = False

    def _row(
        self,
        cells: list[list[str]],
        widths: Sequence[float],
        styles: Sequence[Style],
        go_on: Callable[[], None],
        padding: float = CELL_Y,
    ) -> None:
        """A row (or the labels, or a card's field); one taller than the room left prints what
        fits and goes on where ``go_on`` moves to (the next page, under the repeated heading)."""
        style = styles[0] if styles else CELL  # (a collection may have no columns)
        leading = style.leading
        while True:
            fit = int((self.room() - 2 * padding) // leading)
            if max((len(lines) for lines in cells), default=0) <= fit:
                break
            if fit >= 1:
                self._cells([lines[:fit] for lines in cells], widths, styles, fit * leading + 2 * padding, padding)
                cells = [lines[fit:] for lines in cells]
            go_on()
        self._cells(cells, widths, styles, _height(cells, style, padding), padding)


#: a heading above a table: style, text, space before and after
Lead = tuple[Style, str, float, float]


def _height(cells: list[list[str]], style: Style, padding: float = CELL_Y) -> float:
    return max((len(lines) for lines in cells), default=0) * style.leading + 2 * padding


def _block_height(fields: list[list[list[str]]]) -> float:
    return sum(max(len(lines) for lines in cells) or 1 for cells in fields) * CELL.leading + 2 * CELL_Y


def _paragraph_height(style: Style, text: str, before: float, after: float) -> float:
    return before + len(wrap(clean(text), WIDTH, style)) * style.leading + after


def _words(text: str) -> list[str]:
    # the words wrap() keeps whole: a no-break space joins, as it does there
    return text.replace("\n", " ").split(" ")


def _room(columns: int) -> float:
    return WIDTH - columns * 2 * CELL_X


def as_cards(labels: Sequence[str], rows: Sequence[Sequence[str]], minimum: Sequence[float] | None = None) -> bool:
    """Whether the records print as cards rather than as a table: more columns than a reader
    can follow across A4, columns that cannot be set without breaking words (their longest
    words, up to the cap on one column, are wider than the page), or a single record with many
    fields (a one-row table with its labels above reads worse than a form)."""
    if len(labels) > MAX_COLUMNS or (len(rows) == 1 and len(labels) > SINGLE_RECORD_COLUMNS):
        return True
    if minimum is None:
        minimum = _measure(labels, rows)[1]
    return sum(minimum) > _room(len(labels))


class _Cards:
    """How records print as cards ``span`` wide: entry number, label and value columns (widths
    without padding), the labels broken into lines once, values once per distinct text."""

    def __init__(self, labels: Sequence[str], span: float, records: int) -> None:
        self.span = span
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
        return [
            [[str(entry)] if k == 0 else [], label, self.lines(k, value)]
            for k, (value, label) in enumerate(zip(values, self.labels, strict=True))
        ]

    def height(self, values: Sequence[str]) -> float:
        return _block_height(self.fields(values, 1))

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


def _measure(labels: Sequence[str], rows: Iterable[Sequence[str]]) -> tuple[list[float], list[float]]:
    """Per column: the natural width (widest label or cell on one line) and the minimum (its
    longest word, capped: a single long word, a URL or a hash, must not take the whole table)."""
    cap = _room(len(labels)) * 0.3
    natural = [HEAD.face.width(clean(label), HEAD.size) for label in labels]
    minimum = [
        min(cap, max((HEAD.face.width(w, HEAD.size) for w in _words(clean(label))), default=0)) for label in labels
    ]
    face, size = CELL.face, CELL.size
    # per column: a date in two columns must widen both
    seen: list[set[str]] = [set() for _ in labels]
    for values in rows:
        for i, value in enumerate(values):
            if value in seen[i]:
                continue
            if len(seen[i]) < 50_000:
                seen[i].add(value)
            text = clean(value)
            w = face.width(text, size)
            if w > natural[i]:
                natural[i] = w
            if w > minimum[i] and minimum[i] < cap:
                longest = max((face.width(word, size) for word in _words(text)), default=0)
                minimum[i] = min(cap, max(minimum[i], longest))
    return natural, minimum


def column_widths(labels: Sequence[str], rows: Iterable[Sequence[str]]) -> list[float]:
    """Column widths (without padding) that fill the text width: every column as wide as its
    widest cell when all fit; otherwise the room beyond the longest words goes to the columns
    with the most text, as browsers lay out tables."""
    return _fit(*_measure(labels, rows))


def _fit(natural: Sequence[float], minimum: Sequence[float]) -> list[float]:
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
    slack = {i: max(0.0, natural[i] - minimum[i]) for i in open_}
    total = sum(slack.values()) or 1
    widths.update((i, minimum[i] + spare * slack[i] / total) for i in open_)
    return [widths[i] for i in range(n)]


def typeset(letter: Disclosure) -> Appendix:
    """The appendix of ``letter`` (its sections) as pages, starting on a new page."""
    words = wording(letter.language)
    names = {key: words.value(f"appendix_{key}") for key in ("title", "relation", "continued", "activity")}
    activities = {a.key: a.name for a in letter.activities}
    setter = _Typesetter(words.value("draft") if letter.draft else "")
    setter.new_page()
    setter.paragraph(TITLE, names["title"], after=6 * MM)
    store = activity = None
    for section in letter.sections:
        lead: list[Lead] = []  # printed by the table, kept with its first row
        if section.store != store:
            store, activity = section.store, None
            lead.append((STORE, section.store_title, 5 * MM, 2 * MM))
        if section.activity != activity:
            activity = section.activity
            if activity in activities:
                lead.append((ACTIVITY, f"{names['activity']}: {activities[activity]}", 2 * MM, 0.5 * MM))
        setter.collection(section, names, lead)
    return setter.finish()
