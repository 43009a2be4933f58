"""The same letter as an editable Word document (python-docx).

The text comes from the very HTML the PDF is made from, so legal wording lives only in the
templates: this module maps a small set of elements (headings, paragraphs, lists, label/value
lists, tables, the address and information block) to Word paragraphs and tables.
Tables are created at full size and filled through one flat list of cells: python-docx's
``table.cell(r, c)`` and ``row.cells`` recompute the whole grid on every call (quadratic).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from html.parser import HTMLParser
from xml.sax.saxutils import escape

import docx
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt

from dsr.pipeline.compose.letter import Disclosure
from dsr.pipeline.compose.wording import wording
from dsr.pipeline.render import templates

SKIP = {"head", "style", "title", "footer", "script"}
BLOCKS = {"h1", "h2", "h3", "p", "li", "address", "div", "dl", "ul"}


class _Letter(HTMLParser):
    def __init__(self, document: Document) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = document
        self.skip = 0
        self.stack: list[tuple[str, str]] = []
        self.runs: list[tuple[str, bool]] = []
        self.bold = 0
        self.table: list[list[str]] | None = None
        self.header_row = False
        self.cell: list[str] | None = None
        self.info: list[str] = []
        self.in_info = False

    # ---------------------------------------------------------------- events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        # (the PDF's draft word above the letterhead: the draft mark already says it)
        if tag in SKIP or {"fold", "spacer", "draft-top"} & set(cls.split()):
            self.skip += 1
            self.stack.append((tag, "skip"))
            return
        self.stack.append((tag, cls))
        if self.skip:
            return
        if tag == "aside":
            self.in_info = True
        elif tag in ("b", "strong", "dt"):
            self.bold += 1
        elif tag == "br":
            self.runs.append(("\n", False))
        elif tag == "table":
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag in BLOCKS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self.skip:
            self.runs.append(("\n", False))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            open_tag, cls = self.stack.pop()
            if cls == "skip":
                self.skip -= 1
            elif not self.skip:
                self._close(open_tag, cls)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
            return
        if not data.strip() and not self.runs:
            return
        self.runs.append((data, self.bold > 0))

    # ---------------------------------------------------------------- output
    def _close(self, tag: str, cls: str) -> None:
        if tag in ("b", "strong", "dt"):
            self.bold -= 1
        if tag in ("td", "th") and self.cell is not None and self.table is not None:
            self.table[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.table is not None:
            self._table(self.table)
            self.table = None
        elif tag == "aside":
            self._flush()
            self.in_info = False
        elif tag == "dt":
            if self.in_info:
                self._flush()
            else:
                self.runs.append((": ", True))  # "Zweck: …" on one line, as in a form
        elif tag in BLOCKS or tag == "dd":
            self._flush(tag, cls)

    def _flush(self, tag: str = "p", cls: str = "") -> None:
        if not any(t.strip() for t, _ in self.runs):
            self.runs = []
            return
        runs, self.runs = self.runs, []
        if self.in_info:
            self.info.append("".join(t for t, _ in runs).strip())
            return
        if tag in ("h1", "h2", "h3"):
            heading = self.doc.add_paragraph()
            heading._p.style = f"Heading{tag[1]}"  # style ids of the default template (see _table)
            heading.add_run(" ".join("".join(t for t, _ in runs).split()))
            return
        para = self.doc.add_paragraph()
        if tag == "li":
            para._p.style = "ListBullet"
        keep_lines = tag == "address" or "recipient" in cls
        for i, (text, bold) in enumerate(runs):
            if not keep_lines and text != "\n":
                # collapse HTML whitespace, keeping one space at run boundaries
                core = " ".join(text.split())
                lead = " " if text[:1].isspace() and i and core else ""
                trail = " " if text[-1:].isspace() and core else ""
                text = lead + core + trail
            run = para.add_run(text)
            run.bold = bold
        if "record" in cls.split() or "codes" in cls.split():
            for run in para.runs:
                run.font.size = Pt(8)

    def _table(self, rows: list[list[str]]) -> None:
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=0, cols=width)
        # by style id: python-docx's lookup by name searches all styles (≈ 4 ms a call)
        table._tbl.tblPr.style = "TableGrid"
        # Rows as one XML fragment, parsed once: python-docx builds every cell, paragraph and
        # run element by element (≈ 0.2 ms a cell), which dominated long letters.
        body = "".join(_row(values + [""] * (width - len(values)), bold=r == 0) for r, values in enumerate(rows))
        for row in parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>"):
            table._tbl.append(row)

    def close(self) -> None:
        super().close()
        self._flush()


#: characters XML 1.0 cannot carry (a stored value might hold them)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _row(values: list[str], bold: bool) -> str:
    style = "<w:rPr><w:b/></w:rPr>" if bold else ""
    cells = "".join(
        '<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p>'
        + (f'<w:r>{style}<w:t xml:space="preserve">{escape(_NOT_XML.sub("", v))}</w:t></w:r>' if v else "")
        + "</w:p></w:tc>"
        for v in values
    )
    return f"<w:tr>{cells}</w:tr>"


def docx_bytes(letter: Disclosure) -> bytes:
    """The letter as a .docx file (same text and records as the PDF)."""
    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin, section.right_margin, section.top_margin, section.bottom_margin = (
        Mm(25),
        Mm(20),
        Mm(20),
        Mm(20),
    )
    style = document.styles["Normal"]
    style.font.name = "Noto Sans"
    style.font.size = Pt(10)
    document.core_properties.title = letter.request.case_reference
    document.core_properties.created = _midnight(letter)
    document.core_properties.modified = _midnight(letter)
    document.core_properties.last_modified_by = letter.controller.name
    document.core_properties.author = letter.controller.name
    document.core_properties.revision = 1
    # the default template describes itself ("generated by python-docx")
    document.core_properties.comments = ""
    parser = _Letter(document)
    parser.feed(templates.html(letter.kind, letter.language, letter=letter, part="whole"))
    parser.close()
    if parser.info:
        # the information block of the PDF, as a small table after the address
        _info_table(document, parser.info)
    _footer(document, letter)
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue(), _midnight(letter))


def _info_table(document: Document, lines: list[str]) -> None:
    pairs = [lines[i : i + 2] for i in range(0, len(lines) - 1, 2)]
    table = document.add_table(rows=len(pairs), cols=2)
    cells = table._cells
    for i, (label, value) in enumerate(pairs):
        cells[2 * i].text, cells[2 * i + 1].text = label, value
    # move it right after the address paragraphs: the third block of the body
    body = document.element.body
    body.remove(table._tbl)
    anchor = body[min(4, len(body) - 1)]
    anchor.addnext(table._tbl)


def _footer(document: Document, letter: Disclosure) -> None:
    """The controller's details as in the PDF's footer, and "Seite X von Y" (Word fields)."""
    c = letter.controller
    parts = [c.name, f"{c.street}, {c.postal_code} {c.city}", c.phone, c.email, c.website, *c.legal_details]
    footer = document.sections[0].footer
    details = footer.paragraphs[0]
    details.text = " · ".join(p for p in parts if p)
    words = wording(letter.language)
    number = footer.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.add_run(f"{words.value('page')} ")
    number._p.append(_field("PAGE"))
    number.add_run(f" {words.value('page_of')} ")
    number._p.append(_field("NUMPAGES"))
    for paragraph in footer.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(7)


def _field(instruction: str) -> BaseOxmlElement:
    # a simple field Word fills in when it lays out the pages ("1" until then)
    return parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr="{instruction}">'
        '<w:r><w:rPr><w:sz w:val="14"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>'
    )


def _fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The package again with every entry dated ``stamp``: python-docx writes the time of
    saving, so the same letter would give different bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _midnight(letter: Disclosure) -> dt.datetime:
    return dt.datetime.combine(letter.letter_date_iso, dt.time())
