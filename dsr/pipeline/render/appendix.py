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

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pikepdf

from dsr.pipeline.compose.copy import said_once
from dsr.pipeline.compose.letter import Disclosure, Section, Table
from dsr.pipeline.compose.wording import form_of, wording
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
from dsr.pipeline.render.structure import ARTIFACT, Element, Structure
from dsr.pipeline.render.typeface import typeface

__all__ = ["CELL", "Appendix", "as_cards", "clean", "column_widths", "typeset", "wrap"]  # measure's, for callers

# tagging (structure.py): text() marks its line as content of the open element unless told otherwise
_OPEN = Element("")
_HEADINGS = {STORE: "H2", ACTIVITY: "H3"}
_COLUMN_HEADER, _ROW_HEADER = "<</O/Table/Scope/Column>>", "<</O/Table/Scope/Row>>"


@dataclass
class Appendix:
    """Typeset pages: one content stream each, and the characters used per font."""

    pages: list[bytes] = field(default_factory=list)
    used: dict[str, set[str]] = field(default_factory=lambda: {REGULAR: set(), BOLD: set()})
    marks: list[Mark] = field(default_factory=list)  #: the headings, for the bookmarks
    structure: Structure = field(default_factory=Structure)  #: the tags (PDF/UA), see structure.py

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

    def bookmark(self, pdf: pikepdf.Pdf, first: int) -> None:
        """Bookmarks for the headings (title, stores, activities, collections) after those of
        ``pdf``, nested as the headings are; ``first``: the index of the appendix's first page."""
        with pdf.open_outline() as outline:
            parents: list[tuple[int, list[pikepdf.OutlineItem]]] = [(0, outline.root)]
            for mark in self.marks:
                while parents[-1][0] >= mark.level:
                    parents.pop()
                item = pikepdf.OutlineItem(
                    mark.title, first + mark.page, pikepdf.PageLocation.XYZ, left=round(LEFT, 2), top=round(mark.top, 2)
                )
                parents[-1][1].append(item)
                parents.append((mark.level, item.children))


@dataclass(frozen=True)
class Mark:
    """A heading as a bookmark: its level (1: the title), text, page (0: the appendix's first), top."""

    level: int
    title: str
    page: int
    top: float


