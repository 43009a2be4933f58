"""The letter's HTML read into Word paragraphs and tables.

The text comes from the very HTML the PDF is made from, so legal wording lives only in the
templates. A small set of elements maps to Word (headings, paragraphs, lists, label/value lists,
tables); letterhead, address field and information block are collected for page 1
(:mod:`dsr.pipeline.render.docx_address`), page furniture (fold marks, spacer, draft marks) is left
to Word's own page setup.
"""

from __future__ import annotations

from html.parser import HTMLParser

from docx.document import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt

from dsr.pipeline.render.docx_ooxml import Font, run

SKIP = {"head", "style", "title", "footer", "script"}
#: page furniture the Word letter draws its own way (headers, the address table)
FURNITURE = {"fold", "spacer", "draft-top", "draft-mark"}
BLOCKS = {"h1", "h2", "h3", "p", "li", "address", "div", "dl", "ul"}
#: the parts of page 1 above the subject, by class
REGIONS = ("letterhead", "return-address", "recipient", "info-block")


class LetterHtml(HTMLParser):
    """Feeds the body into ``document``; keeps the page 1 parts in :attr:`regions`."""

    def __init__(self, document: Document) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = document
        self.skip = 0
        self.stack: list[tuple[str, str]] = []
        self.runs: list[tuple[str, bool]] = []
        self.bold = 0
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None
        #: region → its blocks of text (letterhead: name, lines; info-block: label, value, …)
        self.regions: dict[str, list[str]] = {name: [] for name in REGIONS}
        self.region = ""

    # ---------------------------------------------------------------- events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag in SKIP or FURNITURE & classes:
            self.skip += 1
            self.stack.append((tag, "skip"))
            return
        region = next((name for name in REGIONS if name in classes), "")
        self.stack.append((tag, region or " ".join(sorted(classes))))
        if self.skip:
            return
        if region:
            self._flush()
            self.region = region
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
        if cls in REGIONS:
            self._flush(tag, cls)
            self.region = ""
        elif tag in ("td", "th") and self.cell is not None and self.table is not None:
            self.table[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.table is not None:
            self._table(self.table)
            self.table = None
        elif tag == "dt":
            if self.region:
                self._flush()
            else:
                # "Zweck: …" on one line, as in a form ("Fragen?" keeps its own mark)
                said = "".join(t for t, _ in self.runs).rstrip()
                self.runs.append((" " if said.endswith(("?", ":", "!")) else ": ", True))
        elif tag in BLOCKS or tag == "dd":
            self._flush(tag, cls)

    def _flush(self, tag: str = "p", cls: str = "") -> None:
        if not any(t.strip() for t, _ in self.runs):
            self.runs = []
            return
        runs, self.runs = self.runs, []
        if self.region:
            text = "".join(t for t, _ in runs)
            # the recipient keeps its lines; everything else reads as one line
            self.regions[self.region].append(text.strip() if self.region == "recipient" else " ".join(text.split()))
            return
        if tag in ("h1", "h2", "h3"):
            heading = self.doc.add_paragraph()
            heading._p.style = f"Heading{tag[1]}"  # style ids of the default template (see _table)
            heading.add_run(" ".join("".join(t for t, _ in runs).split()))
            return
        para = self.doc.add_paragraph()
        if tag == "li":
            para._p.style = "ListBullet"
        keep_lines = tag == "address"
        for i, (text, bold) in enumerate(runs):
            if not keep_lines and text != "\n":
                # collapse HTML whitespace, keeping one space at run boundaries
                core = " ".join(text.split())
                lead = " " if text[:1].isspace() and i and core else ""
                trail = " " if text[-1:].isspace() and core else ""
                text = lead + core + trail
            para.add_run(text).bold = bold
        if "record" in cls.split() or "codes" in cls.split():
            for r in para.runs:
                r.font.size = Pt(8)

    def _table(self, rows: list[list[str]]) -> None:
        """A table of the letter itself (not the copy: :mod:`dsr.pipeline.render.docx_copy`)."""
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.doc.add_table(rows=0, cols=width)
        # by style id: python-docx's lookup by name searches all styles (≈ 4 ms a call)
        table._tbl.tblPr.style = "TableGrid"
        body = "".join(
            "<w:tr>"
            + "".join(
                '<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p>'
                + run(v, Font(10, bold=r == 0))
                + "</w:p></w:tc>"
                for v in values + [""] * (width - len(values))
            )
            + "</w:tr>"
            for r, values in enumerate(rows)
        )
        for row in parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>"):
            table._tbl.append(row)

    def close(self) -> None:
        super().close()
        self._flush()
