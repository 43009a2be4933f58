"""The copy of the data (Anlage 1) in the Word letter: rows a person can read.

Each collection prints what the PDF's appendix prints (:mod:`dsr.pipeline.render.appendix`): the
section's :class:`~dsr.pipeline.compose.letter.Table` (:mod:`dsr.pipeline.compose.copy`: internal
numbers left out, a loan's medium joined into its row, what every row has alike said once above,
relations in words) under its heading with the count and description; then a table with the
labels repeated on every page and column widths from the content as in the PDF
(:func:`dsr.pipeline.render.measure.fit`), or, where the PDF prints cards (too many columns for
portrait A4, :func:`dsr.pipeline.render.measure.as_cards`), a block per record (entry number,
label, value; empty fields left out), two side by side where they fit. Explanations follow the
records. The attached JSON and CSVs keep every value.
"""

from __future__ import annotations

from collections.abc import Sequence

from dsr.pipeline.compose.copy import said_once
from dsr.pipeline.compose.letter import Disclosure, Section, Table
from dsr.pipeline.compose.wording import Wording, form_of, wording
from dsr.pipeline.render import measure
from dsr.pipeline.render.appendix import as_stored
from dsr.pipeline.render.docx_ooxml import MUTED, RULE, Font, paragraph, run

CELL = Font(8)
HEAD = Font(8, bold=True)
NOTE = Font(7.5, color=MUTED)
ACTIVITY = Font(9, bold=True, color=MUTED)
NUMBER = Font(8, color=MUTED)
_PADDING = round(measure.CELL_X * 20)  # twips
_WIDTH = measure.WIDTH  # points


def shown(section: Section, words: Wording) -> Table:
    """What the letter prints of ``section`` (a section built by hand: every column as stored)."""
    return section.table or as_stored(section, words.value("appendix_relation"))


def copy_xml(letter: Disclosure) -> str:
    """Anlage 1 as body XML, from a new page: store, processing activity, collections."""
    words = wording(letter.language, form=form_of(letter.address))
    activities = {a.key: a.name for a in letter.activities}
    parts = [paragraph(run(words.value("appendix_title"), Font(11, bold=True)), style="Heading1", page_break=True)]
    store = activity = None
    for section in letter.sections:
        table = shown(section, words)
        if section.table is not None and not table.rows:
            continue  # every record printed with the rows pointing at it (the items of loans)
        if section.store != store:
            store, activity = section.store, None
            parts.append(paragraph(run(section.store_title, Font(10.5, bold=True)), style="Heading2"))
        if section.activity != activity:
            activity = section.activity
            if activity in activities:
                label = f"{words.value('appendix_activity')}: {activities[activity]}"
                parts.append(paragraph(run(label, ACTIVITY), before=2, after=1, keep_next=True))
        parts.append(collection_xml(section, table))
    return "".join(parts)


def collection_xml(section: Section, table: Table) -> str:
    out = [paragraph(run(f"{section.title} ({len(table.rows)})", Font(10, bold=True)), style="Heading3")]
    if section.description:
        out.append(paragraph(run(section.description, NOTE), after=1, keep_next=True))
    if table.constants:
        # what every record has alike, once above them ("Leserin/Leser: Sie · Ausgegeben von: …")
        said = run(" · ", CELL).join(
            run(f"{label}: ", HEAD) + run(value, CELL) for label, value in said_once(table.constants)
        )
        out.append(paragraph(said, after=1.5, keep_next=True))
    if table.labels and table.rows:
        natural, minimum = measure.measure(table.labels, table.rows)
        wide = measure.as_cards(table.labels, table.rows, minimum)
        out.append(_blocks(table) if wide else _table(table, natural, minimum))
    # a table must not touch what follows (Word would join two tables)
    out.append(paragraph("", after=1))
    out.extend(paragraph(run(note, NOTE), after=0.5) for note in table.notes)
    return "".join(out)