class _Typesetter:
    def __init__(self, draft_word: str = "") -> None:
        self.out = Appendix()
        self.ops: list[str] = []
        self.y = 0.0  # top of the free space, in points from the bottom of the page
        self.draft_word = draft_word
        self.fresh = True  # nothing on this page yet
        self.left = LEFT  # left edge of the column being set (cards may run in two)
        self.count = 0  # records the collection being set prints (its heading says how many)
        self.said_once = ""  # what all of them have alike ("Leserin/Leser: Sie · …"), above them
        self.tags = self.out.structure
        self.depth = 1  # level of the last store or activity heading (H2, H3): a collection's is one more

    # ------------------------------------------------------------ pages
    def new_page(self) -> None:
        self._flush()
        self.y = PAGE_HEIGHT - TOP
        self.fresh = True
        if self.draft_word:
            style = Style(BOLD, 10, 10, RED)
            x = LEFT + (WIDTH - style.face.width(self.draft_word, style.size)) / 2
            self.text(x, PAGE_HEIGHT - TOP / 2, style, self.draft_word, ARTIFACT)

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
    def text(self, x: float, baseline: float, style: Style, line: str, tag: Element | None = _OPEN) -> None:
        """A line of text, marked as content of ``tag`` (default: the open element) or as an artifact."""
        face = style.face
        self.out.used[style.font].update(line)
        r, g, b = style.color
        ops = (
            f"BT {FONT_NAMES[style.font]} {style.size:g} Tf {r:g} {g:g} {b:g} rg "
            f"1 0 0 1 {x:.2f} {baseline:.2f} Tm <{face.encode(line)}> Tj ET"
        )
        self.ops.append(self.tags.mark(self.tags.current if tag is _OPEN else tag, len(self.out.pages), ops))

    def rule(
        self, y: float, width: float, color: tuple[float, float, float], left: float = LEFT, span: float = WIDTH
    ) -> None:
        r, g, b = color
        self.ops.append(
            f"/Artifact BMC {r:g} {g:g} {b:g} RG {width:g} w {left:.2f} {y:.2f} m {left + span:.2f} {y:.2f} l S EMC"
        )

    @staticmethod
    def baseline(top: float, style: Style) -> float:
        face = style.face
        content = (face.ascent - face.descent) * style.size / 1000
        return top - (style.leading - content) / 2 - face.ascent * style.size / 1000

    def paragraph(
        self,
        style: Style,
        text: str,
        before: float = 0.0,
        after: float = 0.0,
        keep: float = 0.0,
        role: str | None = "P",
    ) -> None:
        """A wrapped paragraph; moves to a new page first if it (plus ``keep``) does not fit.
        Tagged as ``role`` (``P``, ``H2`` …), None: an artifact (a repeated heading)."""
        lines = wrap(clean(text), WIDTH, style)
        tag = self.tags.begin(role) if role else ARTIFACT
        if not self.fresh and before + style.leading * len(lines) + keep > self.room():
            self.new_page()
        if not self.fresh:
            self.y -= before
        # a heading (H1 … H6) gets a bookmark at its first line (Appendix.bookmark)
        level = int(role[1:]) if role and role[0] == "H" and role[1:].isdigit() else 0
        for line in lines:
            if style.leading > self.room():
                self.new_page()
            if level:
                self.out.marks.append(Mark(level, " ".join(lines), len(self.out.pages), self.y))
                level = 0
            self.text(LEFT, self.baseline(self.y, style), style, line, tag)
            self.y -= style.leading
            self.fresh = False
        if role:
            self.tags.end()
        self.y -= after

    # ------------------------------------------------------------ a collection
    def collection(self, section: Section, words: dict[str, str], lead: Sequence[Lead] = ()) -> None:
        """The collection under its heading, as a table or (too wide for one) as cards; ``lead``
        are the headings above it (store, activity), which stay on one page with its start."""
        shown = section.table or as_stored(section, words["relation"])
        labels, rows = list(shown.labels), shown.rows
        self.count, self.said_once = (
            len(rows),
            " · ".join(f"{label}: {value}" for label, value in said_once(shown.constants)),
        )
        # a column filled in only a few rows (a note) prints under its rows, not as a column
        aside = set(shown.asides)
        dense = [k for k in range(len(labels)) if k not in aside]
        columns = [labels[k] for k in dense] if aside else labels
        cells = [tuple(values[k] for k in dense) for values in rows] if aside else rows
        counts: list[Counter[float]] = [Counter() for _ in columns]
        natural, minimum = measure(columns, cells, counts)
        if as_cards(columns, cells, minimum):
            self.cards(section, words, lead, labels, rows, skip=shown.empty)
        else:
            notes = (
                [[(labels[k], v) for k in shown.asides if (v := values[k]) not in ("", shown.empty)] for values in rows]
                if aside
                else []
            )
            self.table(section, words, lead, columns, cells, fit(natural, minimum, counts), notes)
        self.y -= 1 * MM
        for note in shown.notes:
            self.paragraph(NOTE, note, after=0.5 * MM)
        self.y -= 2 * MM

    def heading(self, section: Section, words: dict[str, str], lead: Sequence[Lead], entry: int, below: float) -> None:
        """The collection's heading, or (``entry`` not 0) its continuation from that entry on. ``below`` is
        what must fit under it (labels, the first lines): no heading alone at the foot of a page."""
        title = f"{section.title} ({self.count})"
        if entry:
            title += f" – {words['continued']} {entry}"
            self.paragraph(COLLECTION, title, before=4 * MM, after=1.5 * MM, keep=below, role=None)
            return
        parts = [*lead, (COLLECTION, title, 4 * MM, 1.5 * MM)]
        if section.description:
            parts.append((NOTE, section.description, 0.0, 1 * MM))
        if self.said_once:  # what every record has alike, once above them
            parts.append((CELL, self.said_once, 0.0, 1.5 * MM))
        for k, (style, text, before, after) in enumerate(parts):
            rest = sum(paragraph_height(*part) for part in parts[k + 1 :])
            # headings nest: store H2, activity H3, the collection one level below the last
            role = _HEADINGS.get(style) or (f"H{self.depth + 1}" if style == COLLECTION else "P")
            if style in _HEADINGS:
                self.depth = int(role[1:])
            self.paragraph(style, text, before=before, after=after, keep=rest + below, role=role)

    def table(
        self,
        section: Section,
        words: dict[str, str],
        lead: Sequence[Lead],
        labels: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        asides: Sequence[Sequence[tuple[str, str]]] = (),
    ) -> None:
        """Column labels in bold above a rule, a row per record; under a row, its ``asides``
        (label and value of a column it alone fills, see ``Table.asides``) a line each."""
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
            if not continued:
                self.tags.begin("Table")  # ends after the last row; labels repeated on a new page are artifacts
            if not continued or repeat:
                tags = [ARTIFACT] * len(widths) if continued else self._tag_row("TH", len(widths), _COLUMN_HEADER)
                self._row(head, widths, head_styles, self.new_page, tags=tags)
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

        # an aside stands under the row from the second column on (the first, a date, names the row)
        indent = widths[0] + 2 * CELL_X if len(widths) > 1 and widths[0] <= WIDTH / 3 else 0.0

        def aside_cells(label: str, value: str) -> tuple[list[list[str]], list[float]]:
            said = clean(f"{label}:")
            label_width = min(HEAD.face.width(said, HEAD.size), (WIDTH - indent) / 3)
            value_width = WIDTH - indent - label_width - 4 * CELL_X
            return [wrap(said, label_width, HEAD), wrap(clean(value), value_width, CELL)], [label_width, value_width]

        def go_on_aside() -> None:
            self.left = LEFT
            go_on()
            self.left = LEFT + indent

        aside_styles = (HEAD, CELL)
        # a TR of its own: the label its row header, the value spanning the other columns
        aside_value = f"<</O/Table/ColSpan {len(widths) - 1}>>" if len(widths) > 2 else ""
        first = cells_of(rows[0]) if rows else []
        heading(continued=False, first=row_height(first, CELL) if rows else 0.0)
        for values in rows:
            cells = first if number == 0 else cells_of(values)
            height = row_height(cells, CELL)
            tags = self._tag_row("TD", len(widths))
            notes = [aside_cells(label, value) for label, value in asides[number]] if asides else []
            total = height + sum(row_height(c, CELL, 0.0) for c, _ in notes) + (CELL_Y if notes else 0.0)
            # a row that fits on a page goes to the next one whole (with its asides); a taller
            # one starts here when a few of its lines fit
            if total > self.room() and (total <= whole or self.room() < 3 * CELL.leading + 2 * CELL_Y):
                go_on()
            if height <= self.room():
                self._cells(cells, widths, cell_styles, height, tags=tags)
            else:
                self._row(cells, widths, cell_styles, go_on, tags=tags)
            if notes:
                self.left = LEFT + indent
                for note, note_widths in notes:
                    row = self.tags.add("TR")
                    note_tags = [self.tags.add("TH", _ROW_HEADER, row), self.tags.add("TD", aside_value, row)]
                    self._row(note, note_widths, aside_styles, go_on_aside, padding=0.0, tags=note_tags)
                self.left = LEFT
                self.y -= CELL_Y
            self.rule(self.y, 0.3, RULE_LIGHT)
            number += 1
        self.tags.end()

    def cards(
        self,
        section: Section,
        words: dict[str, str],
        lead: Sequence[Lead],
        labels: Sequence[str],
        rows: Sequence[Sequence[str]],
        skip: str = "",
    ) -> None:
        """A block per record: its entry number, then a line (or more) per field with the label
        in bold on the left and the value on the right; blocks separated by a rule. Short
        blocks stand two side by side (1 | 2, 3 | 4: a page of loans would be half empty).
        A field whose value is ``skip`` (nothing stored) is left out of its block."""
        usable = PAGE_HEIGHT - TOP - BOTTOM
        few = 3 * CELL.leading + 2 * CELL_Y  # the least of a split block that starts on a page
        pair = Cards(labels, (WIDTH - GUTTER) / 2, len(rows), skip)
        # side by side only when no word breaks and no block splits (it could not go on beside)
        if len(rows) > 1 and pair.whole_words(rows) and all(pair.height(v) <= usable / 3 for v in rows):
            cards, columns = pair, 2
        else:
            cards, columns = Cards(labels, WIDTH, len(rows), skip), 1
        number = 0  # records printed so far

        def heading(continued: bool, first: float = 0.0) -> None:
            below = first if first <= usable / 3 else few
            self.heading(section, words, lead, number + 1 if continued else 0, below)
            if not continued:
                self.tags.begin("L")  # a list item per card, its fields a table with the labels as row headers
            self.rule(self.y, 0.5, INK)

        def go_on() -> None:
            self.new_page()
            heading(continued=True)

        def block(fields: list[list[list[str]]]) -> None:
            item = self.tags.add("LI")
            label = self.tags.add("Lbl", parent=item)
            table = self.tags.add("Table", parent=self.tags.add("LBody", parent=item))
            self.y -= CELL_Y
            for k, cells in enumerate(fields):
                lines = max(len(lines) for lines in cells)
                # a field goes on the next page whole unless it is long (a note of many lines)
                if lines * CELL.leading > self.room() - CELL_Y and lines * CELL.leading <= usable / 3:
                    go_on()
                row = self.tags.add("TR", parent=table)
                tags = [
                    label if k == 0 else ARTIFACT,
                    self.tags.add("TH", _ROW_HEADER, row),
                    self.tags.add("TD", parent=row),
                ]
                self._row(cells, cards.widths, (NUMBER, HEAD, CELL), go_on, padding=0.0, tags=tags)
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
        self.tags.end()
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
        tags: Sequence[Element | None] = (),
    ) -> None:
        """``tags``: per cell its structure element (or artifact); default: the open element."""
        top = self.y - padding
        style = styles[0] if styles else CELL
        first = self.baseline(top, style)
        # line by line across the row, so text extraction reads a record in order
        for k in range(max((len(lines) for lines in cells), default=0)):
            x = self.left
            for j, (lines, w, style) in enumerate(zip(cells, widths, styles, strict=True)):
                if k < len(lines) and lines[k]:
                    self.text(x + CELL_X, first - k * style.leading, style, lines[k], tags[j] if tags else _OPEN)
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
        tags: Sequence[Element | None] = (),
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
                self._cells(
                    [lines[:fit] for lines in cells], widths, styles, fit * leading + 2 * padding, padding, tags
                )
                cells = [lines[fit:] for lines in cells]
            go_on()
        self._cells(cells, widths, styles, row_height(cells, style, padding), padding, tags)

    def _tag_row(self, role: str, count: int, attributes: str = "") -> list[Element | None]:
        """A table row (``TR``) in the open table, with ``count`` cells of ``role``."""
        row = self.tags.add("TR")
        return [self.tags.add(role, attributes, row) for _ in range(count)]


