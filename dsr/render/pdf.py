"""Letters as PDF/A-3u with WeasyPrint, the machine-readable copy attached.

Identical input gives identical bytes: creation dates come from the letter date, the PDF
identifier is a hash of the content, and harfbuzz-subset makes font subsets stable.

Short letters are one WeasyPrint document. A long appendix is rendered in parts: this process
renders the letter itself while a warm process pool (:mod:`dsr.render.pool`) renders the
appendix in parts; pikepdf merges them and lays the footer and "Seite 17 von 412" over every
page (:mod:`dsr.render.furniture`). The style sheet and fonts are loaded once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import threading
from collections.abc import Iterator

from dsr.render import fonts  # noqa: F401  (sets up fontconfig before WeasyPrint starts)
from dsr.render.fonts import TemplateFetcher

import msgspec  # noqa: E402
import pikepdf  # noqa: E402
import weasyprint  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from dsr.compose.letter import Disclosure, Section
from dsr.compose.notice import Notice
from dsr.compose.wording import TEMPLATES, wording
from dsr.render import furniture, pool, templates
from dsr.render.export import csv_name, export_csv, export_json

PDF_VARIANT = "pdf/a-3u"
#: at most this many records per separately rendered part (bounds each process's memory)
CHUNK = 1000
#: letters with more records than this render their appendix in parallel parts
PARALLEL_FROM = 120
#: what the letter without its appendix costs to render, in appendix records (measured:
#: ≈ 0.35 s against ≈ 1.8 ms a record); balances the parts against the letter
BODY_WEIGHT = 200

# WeasyPrint, pango and fontconfig are not made for concurrent use of shared objects: one
# render at a time per process (the pool's workers are processes, not threads).
_lock = threading.Lock()


def pdf(letter: Disclosure | Notice, attach: bool = True, chunk: int = CHUNK, workers: int | None = None) -> bytes:
    """The letter (with its appendix) as PDF bytes; ``disclosure.json`` and one CSV per
    collection are embedded unless ``attach`` is false. Appendices of more than
    :data:`PARALLEL_FROM` (or ``chunk``) records are rendered in parts of at most ``chunk``
    records by ``workers`` processes (default: one per core)."""
    # only the access answer carries data; the other letters are plain PDF/A
    files = attachments(letter) if attach and isinstance(letter, Disclosure) else []
    count = letter.record_count
    if not isinstance(letter, Disclosure) or count <= min(PARALLEL_FROM, chunk):
        return _write(letter, "whole", files)
    workers = workers or os.cpu_count() or 1
    first, size = plan(count, chunk, workers)
    head, *rest = split(letter, size, first=first)
    executor = pool.pool(workers)
    futures = [executor.submit(_write, part, "continuation", []) for part in rest]
    body = _write(head, "first", files)
    try:
        parts = [f.result() for f in futures]
    except pool.BrokenProcessPool:
        # a worker died (killed, out of memory, a host that cannot start processes): slower
        # in this process, but the letter is still made, the same bytes
        parts = [_write(part, "continuation", []) for part in rest]
    return _merged(body, parts, letter)


def plan(count: int, chunk: int, workers: int) -> tuple[int, int]:
    """Records for the part this process renders with the letter, and the size of every other
    part: the work (letter + records) shared evenly by this process and the workers."""
    share = -(-(count + BODY_WEIGHT) // (workers + 1))
    first = min(chunk, max(0, share - BODY_WEIGHT))
    rest = count - first
    pieces = max(workers, -(-rest // chunk))
    return first, max(1, -(-rest // pieces))


def split(letter: Disclosure, size: int, first: int | None = None) -> Iterator[Disclosure]:
    """The letter with its first ``first`` (default ``size``) records, then continuation parts of
    ``size`` records each. Every part knows the letter's total and where its sections continue."""
    total = letter.record_count
    part: list[Section] = []
    room = size if first is None else first
    if room == 0 or total == 0:
        yield msgspec.structs.replace(letter, sections=(), records_total=total)
        room = size
    for section in letter.sections:
        start = 0
        while start < len(section.rows):
            take = section.rows[start : start + room]
            last = start + len(take) >= len(section.rows)
            whole = start == 0 and last
            part.append(
                section
                if whole
                else msgspec.structs.replace(
                    section, rows=take, codes=section.codes if last else (), offset=start, total=len(section.rows)
                )
            )
            start += len(take)
            room -= len(take)
            if room == 0:
                yield msgspec.structs.replace(letter, sections=tuple(part), records_total=total)
                part, room = [], size
    if part:
        yield msgspec.structs.replace(letter, sections=tuple(part), records_total=total)


def _write(letter: Disclosure | Notice, part: str, files: list[weasyprint.Attachment]) -> bytes:
    markup = templates.html(letter.kind, letter.language, letter=letter, part=part)
    with _lock:
        document = weasyprint.HTML(string=markup, base_url=templates.base_url(letter.kind), url_fetcher=TemplateFetcher())
        return document.write_pdf(
            stylesheets=stylesheets(part),
            font_config=_font_config(),
            pdf_variant=PDF_VARIANT if part != "continuation" else None,
            attachments=files,
        )


@functools.cache
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def stylesheets(part: str = "whole") -> list[weasyprint.CSS]:
    """``base/style.css``, parsed once per process (its selectors compile to Python code, which
    takes longer than laying out a short letter), plus what a part of a letter needs."""
    fetcher = TemplateFetcher()
    sheets = [weasyprint.CSS(filename=str(TEMPLATES / "base" / "style.css"), url_fetcher=fetcher, font_config=_font_config())]
    if part == "continuation":
        # no letterhead above a continuation: its first page has the margin of the others
        sheets.append(weasyprint.CSS(string="@page :first { margin-top: 25mm; }", font_config=_font_config()))
    return sheets


def _merged(body: bytes, parts: list[bytes], letter: Disclosure) -> bytes:
    # pikepdf (qpdf) rather than pypdf: it shares the stamped font and form between pages
    # (pypdf copies them into every page) and keeps the first part's PDF/A metadata.
    words = wording(letter.language)
    page_word, of_word = words.value("page"), words.value("page_of")
    with pikepdf.open(io.BytesIO(body)) as merged:
        opened = [pikepdf.open(io.BytesIO(data)) for data in parts]
        try:
            for part in opened:
                merged.pages.extend(part.pages)
            furniture.stamp(merged, _furniture(letter, page_word, of_word), page_word, of_word)
            out = io.BytesIO()
            merged.save(out, deterministic_id=True)
        finally:
            for part in opened:
                part.close()
    return out.getvalue()


def _furniture(letter: Disclosure, page_word: str, of_word: str) -> bytes:
    markup = templates.html(
        "base", "furniture", lang=letter.language, c=letter.controller, numerals=furniture.numerals_line(page_word, of_word)
    )
    return _furniture_pdf(markup)


@functools.lru_cache(maxsize=16)
def _furniture_pdf(markup: str) -> bytes:
    # the same controller's letters share their furniture: rendered once per process
    with _lock:
        document = weasyprint.HTML(string=markup, base_url=templates.base_url("base"), url_fetcher=TemplateFetcher())
        return document.write_pdf(stylesheets=stylesheets("whole"), font_config=_font_config())


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
