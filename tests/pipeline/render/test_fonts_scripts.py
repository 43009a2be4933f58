"""Every name prints: names in other scripts in the address block and in the copy of the data,
read back as a reader's tools read them (poppler's ``pdftotext``), each character drawn with a
real glyph of an embedded font; and no log line of the rendering names a character of the letter.

The fallback fonts come from Debian packages (scripts/install, dsr_letter_templates/fonts/fonts.conf).
"""

from __future__ import annotations

import io
import logging
import re
import subprocess

import msgspec
import pikepdf
import pytest
from fontTools.ttLib import TTFont

from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.wording import wording

#: a name per script: Chinese, Arabic, Hebrew, Devanagari, Greek, Cyrillic, Thai
NAMES = ("王美玲", "محمد علي", "דוד כהן", "अनिल कुमार", "Ωμέγα Παπαδόπουλος", "Иван Петров", "สมชาย ใจดี")
#: characters no installed font has (an emoji, a private-use one)
UNPRINTABLE = "\U0001f600\ue000"
#: direction marks pdftotext puts around right-to-left runs
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def letter_for(name: str, loans: int = 1):
    """The specimen access answer to a requester called ``name``, whose own record (in the copy
    of the data) carries the name too."""
    first, _, last = name.partition(" ")
    request = specimen.request("de")
    request = msgspec.structs.replace(request, recipient=msgspec.structs.replace(request.recipient, name=name))
    gathering = specimen.gathering(loans)
    renamed = {"first_name": first, "last_name": last or first}
    records = tuple(
        msgspec.structs.replace(
            record,
            fields=tuple(
                msgspec.structs.replace(f, value=renamed[f.name]) if f.name in renamed else f for f in record.fields
            ),
        )
        if record.collection == "person"
        else record
        for record in gathering.records
    )
    return compose.disclosure(specimen.SCHOOL, msgspec.structs.replace(gathering, records=records), request)


def pdftotext(pdf: bytes) -> list[str]:
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return run.stdout.decode().split("\f")


def found(name: str, text: str) -> bool:
    """``name`` in ``text`` as its characters in a row, in logical or (right-to-left scripts, as
    some extractors give them) visual order; spaces and direction marks do not count."""
    squeezed = "".join(BIDI_CONTROLS.sub("", text).split())
    wanted = "".join(name.split())
    return wanted in squeezed or wanted[::-1] in squeezed


def drawn(pdf: bytes) -> dict[str, bool]:
    """Each character the PDF's fonts map text to → whether every glyph it maps from is a real
    glyph of the embedded font program (not .notdef, not a glyph the program does not have)."""
    out: dict[str, bool] = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for font in doc.objects:
            if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != pikepdf.Name.Type0:
                continue
            descriptor = font.DescendantFonts[0].FontDescriptor
            program = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
            order = program.getGlyphOrder()
            glyphs = program["glyf"]
            for cid, text in to_unicode(font.ToUnicode.read_bytes().decode("latin-1")).items():
                real = 0 < cid < len(order) and (glyphs[order[cid]].numberOfContours != 0 or text.isspace())
                for char in text:
                    out[char] = out.get(char, True) and real
    return out


def to_unicode(cmap: str) -> dict[int, str]:
    """A ToUnicode CMap's glyph code → text (bfchar and both kinds of bfrange)."""
    out: dict[int, str] = {}

    def text(hex_: str) -> str:
        return bytes.fromhex(hex_).decode("utf-16-be")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            out[int(code, 16)] = text(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]+>|\[[^\]]*\])", block):
            codes = range(int(lo, 16), int(hi, 16) + 1)
            if dst.startswith("["):
                out.update(zip(codes, (text(d) for d in re.findall(r"<([0-9a-fA-F]+)>", dst)), strict=False))
            else:
                first = bytes.fromhex(dst[1:-1])
                for k, code in enumerate(codes):
                    out[code] = (first[:-2] + (int.from_bytes(first[-2:], "big") + k).to_bytes(2, "big")).decode(
                        "utf-16-be"
                    )
    return out


@pytest.mark.parametrize("name", NAMES)
def test_a_name_prints_in_the_address_block_and_in_the_copy_of_the_data(name):
    pdf = render.pdf(letter_for(name), attach=False)
    pages = pdftotext(pdf)
    street = specimen.request("de").recipient.street
    assert found(name, pages[0].split(street)[0])  # the address block: the name above the street
    title = wording("de").value("appendix_title")
    appendix = "".join(pages).split(title, 1)[1]
    assert found(name.split()[0], appendix)  # the first name, in the reader's own record
    assert "\ufffd" not in "".join(pages)
    glyphs = drawn(pdf)
    assert all(glyphs.get(char) for char in "".join(name.split())), {c: glyphs.get(c) for c in name}


def test_the_typesetter_stays_the_one_for_names_the_shipped_font_has():
    # Greek and Cyrillic are in Noto Sans: the appendix is typeset directly (its font is embedded
    # under its own name), while Chinese makes the whole letter WeasyPrint's ("Letter Sans")
    def fonts(pdf: bytes) -> set[str]:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return {
                str(f.BaseFont).split("+")[-1]
                for f in doc.objects
                if isinstance(f, pikepdf.Dictionary) and f.get("/Subtype") == pikepdf.Name.Type0
            }

    assert "NotoSans-Regular" in fonts(render.pdf(letter_for("Иван Петров"), attach=False))
    assert "NotoSans-Regular" not in fonts(render.pdf(letter_for("王美玲"), attach=False))


def test_no_log_record_names_a_character_of_the_letter(caplog):
    name = f"Emoji{UNPRINTABLE} 王美玲"
    with caplog.at_level(logging.DEBUG):
        pdf = render.pdf(letter_for(name), attach=False)
    assert pdf.startswith(b"%PDF")
    records = caplog.records
    # the renderer did report the characters no font has (so the test sees what it should) ...
    assert any(".notdef" in r.getMessage() for r in records)
    # ... but no record says which: neither the character nor its code point
    forbidden = [*UNPRINTABLE, "王", "Emoji", *(f"{ord(c):04X}" for c in UNPRINTABLE), "738B"]
    for record in records:
        message = record.getMessage() + (record.exc_text or "")
        assert not [word for word in forbidden if word.lower() in message.lower()], (record.name, message)