def _table(table: Table, natural: Sequence[float], minimum: Sequence[float]) -> str:
    # a point to spare: Word and LibreOffice break a word that fills its cell exactly
    fitted = measure.fit([w + 1 for w in natural], [w + 1 for w in minimum])
    widths = [w + 2 * measure.CELL_X for w in fitted]
    header = _row([run(label, HEAD) for label in table.labels], widths, header=True)
    body = "".join(_row([run(measure.clean(v), CELL) for v in values], widths) for values in table.rows)
    return _frame(widths, header + body)


def _blocks(table: Table) -> str:
    """A block per record: entry number, then a row per field with label and value (an empty
    field left out); a rule above each block. Two blocks side by side (1 | 2, 3 | 4) where, as
    in the PDF, no word would break and no block is taller than a third of a page; a block up to
    a third of a page is kept on one page."""
    labels, records = table.labels, table.rows
    third = (measure.PAGE_HEIGHT - measure.TOP - measure.BOTTOM) / 3
    pair = measure.Cards(labels, (_WIDTH - measure.GUTTER) / 2, len(records), table.empty)
    two = len(records) > 1 and pair.whole_words(records) and all(pair.height(v) <= third for v in records)
    cards = pair if two else measure.Cards(labels, _WIDTH, len(records), table.empty)
    number, label, _ = cards.widths
    side = [number + 2 * measure.CELL_X, label + 1 + 2 * measure.CELL_X]
    side.append(cards.span - sum(side))
    widths = [*side, measure.GUTTER, *side] if two else side
    step = 2 if two else 1
    skip = {"", table.empty}
    rows = []
    for first in range(0, len(records), step):
        group = records[first : first + step]
        # per record, its fields that hold something (the first always: it carries the number)
        fields = [[k for k, v in enumerate(values) if v not in skip] or [0] for values in group]
        keep = max(cards.height(v) for v in group) <= third
        height = max(len(f) for f in fields)
        for line in range(height):
            cells: list[str] = []
            for i, values in enumerate(group):
                if i:
                    cells.append("")  # the gutter
                if line < len(fields[i]):
                    k = fields[i][line]
                    entry = run(str(first + i + 1), NUMBER) if line == 0 else ""
                    cells += [entry, run(labels[k], HEAD), run(measure.clean(values[k]), CELL)]
                else:
                    cells += ["", "", ""]
            cells += [""] * (len(widths) - len(cells))
            last = line + 1 == height
            rows.append(_row(cells, widths, ruled=line == 0, keep=keep and not last, gutter=3 if two else -1))
    return _frame(widths, "".join(rows), rules=False)


def _frame(widths: Sequence[float], rows: str, *, rules: bool = True) -> str:
    """A table over the text width with the PDF's light rules between rows (no verticals)."""
    line = f'w:val="single" w:sz="2" w:space="0" w:color="{RULE}"'
    inside = f"<w:insideH {line}/>" if rules else ""
    borders = f"<w:top {line}/><w:bottom {line}/>{inside}"
    margins = f'<w:left w:w="{_PADDING}" w:type="dxa"/><w:right w:w="{_PADDING}" w:type="dxa"/>'
    grid = "".join(f'<w:gridCol w:w="{round(w * 20)}"/>' for w in widths)
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{round(sum(widths) * 20)}" w:type="dxa"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        f"<w:tblCellMar>{margins}</w:tblCellMar></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>"
    )


def _row(
    cells: Sequence[str],
    widths: Sequence[float],
    *,
    header: bool = False,
    ruled: bool = False,
    keep: bool = False,
    gutter: int = -1,
) -> str:
    # the labels repeat on every page; a record's block stays on one page where it fits (keepNext)
    properties = "<w:tblHeader/>" if header else ""
    rule = f'<w:tcBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/></w:tcBorders>' if ruled else ""
    spacing = round(measure.CELL_Y / 72 * 25.4, 2)
    out = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{round(w * 20)}" w:type="dxa"/>{rule if i != gutter else ""}</w:tcPr>'
        f"{paragraph(content, before=spacing, after=spacing, keep_next=keep)}</w:tc>"
        for i, (content, w) in enumerate(zip(cells, widths, strict=True))
    )
    return f"<w:tr>{f'<w:trPr>{properties}</w:trPr>' if properties else ''}{out}</w:tr>"
