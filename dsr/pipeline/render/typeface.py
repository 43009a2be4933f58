"""A shipped TrueType font as the appendix typesetter uses it: advance widths to break lines,
glyph codes to write text, and the font embedded into a PDF.

The font is embedded the way WeasyPrint embeds it (Type 0 font, CIDFontType2, Identity-H,
glyph ids as character codes), subset to the glyphs used but with their ids kept, plus a
ToUnicode map, so text can be copied and searched and the file stays PDF/A. No shaping: the
shipped fonts cover Latin, Greek and Cyrillic, where one character is one glyph once the text
is NFC-normalised. A character the font lacks prints as the replacement character "�" (and
copies as it), so the reader sees that something is there; the machine-readable copy attached
to the letter has the character itself.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

from dsr.pipeline.compose.wording import TEMPLATES

FONTS = TEMPLATES / "fonts"
REPLACEMENT = 0xFFFD


class _Advances(dict[str, float]):
    """Character → advance width in 1/1000 em; a character the font lacks has "�"'s."""

    def __init__(self, widths: dict[str, float], missing: float) -> None:
        super().__init__(widths)
        self.missing = missing

    def __missing__(self, char: str) -> float:
        return self.missing


class _Codes(dict[int, str]):
    """Code point → glyph id as four hex digits, for ``str.translate``; missing: "�"."""

    def __init__(self, codes: dict[int, str]) -> None:
        super().__init__(codes)
        self.missing = codes.get(REPLACEMENT, "0000")

    def __missing__(self, code: int) -> str:
        return self.missing


class Typeface:
    """One font file, loaded once per process (:func:`typeface`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        font = TTFont(str(path), lazy=True)
        # (fontTools has no type information: what is read from the font is typed here)
        self.name: str = font["name"].getDebugName(6) or path.stem
        scale: float = 1000 / font["head"].unitsPerEm
        metrics: dict[str, tuple[int, int]] = font["hmtx"].metrics  # glyph name → (advance, left side bearing)
        order: list[str] = font.getGlyphOrder()
        self._gid = {name: gid for gid, name in enumerate(order)}
        cmap: dict[int, str] = font.getBestCmap()
        missing = cmap.get(REPLACEMENT, order[0])
        self.advances = _Advances(
            {chr(code): metrics[name][0] * scale for code, name in cmap.items()}, metrics[missing][0] * scale
        )
        self.codes = _Codes({code: f"{self._gid[name]:04x}" for code, name in cmap.items()})
        head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
        self.ascent: float = hhea.ascent * scale
        self.descent: float = hhea.descent * scale
        self.cap_height: float = getattr(os2, "sCapHeight", hhea.ascent) * scale
        self.bbox: list[int] = [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.italic_angle = float(font["post"].italicAngle)
        self._widths_by_gid = {gid: metrics[name][0] * scale for gid, name in enumerate(order)}

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` set in ``size`` points, in points."""
        return sum(map(self.advances.__getitem__, text)) * size / 1000

    def covers(self, chars: Iterable[str]) -> bool:
        """Whether the font has a glyph for each of ``chars``."""
        return all(ord(char) in self.codes for char in chars)

    def encode(self, text: str) -> str:
        """``text`` as the hex string of a PDF ``Tj`` operand."""
        return text.translate(self.codes)

    def embed(self, pdf: pikepdf.Pdf, used: Iterable[str]) -> pikepdf.Object:
        """The font, subset to the characters ``used``, as an indirect Type 0 font of ``pdf``."""
        chars = sorted(set(used))
        gids = sorted({int(self.codes[ord(c)], 16) for c in chars} | {0})
        program = self._subset(tuple(gids))
        base = pikepdf.Name(f"/{subset_tag(program)}+{self.name.replace(' ', '-')}")
        descriptor = pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=base,
            Flags=4,
            FontBBox=pikepdf.Array(self.bbox),
            ItalicAngle=self.italic_angle,
            Ascent=round(self.ascent),
            Descent=round(self.descent),
            CapHeight=round(self.cap_height),
            StemV=80,
            FontFile2=pdf.make_stream(program, Length1=len(program)),
        )
        widths: list[object] = []
        for gid in gids:
            widths += [gid, pikepdf.Array([round(self._widths_by_gid[gid], 3)])]
        descendant = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=base,
            CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor),
            W=pikepdf.Array(widths),
            CIDToGIDMap=pikepdf.Name.Identity,
        )
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=base,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=pikepdf.Array([pdf.make_indirect(descendant)]),
            ToUnicode=pdf.make_stream(_to_unicode(self, chars)),
        )
        return pdf.make_indirect(font)

    @functools.lru_cache(maxsize=8)  # noqa: B019 (one instance per font file, kept for the process)
    def _subset(self, gids: tuple[int, ...]) -> bytes:
        options = subset.Options()
        options.retain_gids = True  # the glyph ids written in the text stay valid
        options.notdef_outline = True
        options.layout_features = []  # no shaping here: GSUB/GPOS would only add bytes
        options.hinting = False
        options.name_IDs = ["*"]  # the licence and copyright notices stay with the font
        options.name_languages = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=list(gids))
        # fontTools would stamp the current time into "head" on saving: the same letter would
        # differ from one second to the next
        font = TTFont(str(self.path), recalcTimestamp=False)
        for tag in ("GSUB", "GPOS", "GDEF"):
            # not even read: decompiling them took 0.3 s a font, more than typesetting 300 records
            if tag in font:
                del font[tag]
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()


