"""The copy of the data (Anlage 1, Art. 15(3)) typeset directly as PDF pages.

WeasyPrint spends about a millisecond of CPU on every record (boxes, glyphs, line breaking in
pango); a teacher with 20 000 loans would wait half a minute. The appendix is regular — headings,
tables, notes — so it is laid out here: greedy line breaking with the shipped font's advance
widths, column widths from the content, and pages written as content streams (tens of
microseconds a record). The letter itself stays WeasyPrint's; :mod:`dsr.pipeline.render.pdf` merges the
two and stamps footer and page numbers over every page.

Layout (measured by :mod:`dsr.pipeline.render.measure`), in the style sheet's measures (``base/style.css``): A4 with margins 25/20/30/25 mm;
headings for the store, the processing activity and the collection ("Ausleihen (70)"), in
that order (grouped by :mod:`dsr.pipeline.compose`); a collection is a table with its column labels,
a row per record, every column at least as wide as its longest word, cells wrapping long texts
(nothing is cut: only a word longer than 30 % of the width breaks between characters, a row
taller than a page continues on the next). Too wide for that (see :func:`as_cards`), its
records print as cards: entry number, bold label, value, a line or more per field, two cards
side by side where they fit. On every further page of a collection its heading
"– Fortsetzung ab Eintrag 41" (and a table's labels again); after the last record the
explanations of codes and columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pikepdf

from dsr.pipeline.compose.letter import Disclosure, Section
from dsr.pipeline.compose.wording import wording
from dsr.pipeline.render.measure import (
    ACTIVITY,
    BOLD,
    BOTTOM,
    CELL,
    CELL_X,
    CELL_Y,
    COLLECTION,
    FONT_NAMES,
    GUTTER,
    HEAD,
    INK,
    LEFT,
    MM,
    NOTE,
    NUMBER,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RED,
    REGULAR,
    RULE_LIGHT,
    STORE,
    TITLE,
    TOP,
    WIDTH,
    Cards,
    Style,
    as_cards,
    block_height,
    clean,
    column_widths,
    fit,
    measure,
    paragraph_height,
    row_height,
    wrap,
)
from dsr.pipeline.render.typeface import typeface

__all__ = ["CELL", "Appendix", "as_cards", "clean", "column_widths", "typeset", "wrap"]  # measure's, for callers


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
        natural, minimum = measure(labels, rows)
        if as_cards(labels, rows, minimum):
            self.cards(section, words, lead, labels, rows)
        else:
            self.table(section, words, lead, labels, rows, fit(natural, minimum))
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
            rest = sum(paragraph_height(*part) for part in parts[k + 1 :])
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
        head_height = row_height(head, HEAD)
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
        heading(continued=False, first=row_height(first, CELL) if rows else 0.0)
        for values in rows:
            cells = first if number == 0 else cells_of(values)
            height = row_height(cells, CELL)
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
        self,
        section: Section,
        words: dict[str, str],
        lead: Sequence[Lead],
        labels: Sequence[str],
        rows: Sequence[Sequence[str]],
    ) -> None:
        """A block per record: its entry number, then a line (or more) per field with the label
        in bold on the left and the value on the right; blocks separated by a rule. Short
        blocks stand two side by side (1 | 2, 3 | 4: a page of loans would be half empty)."""
        usable = PAGE_HEIGHT - TOP - BOTTOM
        few = 3 * CELL.leading + 2 * CELL_Y  # the least of a split block that starts on a page
        pair = Cards(labels, (WIDTH - GUTTER) / 2, len(rows))
        # side by side only when no word breaks and no block splits (it could not go on beside)
        if len(rows) > 1 and pair.whole_words(rows) and all(pair.height(v) <= usable / 3 for v in rows):
            cards, columns = pair, 2
        else:
            cards, columns = Cards(labels, WIDTH, len(rows)), 1
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
            height = block_height(fields)
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
        self,
        cells: list[list[str]],
        widths: Sequence[float],
        styles: Sequence[Style],
        height: float,
        padding: float = CELL_Y,
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
        self._cells(cells, widths, styles, row_height(cells, style, padding), padding)


#: a heading above a table: style, text, space before and after
Lead = tuple[Style, str, float, float]


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
