"""Letters as PDF/A-3u with WeasyPrint, the machine-readable copy attached.

Identical input gives identical bytes: creation dates come from the letter date, the PDF
identifier is a hash of the content, and harfbuzz-subset makes font subsets stable.

Long appendices are rendered in parts of :data:`CHUNK` records in a process pool (layout cost
grows with the document and the whole document stays in memory otherwise), merged with pikepdf,
and numbered afterwards ("Seite 17 von 412") by stamping a page-number layer on every page.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from dsr.render import fonts  # noqa: F401  (sets up fontconfig before WeasyPrint starts)
from dsr.render.fonts import TemplateFetcher

import msgspec  # noqa: E402
import pikepdf  # noqa: E402
import weasyprint  # noqa: E402

from dsr.compose.letter import Disclosure, Section
from dsr.compose.notice import Notice
from dsr.compose.wording import wording
from dsr.render import templates
from dsr.render.export import csv_name, export_csv, export_json

PDF_VARIANT = "pdf/a-3u"
#: records per separately rendered part of a long appendix
CHUNK = 1000


def pdf(letter: Disclosure | Notice, attach: bool = True, chunk: int = CHUNK, workers: int | None = None) -> bytes:
    """The letter (with its appendix) as PDF bytes; ``disclosure.json`` and one CSV per
    collection are embedded unless ``attach`` is false. Appendices longer than ``chunk``
    records are rendered in parts by ``workers`` processes (default: one per core)."""
    # only the access answer carries data; the other letters are plain PDF/A
    files = attachments(letter) if attach and isinstance(letter, Disclosure) else []
    if letter.record_count <= chunk:
        return _write(letter, "whole", files)
    parts = list(split(letter, chunk))
    workers = workers or min(len(parts), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_write, part, "continuation", []) for part in parts[1:]]
        first = _write(parts[0], "first", files)
        rest = [f.result() for f in futures]
        return _numbered(first, rest, letter, pool)


def _write(letter: Disclosure, part: str, files: list[weasyprint.Attachment]) -> bytes:
    markup = templates.html(letter.kind, letter.language, letter=letter, part=part)
    document = weasyprint.HTML(string=markup, base_url=templates.base_url(letter.kind), url_fetcher=TemplateFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT if part != "continuation" else None, attachments=files)


def split(letter: Disclosure, size: int) -> Iterator[Disclosure]:
    """The letter with its first ``size`` records, then continuation parts of ``size`` records each."""
    part: list[Section] = []
    room = size
    for section in letter.sections:
        start = 0
        while start < len(section.rows):
            take = section.rows[start : start + room]
            part.append(msgspec.structs.replace(section, rows=take, codes=section.codes if start + len(take) >= len(section.rows) else ()))
            start += len(take)
            room -= len(take)
            if room == 0:
                yield msgspec.structs.replace(letter, sections=tuple(part))
                part, room = [], size
    if part:
        yield msgspec.structs.replace(letter, sections=tuple(part))


def _numbered(first: bytes, rest: list[bytes], letter: Disclosure, pool: ProcessPoolExecutor) -> bytes:
    # pikepdf (qpdf) rather than pypdf here: pypdf copies the stamp font into every page
    # (ten times the file size); qpdf shares it, and keeps the first part's PDF/A metadata.
    with pikepdf.open(io.BytesIO(first)) as merged:
        parts = [pikepdf.open(io.BytesIO(chunk)) for chunk in rest]
        for part in parts:
            merged.pages.extend(part.pages)
        total = len(merged.pages)
        words = wording(letter.language)
        numbers = list(range(2, total + 1))
        step = -(-len(numbers) // (pool._max_workers or 1))
        jobs = [
            pool.submit(_stamps, letter.language, words.value("page"), words.value("page_of"), numbers[i : i + step], total)
            for i in range(0, len(numbers), step)
        ]
        page = 1
        for job in jobs:
            with pikepdf.open(io.BytesIO(job.result())) as stamps:
                for stamp in stamps.pages:
                    _overlay(merged, merged.pages[page], stamp, page + 1)
                    page += 1
        out = io.BytesIO()
        merged.save(out, deterministic_id=True)
        for part in parts:
            part.close()
    return out.getvalue()


def _overlay(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp: pikepdf.Page, number: int) -> None:
    # Page.add_overlay would name the layer randomly, and identical input must give identical bytes.
    layer = pdf.copy_foreign(stamp.as_form_xobject())
    # pages of one part share their resource dictionary: one name per page number
    name = page.add_resource(layer, pikepdf.Name.XObject, pikepdf.Name(f"/PageNumber{number}"))
    # The page's own content may leave its (flipped) coordinate system open: close it first.
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ q " + name.unparse() + b" Do Q"), prepend=False)


def _stamps(lang: str, page_word: str, of_word: str, numbers: list[int], total: int) -> bytes:
    markup = templates.html("base", "page-numbers", lang=lang, numbers=numbers, total=total, page_word=page_word, of_word=of_word)
    return weasyprint.HTML(string=markup, base_url=templates.base_url("base"), url_fetcher=TemplateFetcher()).write_pdf()


def attachments(letter: Disclosure) -> list[weasyprint.Attachment]:
    stamp = dt.datetime.combine(letter.letter_date_iso, dt.time(), tzinfo=dt.UTC)
    fetcher = TemplateFetcher()
    files = [("disclosure.json", export_json(letter), "Data")]
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
