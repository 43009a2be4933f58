"""Page furniture of a letter rendered in parts: the footer and "Seite 17 von 412" on every page.

Margin boxes cost WeasyPrint about 20 ms on every page, and page counters restart in every
separately rendered part. So the parts are rendered bare, and after merging every page gets
the footer (one form XObject, rendered once, shared by all pages) and its page number (a few
bytes of text written directly, in the font, size, colour and position WeasyPrint used for a
sample of the same words and digits).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import cast

import pikepdf

#: right edge of the page number: A4 width minus the right page margin of style.css, in CSS px
RIGHT_EDGE_PX = (210 - 20) / 25.4 * 96
#: baseline of page 1's number, in CSS px from the top: page 1 has no top margin (the letterhead
#: starts 12 mm down), so its number stands higher than on the other pages, on the line of the
#: draft mark ("Entwurf", style.css .draft-top); the same place as @page :first in base/letter.html
FIRST_BASELINE_PX = 8 / 25.4 * 96
DIGITS = "0123456789"


@dataclass(frozen=True)
class Numerals:
    """How the sample line was set: enough to set any "Seite N von M" the same way."""

    codes: dict[str, str]  #: character → 4-hex-digit glyph code in the sample's font
    widths: dict[str, float]  #: character → advance in 1/1000 em
    color: tuple[float, ...]
    size: float  #: font size in CSS px (the page content is scaled 0.75 to points)
    baseline: float  #: CSS px from the top of the page


def numerals_line(page_word: str, of_word: str) -> str:
    """The sample text: every character a page number can need."""
    return f"{page_word} {of_word} {DIGITS}"


def stamp(doc: pikepdf.Pdf, furniture: bytes, page_word: str, of_word: str) -> None:
    """Lay the footer over every page of ``doc`` and number every page as "Seite N von M"."""
    with pikepdf.open(io.BytesIO(furniture)) as source:
        footer = doc.copy_foreign(source.pages[0].as_form_xobject())
        sample = source.pages[1]
        (font_name, font), *_ = sample.Resources.Font.items()
        numerals = _numerals(sample, font_name)
        font = doc.copy_foreign(font)
    total = len(doc.pages)
    for number, page in enumerate(doc.pages, start=1):
        # pages of one part share their resource dictionary: fixed names, same objects
        page.add_resource(footer, pikepdf.Name.XObject, pikepdf.Name("/DsrFooter"), replace_existing=True)
        page.add_resource(font, pikepdf.Name.Font, pikepdf.Name("/DsrNumerals"), replace_existing=True)
        line = f"{page_word} {number} {of_word} {total}"
        baseline = FIRST_BASELINE_PX if number == 1 else numerals.baseline
        text = _number_text(numerals, line, float(page.mediabox[3]), baseline)
        # the page's own content may leave its (flipped) coordinate system open: close it first
        page.contents_add(pikepdf.Stream(doc, b"q\n"), prepend=True)
        # footer and number are page furniture: artifacts, not content (PDF/UA)
        overlay = b"\nQ /Artifact BMC q /DsrFooter Do Q\n" + text + b"EMC\n"
        page.contents_add(pikepdf.Stream(doc, overlay), prepend=False)


def _number_text(n: Numerals, line: str, height: float, baseline: float) -> bytes:
    width = sum(n.widths[ch] for ch in line) / 1000 * n.size
    glyphs = "".join(n.codes[ch] for ch in line)
    color = " ".join(f"{c:g}" for c in n.color)
    return (
        f"q 1 0 0 -1 0 {height:g} cm 0.75 0 0 0.75 0 0 cm {color} rg BT "
        f"1 0 0 -1 {RIGHT_EDGE_PX - width:.3f} {baseline:.3f} Tm /DsrNumerals {n.size:g} Tf <{glyphs}> Tj ET Q\n"
    ).encode()


def _numerals(sample: pikepdf.Page, font_name: str) -> Numerals:
    color: tuple[float, ...] = (0.0, 0.0, 0.0)
    size = baseline = 0.0
    for instruction in pikepdf.parse_content_stream(sample):
        operands, op = instruction.operands, str(instruction.operator)
        if op == "rg":
            color = tuple(float(v) for v in operands)
        elif op == "Tm":
            baseline = float(operands[5])
        elif op == "Tf" and str(operands[0]) == font_name:
            size = float(operands[1])
    font = sample.Resources.Font[font_name]
    codes = _codes(font.ToUnicode.read_bytes().decode("ascii"))
    return Numerals(
        codes=codes,
        widths=_widths(cast(pikepdf.Array, font.DescendantFonts[0].W), codes),  # /W is an array (PDF 9.7.4.3)
        color=color,
        size=size,
        baseline=baseline,
    )


_BFCHAR = re.compile(r"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]{4})>")


def _codes(to_unicode: str) -> dict[str, str]:
    codes: dict[str, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", to_unicode, re.S):
        for code, char in _BFCHAR.findall(block):
            codes.setdefault(chr(int(char, 16)), code.lower())
    return codes


def _widths(w: pikepdf.Array, codes: dict[str, str]) -> dict[str, float]:
    # /W is a list of either "first [w1 w2 …]" or "first last w"
    by_code: dict[int, float] = {}
    items = list(w)
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for k, width in enumerate(items[i + 1]):
                by_code[first + k] = float(width)
            i += 2
        else:
            for code in range(first, int(items[i + 1]) + 1):
                by_code[code] = float(items[i + 2])
            i += 3
    return {ch: by_code.get(int(code, 16), 1000.0) for ch, code in codes.items()}
