"""Long appendices: rendered in parts by a process pool, merged, numbered continuously."""

from __future__ import annotations

import io
import re

import msgspec
import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from dsr import compose, render
from dsr.compose import specimen
from dsr.render.pdf import plan, split


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


# ---------------------------------------------------------------- the appendix as read

def test_footer_on_every_page_and_the_letter_counts_all_records(chunked):
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(chunked)).pages]
    assert all("Schulnummer 0123" in text for text in pages)  # the controller's legal details
    # the body is rendered as a part of its own, but speaks of the whole letter
    assert "(42 Einträge)" in pages[0] + pages[1]


@pytest.fixture(scope="module")
def listing():
    """Loans beyond the table limit: printed as a listing, in parts."""
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(70), specimen.request("de"))
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render.pdf(letter, chunk=30, workers=2))).pages)


def test_a_long_collection_is_a_legend_and_one_line_per_record(listing):
    lines = listing.splitlines()
    # the labels once above the records, in the order of the values below them
    assert "Titel · Ausgeliehen am · Fällig am · Ausgegeben von · Notiz" in lines
    record = next(line for line in lines if line.startswith("Die unendliche Geschichte, Band 2 "))
    assert record == "Die unendliche Geschichte, Band 2 · 15.09.2025, 17:30 Uhr · 06.10.2025 · Bibliotheksteam · —"
    assert len([line for line in lines if line.startswith("Die unendliche Geschichte, Band ")]) == 70
    assert re.search(r"Ausleihen \(70\) – Fortsetzung ab Eintrag \d+", listing)


def test_a_part_continuing_a_collection_says_so_and_counts_the_whole(chunked):
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(chunked)).pages)
    assert re.search(r"Ausleihen \(40\) – Fortsetzung ab Eintrag \d+", text)
    assert not re.search(r"Ausleihen \((14|15|12)\)", text)


def test_page_numbers_sit_where_a_letter_in_one_piece_has_them(letter, chunked):
    import pdfplumber

    whole = render.pdf(letter, attach=False, chunk=10**6)  # one WeasyPrint document, margin boxes
    positions = []
    for data in (whole, chunked):
        with pdfplumber.open(io.BytesIO(data)) as doc:
            words = doc.pages[1].extract_words()
            total = next(w for w in reversed(words) if w["text"] == str(len(doc.pages)))
            positions.append((round(total["x1"], 0), round(total["top"], 0)))
    assert positions[0] == positions[1]


# ---------------------------------------------------------------- how a letter is divided

def letter_of(sizes: list[int]):
    base = compose.disclosure(specimen.SCHOOL, specimen.gathering(max(sizes + [1])), specimen.request("de"))
    loans = next(s for s in base.sections if s.collection == "loan")
    sections = tuple(
        msgspec.structs.replace(loans, collection=f"c{i}", rows=loans.rows[:n]) for i, n in enumerate(sizes) if n
    )
    return msgspec.structs.replace(base, sections=sections)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=5),
    size=st.integers(min_value=1, max_value=30),
    first=st.none() | st.integers(min_value=0, max_value=30),
)
def test_parts_hold_every_record_once_and_know_where_they_are(sizes, size, first):
    whole = letter_of(sizes)
    parts = list(split(whole, size, first=first))
    assert all(p.total_records == whole.record_count for p in parts)
    assert parts[0].record_count <= (size if first is None else first)
    assert all(0 < p.record_count <= size for p in parts[1:])
    for section in whole.sections:
        pieces = [s for p in parts for s in p.sections if s.collection == section.collection]
        assert tuple(r for s in pieces for r in s.rows) == section.rows
        assert [s.offset for s in pieces] == [sum(len(q.rows) for q in pieces[:i]) for i in range(len(pieces))]
        assert all(s.size == len(section.rows) for s in pieces)
        # code explanations once, after the collection's last record
        assert [bool(s.codes) for s in pieces][:-1] == [False] * (len(pieces) - 1)


@pytest.mark.parametrize(("count", "workers"), [(121, 2), (300, 2), (2000, 2), (20000, 2), (20000, 4), (5000, 1)])
def test_the_plan_shares_the_work_and_bounds_every_part(count, workers):
    first, size = plan(count, 1000, workers)
    assert 0 <= first <= 1000 and 1 <= size <= 1000
    rest = count - first
    assert -(-rest // size) >= min(workers, rest)  # every worker gets a part
