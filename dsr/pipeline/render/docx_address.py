"""Page 1 of the Word letter placed for a DIN 5008 Form B window envelope (``base/style.css``).

The letterhead is the first page's own header (y 12 mm), ending at y 45 mm: Word and
LibreOffice start the body below a header taller than the top margin, on that page only.
The body then opens with a table of rows of exact height, no cell padding, at the left margin
(x 25 mm): the return address in 7 pt ending on a rule just above y 62.7 (bottom-aligned, so a
long sender wraps upwards), the recipient from y 62.7 (up to six lines, to y 90), and beside
them, from x 125 mm, the information block from y 50 mm; the subject follows at y 98.5 mm. The
officer edits the recipient and the block as ordinary text; both stay where the window is.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsr.pipeline.render.docx_ooxml import MUTED, RULE, Font, paragraph, run, twips

LETTERHEAD_TOP = 12.0  # mm from the top of the page
ADDRESS_TOP = 45.0
RECIPIENT_TOP = 62.7
ADDRESS_BOTTOM = 90.0
INFO_TOP = 50.0
SUBJECT_TOP = 98.5
ADDRESS_WIDTH = 80.0  # text from x 25 (the left margin) to 105
INFO_LEFT = 100.0  # x 125, from the left margin
INFO_WIDTH = 65.0  # to x 190, the right margin
INFO_LABEL = 26.5

NAME = Font(15, bold=True)
LINES = Font(8.5, color=MUTED)
RETURN = Font(7)
RECIPIENT = Font(10)
INFO = Font(8.5)
INFO_LABEL_FONT = Font(8.5, color=MUTED)
DRAFT = Font(10, bold=True, color="CC0000")

# exact line heights (points): style.css's line-height of each part
NAME_LINE = 15 * 1.35
LINES_LINE = 8.5 * 1.35
RETURN_LINE = 7 * 1.2
RECIPIENT_LINE = 10 * 1.25
INFO_LINE = 8.5 * 1.35
DRAFT_LINE = 10 * 1.35

_PT = 25.4 / 72  # mm per point


@dataclass(frozen=True)
class FirstPage:
    """What page 1 shows above the subject, as the letter's HTML says it."""

    letterhead: tuple[str, ...]  #: the controller's name, then its lines
    return_address: str
    recipient: tuple[str, ...]
    info: tuple[tuple[str, str], ...]  #: label, value
    draft: str = ""  #: the draft word; "" for a final letter


def letterhead(page: FirstPage) -> str:
    """The first page's header: draft word, letterhead, and a spacer to y 45 mm."""
    parts: list[str] = []
    used = 0.0
    if page.draft:
        parts.append(paragraph(run(page.draft, DRAFT), line=DRAFT_LINE, align="center"))
        used += DRAFT_LINE * _PT
    for i, line in enumerate(page.letterhead):
        font, height = (NAME, NAME_LINE) if i == 0 else (LINES, LINES_LINE)
        parts.append(paragraph(run(line, font), line=height))
        used += height * _PT
    rest = max(1.0, ADDRESS_TOP - LETTERHEAD_TOP - used)
    # an empty paragraph of exact height: where the header ends, the body starts
    parts.append(paragraph(run(" ", Font(2)), line=rest / _PT))
    return "".join(parts)


def address_block(page: FirstPage) -> str:
    """The table of address field and information block (y 45 – 98.5 mm)."""
    grid = (ADDRESS_WIDTH, INFO_LEFT - ADDRESS_WIDTH, INFO_WIDTH)
    columns = "".join(f'<w:gridCol w:w="{twips(w)}"/>' for w in grid)
    zero = "".join(f'<w:{side} w:w="0" w:type="dxa"/>' for side in ("top", "left", "bottom", "right"))
    properties = (
        f'<w:tblPr><w:tblW w:w="{twips(sum(grid))}" w:type="dxa"/><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblLayout w:type="fixed"/>'
        f"<w:tblCellMar>{zero}</w:tblCellMar>"
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0"'
        ' w:noHBand="1" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{columns}</w:tblGrid>"
    )
    rule = f'<w:bottom w:val="single" w:sz="2" w:space="1" w:color="{RULE}"/>'
    sender = paragraph(run(page.return_address, RETURN), line=RETURN_LINE, border=rule)
    # (an empty recipient still needs its paragraph: a cell must hold one)
    lines = page.recipient or ("",)
    recipient = "".join(paragraph(run(line, RECIPIENT), line=RECIPIENT_LINE) for line in lines)
    rows = (
        (RECIPIENT_TOP - ADDRESS_TOP, sender, "bottom", "restart"),
        (ADDRESS_BOTTOM - RECIPIENT_TOP, recipient, "top", "continue"),
        (SUBJECT_TOP - ADDRESS_BOTTOM, paragraph(""), "top", "continue"),
    )
    body = "".join(
        f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{twips(height)}" w:hRule="exact"/></w:trPr>'
        + _cell(grid[0], content, align=align)
        + _cell(grid[1], paragraph(""))
        + _cell(grid[2], _info(page.info) if merge == "restart" else paragraph(""), merge=merge)
        + "</w:tr>"
        for height, content, align, merge in rows
    )
    return f"<w:tbl>{properties}{body}</w:tbl>"


def _cell(width: float, content: str, *, align: str = "top", merge: str = "") -> str:
    merged = f'<w:vMerge w:val="{merge}"/>' if merge else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{twips(width)}" w:type="dxa"/>{merged}<w:vAlign w:val="{align}"/></w:tcPr>'
        f"{content}</w:tc>"
    )


def _info(pairs: tuple[tuple[str, str], ...]) -> str:
    """Label, tab, value; a long value wraps under itself (hanging indent at the tab)."""
    if not pairs:
        return paragraph("")
    stop = twips(INFO_LABEL)
    return "".join(
        paragraph(
            run(label, INFO_LABEL_FONT) + "<w:r><w:tab/></w:r>" + run(value, INFO),
            line=INFO_LINE,
            before=INFO_TOP - ADDRESS_TOP if i == 0 else 0,
            tabs=f'<w:tab w:val="left" w:pos="{stop}"/>',
            indent=f'w:left="{stop}" w:hanging="{stop}"',
        )
        for i, (label, value) in enumerate(pairs)
    )
