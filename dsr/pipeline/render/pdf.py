"""Letters as PDF/A-3u with WeasyPrint, the machine-readable copy attached.

Identical input gives identical bytes: creation dates come from the letter date, the PDF
identifier is a hash of the content, and the font subsets depend only on the glyphs used.

A letter without an appendix is one WeasyPrint document. An access answer's appendix (the copy
of the data) is typeset directly (:mod:`dsr.pipeline.render.appendix`: WeasyPrint would spend about a
millisecond on every record); WeasyPrint renders the letter itself without page furniture,
pikepdf appends the appendix pages and lays the footer and "Seite 17 von 412" over every page
(:mod:`dsr.pipeline.render.furniture`). The style sheet and fonts are loaded once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
from typing import Any

import msgspec  # noqa: E402
import pikepdf  # noqa: E402
import weasyprint  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from dsr.pipeline.compose.letter import Disclosure
from dsr.pipeline.compose.notice import Notice
from dsr.pipeline.compose.wording import TEMPLATES, wording
from dsr.pipeline.render import (
    appendix,
    fonts,  # noqa: F401  (sets up fontconfig before WeasyPrint starts)
    furniture,
    pdfua,
    templates,
)
from dsr.pipeline.render.export import csv_name, export_csv, export_json
from dsr.pipeline.render.fonts import TemplateFetcher
from dsr.pipeline.render.typeface import retag, typeface

# tagged (PDF/A-3 level A), made PDF/UA-1 by :mod:`dsr.pipeline.render.pdfua`
PDF_VARIANT = "pdf/a-3a"

# WeasyPrint, pango and fontconfig are not made for concurrent use of shared objects: one
# render at a time per process.
_lock = threading.Lock()


def pdf(letter: Disclosure | Notice, attach: bool = True, data: bytes | None = None) -> bytes:
    """The letter (with its appendix) as PDF bytes; ``disclosure.json`` and one CSV per
    collection are embedded unless ``attach`` is false. ``data``: the letter's
    :func:`~dsr.pipeline.render.export.export_json`, when the caller has it already (20 000
    records take half a second to encode)."""
    # only the access answer carries data; the other letters are plain PDF/A
    files = attachments(letter, data) if attach and isinstance(letter, Disclosure) else []
    if not isinstance(letter, Disclosure) or not letter.sections:
        return _accessible(_write(letter, "whole", files))
    pages = appendix.typeset(letter)
    if _needs_fallback_fonts(pages):
        # the typesetter sets one glyph per character in the shipped font, left to right: a name
        # in Chinese, Arabic or Devanagari needs fallback fonts and shaping, which WeasyPrint
        # (pango, HarfBuzz) does; slower, so only for the letters that need it
        return _accessible(_write(letter, "whole", files))
    # the letter speaks of every record, but prints none of them: they follow as the appendix
    body = msgspec.structs.replace(letter, sections=(), records_total=letter.record_count)
    return _merged(_write(body, "body", files), pages, letter)


def _write(letter: Disclosure | Notice, part: str, files: list[weasyprint.Attachment]) -> bytes:
    markup = templates.html(letter.kind, letter.language, letter=letter, part=part)
    with _lock:
        document = weasyprint.HTML(
            string=markup, base_url=templates.base_url(letter.kind), url_fetcher=TemplateFetcher()
        )
        written: bytes = document.write_pdf(  # (WeasyPrint has no type information)
            stylesheets=stylesheets(),
            font_config=_font_config(),
            pdf_variant=PDF_VARIANT,
            attachments=files,
            finisher=_attachments_once,
            # pikepdf compresses every stream when it saves (zlib's default level); WeasyPrint's
            # level 9 spends a second on the attached copy of 20 000 records for 2 % less size
            uncompressed_pdf=True,
        )
        return written


def _needs_fallback_fonts(pages: appendix.Appendix) -> bool:
    """Whether the appendix prints a character its font has no glyph for."""
    return any(not typeface(font).covers(chars) for font, chars in pages.used.items())


def _attachments_once(document: weasyprint.Document, pdf: Any) -> None:
    # WeasyPrint 70 lists each attached file twice in the catalog's /AF (once from the
    # EmbeddedFiles tree, once from the file specifications); viewers then list it twice.
    # (``pdf`` is WeasyPrint's pydyf.PDF: its catalog entries are lists of references.)
    if "AF" in pdf.catalog:
        pdf.catalog["AF"][:] = list(dict.fromkeys(pdf.catalog["AF"]))


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def stylesheets() -> list[weasyprint.CSS]:
    """``base/style.css``, parsed once per process (its selectors compile to Python code, which
    takes longer than laying out a short letter)."""
    fetcher = TemplateFetcher()
    return [
        weasyprint.CSS(filename=str(TEMPLATES / "base" / "style.css"), url_fetcher=fetcher, font_config=_font_config())
    ]


def _merged(body: bytes, pages: appendix.Appendix, letter: Disclosure) -> bytes:
    # pikepdf (qpdf): the stamped font and footer form are shared by all pages, and the
    # body's PDF/A metadata and output intent stay the document's
    words = wording(letter.language)
    page_word, of_word = words.value("page"), words.value("page_of")
    with pikepdf.open(io.BytesIO(body)) as merged:
        first = len(merged.pages)
        pages.write(merged)
        pages.bookmark(merged, first)
        furniture.stamp(merged, _furniture(letter, page_word, of_word), page_word, of_word)
        # letter and furniture are separate WeasyPrint documents, each with its own subsets
        retag(merged)
        _sort_attachment_names(merged)
        pdfua.conform(merged)
        reserved = pages.structure.reserve(merged, first)
        out = io.BytesIO()
        merged.save(out, deterministic_id=True)
    # the appendix's structure tree goes in as an update (structure.py: too many objects for qpdf)
    return pages.structure.append(out.getvalue(), reserved) if reserved else out.getvalue()


def _accessible(written: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(written)) as doc:
        pdfua.conform(doc)
        out = io.BytesIO()
        doc.save(out, deterministic_id=True)
    return out.getvalue()


def _sort_attachment_names(doc: pikepdf.Pdf) -> None:
    # WeasyPrint lists the attached files in the order given; a PDF name tree must be sorted
    # (qpdf and validators otherwise report a damaged tree)
    names = doc.Root.get("/Names")
    tree = names.get("/EmbeddedFiles") if names is not None else None
    if tree is not None and "/Names" in tree:
        items = list(tree.Names)
        pairs = sorted(zip(items[::2], items[1::2], strict=True), key=lambda pair: bytes(pair[0]))
        tree.Names = pikepdf.Array([item for pair in pairs for item in pair])


def _furniture(letter: Disclosure, page_word: str, of_word: str) -> bytes:
    markup = templates.html(
        "base",
        "furniture",
        lang=letter.language,
        c=letter.controller,
        numerals=furniture.numerals_line(page_word, of_word),
    )
    return _furniture_pdf(markup)


@functools.lru_cache(maxsize=16)
def _furniture_pdf(markup: str) -> bytes:
    # the same controller's letters share their furniture: rendered once per process
    with _lock:
        document = weasyprint.HTML(string=markup, base_url=templates.base_url("base"), url_fetcher=TemplateFetcher())
        written: bytes = document.write_pdf(stylesheets=stylesheets(), font_config=_font_config())
        return written


def attachments(letter: Disclosure, data: bytes | None = None) -> list[weasyprint.Attachment]:
    stamp = dt.datetime.combine(letter.letter_date_iso, dt.time(), tzinfo=dt.UTC)
    fetcher = TemplateFetcher()
    files = [("disclosure.json", data if data is not None else export_json(letter), "Data")]
    files += [(csv_name(s), export_csv(s), "Data") for s in letter.sections]
    return [
        weasyprint.Attachment(
            string=content,
            name=name,
            url_fetcher=fetcher,
            created=stamp,
            modified=stamp,
            relationship=relationship,
        )
        for name, content, relationship in files
    ]
