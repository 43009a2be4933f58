"""Long appendices: rendered in parts by a process pool, merged, numbered continuously."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from pypdf import PdfReader

from dsr import compose, render
from dsr.compose import specimen
from dsr.render.pdf import split


@pytest.fixture(scope="module")
def letter():
    return compose.disclosure(specimen.SCHOOL, specimen.gathering(40), specimen.request("de"))


pytestmark = pytest.mark.slow  # several WeasyPrint renders in a process pool


@pytest.fixture(scope="module")
def chunked(letter):
    return render.pdf(letter, chunk=15, workers=2)


def test_parts_keep_every_record_once_in_order(letter):
    parts = list(split(letter, 15))
    assert [p.record_count for p in parts] == [15, 15, 12]  # 40 loans, the account, one fee
    rows = [r for p in parts for s in p.sections for r in s.rows]
    assert rows == [r for s in letter.sections for r in s.rows]


def test_page_numbers_run_on_across_parts(chunked):
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(chunked)).pages]
    total = len(pages)
    assert total >= 5
    assert "Seite" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert re.findall(r"Seite \d+ von \d+", text) == [f"Seite {number} von {total}"]


def test_every_record_is_printed_and_the_attachments_survive(chunked):
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(chunked)).pages)
    assert sorted(int(n) for n in re.findall(r"Band (\d+)", text)) == list(range(1, 41))
    with pikepdf.open(io.BytesIO(chunked)) as doc:
        assert "disclosure.json" in doc.attachments
        assert doc.open_metadata().pdfa_status == "3U"


def test_chunked_rendering_is_byte_identical_for_identical_input(letter, chunked):
    assert render.pdf(letter, chunk=15, workers=2) == chunked