#: a heading above a table: style, text, space before and after
Lead = tuple[Style, str, float, float]


def as_stored(section: Section, relation: str) -> Table:
    """A section without a composed table (built by hand): every column, as stored."""
    labels = [c.label for c in section.columns] + ([relation] if section.with_relation else [])
    rows = tuple((*row.values, row.relation or "—") if section.with_relation else row.values for row in section.rows)
    notes = [f"{n.column}: " + "; ".join(f"{code} = {text}" for code, text in n.codes) for n in section.codes]
    notes += [f"{c.label}: {c.explain}" for c in section.columns if c.explain]
    return Table(labels=tuple(labels), rows=rows, notes=tuple(notes))


def typeset(letter: Disclosure) -> Appendix:
    """The appendix of ``letter`` (its sections) as pages, starting on a new page."""
    words = wording(letter.language, form=form_of(letter.address))
    names = {key: words.value(f"appendix_{key}") for key in ("title", "relation", "continued", "activity")}
    activities = {a.key: a.name for a in letter.activities}
    setter = _Typesetter(words.value("draft") if letter.draft else "")
    setter.new_page()
    setter.paragraph(TITLE, names["title"], after=6 * MM, role="H1")
    store = activity = None
    for section in letter.sections:
        if section.table is not None and not section.table.rows:
            continue  # every record printed with the rows pointing at it (the items of loans)
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
