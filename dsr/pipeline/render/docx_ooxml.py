"""WordprocessingML fragments for the Word letter, written as text and parsed once per block.

python-docx builds every paragraph, run and cell element by element (≈ 0.2 ms a cell), which
dominated long letters; positioned tables and frames need raw OOXML anyway.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.xmlchemy import BaseOxmlElement

#: characters XML 1.0 cannot carry (a stored value might hold them)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

MUTED = "555555"  # style.css's muted grey (labels, the letterhead's lines)
RULE = "999999"


def twips(mm: float) -> int:
    """Millimetres as twentieths of a point, Word's length unit."""
    return round(mm * 72 / 25.4 * 20)


def text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


@dataclass(frozen=True)
class Font:
    """A run's look: size in points, bold, colour."""

    size: float = 10
    bold: bool = False
    color: str = ""

    def xml(self) -> str:
        bold = "<w:b/>" if self.bold else ""
        color = f'<w:color w:val="{self.color}"/>' if self.color else ""
        half = round(self.size * 2)
        return f'<w:rPr>{bold}{color}<w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr>'


def run(value: str, font: Font) -> str:
    """A run; line breaks in ``value`` become Word line breaks."""
    if not value:
        return ""
    parts = [f'<w:t xml:space="preserve">{text(line)}</w:t>' for line in value.split("\n")]
    return f"<w:r>{font.xml()}{'<w:br/>'.join(parts)}</w:r>"


def paragraph(
    runs: Iterable[str] | str,
    *,
    line: float | None = None,
    before: float = 0,
    after: float = 0,
    style: str = "",
    keep_next: bool = False,
    page_break: bool = False,
    border: str = "",
    tabs: str = "",
    indent: str = "",
    align: str = "",
) -> str:
    """A paragraph; ``line`` an exact line height in points (None: the font's own), spacing in
    mm; ``border``, ``tabs``, ``indent`` the inner XML of ``w:pBdr``, ``w:tabs``, the attributes
    of ``w:ind`` (Word insists on the schema's order of the properties)."""
    spacing = f'w:before="{twips(before)}" w:after="{twips(after)}"'
    if line is not None:
        spacing += f' w:line="{round(line * 20)}" w:lineRule="exact"'
    properties = (
        (f'<w:pStyle w:val="{style}"/>' if style else "")
        + ("<w:keepNext/>" if keep_next else "")
        + ("<w:pageBreakBefore/>" if page_break else "")
        + (f"<w:pBdr>{border}</w:pBdr>" if border else "")
        + (f"<w:tabs>{tabs}</w:tabs>" if tabs else "")
        + f"<w:spacing {spacing}/>"
        + (f"<w:ind {indent}/>" if indent else "")
        + (f'<w:jc w:val="{align}"/>' if align else "")
    )
    body = runs if isinstance(runs, str) else "".join(runs)
    return f"<w:p><w:pPr>{properties}</w:pPr>{body}</w:p>"


def elements(xml: str) -> list[BaseOxmlElement]:
    """The elements of ``xml`` (a sequence of body-level elements), in order, each declaring its
    namespace itself: lxml takes time growing with the square of a subtree's size to move it
    out of a parent that declared its namespace (seconds for a table of 1 000 loans)."""
    # a deep copy is a tree of its own, declaring its namespace on its root
    return [copy.deepcopy(child) for child in parse_xml(f"<w:body {nsdecls('w')}>{xml}</w:body>")]