def subset_tag(program: bytes) -> str:
    """The six capitals before the "+" of a subset font's name, derived from the font program:
    two different subsets never share a name (ISO 32000-1, 9.6.4), the same subset always has
    the same one, so identical input still gives identical bytes."""
    digest = hashlib.sha256(program).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


_SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+")


def retag(pdf: pikepdf.Pdf) -> None:
    """Name every subset font of ``pdf`` by its program (:func:`subset_tag`).

    A document merged from parts needs this: WeasyPrint derives a subset's tag from the font's
    description alone, so the letter and its page furniture, rendered separately, each carry a
    "NGSDAW+Letter-Sans" with different glyphs."""
    for font in pdf.objects:
        if not isinstance(font, pikepdf.Dictionary) or font.get("/Type") != pikepdf.Name.Font:
            continue
        descendants = font.get("/DescendantFonts")
        described = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else font
        descriptor = described.get("/FontDescriptor")
        if descriptor is None:
            continue
        program = next((descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor), None)
        name = str(font.get("/BaseFont", ""))
        if program is None or not _SUBSET_NAME.match(name):
            continue
        tag = subset_tag(program.read_bytes())
        for holder, key in ((font, "/BaseFont"), (described, "/BaseFont"), (descriptor, "/FontName")):
            if key in holder and _SUBSET_NAME.match(str(holder[key])):
                holder[key] = pikepdf.Name(f"/{tag}+{str(holder[key])[8:]}")


def _to_unicode(face: Typeface, chars: list[str]) -> bytes:
    pairs: dict[str, str] = {}
    for char in chars:
        # a character the font lacks is printed as "�" and copies as "�"
        char = char if ord(char) in face.codes else chr(REPLACEMENT)
        code = face.codes[ord(char)]
        if code != "0000":
            pairs.setdefault(code, char.encode("utf-16-be").hex())
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <ffff>",
        "endcodespacerange",
    ]
    items = sorted(pairs.items())
    for start in range(0, len(items), 100):  # at most 100 entries per block
        block = items[start : start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{code}> <{text}>" for code, text in block]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


@functools.cache
def typeface(file_name: str) -> Typeface:
    """A font of the shipped set (``dsr_letter_templates/fonts``), loaded once per process."""
    return Typeface(FONTS / file_name)
