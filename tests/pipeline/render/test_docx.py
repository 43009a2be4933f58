"""The Word version of the letter: same sections, same records, no other person's name."""

from __future__ import annotations

import io

import docx
import msgspec
import pytest
from docx.enum.table import WD_ROW_HEIGHT_RULE
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr.pipeline import compose, register
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.letter import Table
from dsr.pipeline.compose.wording import wording
from dsr.pipeline.render.docx import docx_bytes
from dsr.pipeline.render.docx_copy import copy_xml
from dsr.pipeline.render.docx_ooxml import elements
from tests.pipeline.render.sections import LETTER, section


@pytest.fixture(scope="module")
def document():
    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(80), specimen.request("de"), register=register.load("james-school")
    )
    return docx.Document(io.BytesIO(docx_bytes(letter)))


def text_of(document) -> str:
    cells = "\n".join(c.text for t in document.tables for c in t._cells)
    return "\n".join(p.text for p in document.paragraphs) + "\n" + cells


def test_docx_has_the_letter_parts_and_every_record(document):
    text = text_of(document)
    for part in (
        "1. Bestätigung",
        "Zweck: ",
        "Speicherdauer: ",
        "Art. 21",
        "Art. 77",
        "Wagmüllerstraße 18",
        "Mit freundlichen Grüßen",
        "Anna Muster",
    ):
        assert part in text
    loans = next(t for t in document.tables if t._cells[0].text == "Titel")
    assert len(loans.rows) == 81  # header + every loan, even beyond the PDF's table limit
    assert loans._cells[len(loans.columns) * 1].text == "Die unendliche Geschichte, Band 1"
    assert "2. Mahnung" in text


def test_docx_names_roles_not_people(document):
    text = text_of(document)
    assert "Bibliotheksteam" in text and "gespeichert, wird nicht angezeigt" in text
    for name in specimen.OTHER_PEOPLE:
        assert name not in text


def test_page_one_is_laid_out_for_the_window_envelope(document):
    # (test_docx_layout.py measures where LibreOffice puts them; this holds without it)
    section = document.sections[0]
    assert section.different_first_page_header_footer
    letterhead = [p.text for p in section.first_page_header.paragraphs if p.text]
    assert letterhead[0] == "Gymnasium Musterstadt"
    address = document.tables[0]
    assert document.element.body[0] is address._tbl  # before the subject
    return_line, recipient, info = address._cells[0].text, address._cells[3].text, address._cells[2].text
    assert return_line.startswith("Gymnasium Musterstadt") and "80331 München" in return_line
    assert recipient.splitlines() == ["Anna Muster", "Lindenweg 5", "80333 München"]
    assert info.splitlines()[0] == "Unser Zeichen\tDSR-2026-0042"
    # rows of exact height from y 45 mm: return line to 62.7, recipient to 90, the subject at 98.5
    heights = [row.height.mm for row in address.rows]
    assert [round(sum(heights[: i + 1]) + 45, 1) for i in range(3)] == [62.7, 90.0, 98.5]
    assert all(row.height_rule == WD_ROW_HEIGHT_RULE.EXACTLY for row in address.rows)


def test_values_are_text_even_with_markup_or_control_characters():
    from dsr.model import Classification, Field, Record

    gathering = specimen.gathering(2)
    odd = Record(
        store="school",
        collection="loan",
        key="odd",
        fields=(Field("title", "<b>Fett</b> & Co\x01\x0bKG", Classification.OWN),),
    )
    gathering = msgspec.structs.replace(gathering, records=(*gathering.records, odd))
    letter = compose.disclosure(specimen.SCHOOL, gathering, specimen.request("de"))
    document = docx.Document(io.BytesIO(docx_bytes(letter)))
    cells = [c.text for t in document.tables for c in t._cells]
    # markup as text; a control character a space, a vertical tab a new line (as in the PDF)
    assert "<b>Fett</b> & Co \nKG" in cells


def test_footer_has_the_controllers_details_and_page_x_of_y(document):
    footer = document.sections[0].footer
    details, numbers = footer.paragraphs[0].text, footer.paragraphs[1]
    assert "Gymnasium Musterstadt · Schulstraße 1, 80331 München" in details and "Schulnummer 0123" in details
    assert numbers.text == "Seite  von "  # the numbers are Word fields, filled in when Word lays out pages
    xml = numbers._p.xml
    assert xml.index('w:instr="PAGE"') < xml.index('w:instr="NUMPAGES"')


def test_no_generator_text_and_identical_bytes_for_identical_input():
    import time

    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(3), specimen.request("de"))
    first = docx_bytes(letter)
    time.sleep(2.1)  # zip entries carry a two-second clock
    assert docx_bytes(letter) == first
    document = docx.Document(io.BytesIO(first))
    assert document.core_properties.comments == ""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert all(b"python-docx" not in package.read(name) for name in package.namelist())


# ---------------------------------------------------------------- the copy (Anlage 1)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def copy_of(*sections):
    return docx.Document(io.BytesIO(docx_bytes(msgspec.structs.replace(LETTER, sections=sections))))


def composed(labels, rows, constants=(), title="Ausleihen"):
    plain = section(labels, rows, title=title)
    table = Table(labels=tuple(labels), rows=tuple(map(tuple, rows)), constants=tuple(constants), empty="—")
    return msgspec.structs.replace(plain, table=table)


def cell_rows(document) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in document.tables[1:] for row in t.rows]


def test_the_copy_says_what_every_row_has_alike_once_above_the_rows():
    rows = [[f"Titel {i}", f"0{i}.03.2026"] for i in range(1, 6)]
    document = copy_of(composed(["Titel", "Ausgeliehen am"], rows, constants=[("Leserin/Leser", "Sie")]))
    said = [p.text for p in document.paragraphs if "Leserin/Leser" in p.text]
    assert said == ["Leserin/Leser: Sie"]
    table = cell_rows(document)
    assert table[0] == ["Titel", "Ausgeliehen am"]  # the constant is no column
    assert table[1:] == rows
    assert "Ausleihen (5)" in [p.text for p in document.paragraphs]


def test_a_collection_too_wide_for_a_table_prints_a_block_per_record():
    labels = [f"Angabe {k}" for k in range(12)]
    rows = [[("—" if k == 5 and i == 1 else f"Wert {i}.{k}") for k in range(12)] for i in range(1, 4)]
    document = copy_of(composed(labels, rows, title="Konten"))
    table = document.tables[1]
    assert len(table.columns) in (3, 7)  # number, label, value (twice, side by side): not 12 columns
    pairs = {(r[k + 1], r[k + 2]) for r in cell_rows(document) for k in range(0, len(r) - 2, 4)}
    for values in rows:
        for k, value in enumerate(values):
            assert ((labels[k], value) in pairs) is (value != "—")  # an empty field is left out
    numbers = [r[k] for r in cell_rows(document) for k in range(0, len(r), 4) if r[k]]
    assert sorted(numbers) == ["1", "2", "3"]  # each block once, with its entry number


def test_records_printed_with_the_rows_pointing_at_them_have_no_list_of_their_own():
    items = composed(["Titel"], [], title="Medien")
    document = copy_of(composed(["Titel", "Ausgeliehen am"], [["Momo", "01.03.2026"]]), items)
    headings = [p.text for p in document.paragraphs]
    assert "Ausleihen (1)" in headings and not any(h.startswith("Medien") for h in headings)


_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß0123456789.,:-/", min_size=1, max_size=14)


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 14),
    values=st.lists(
        st.lists(
            st.one_of(st.just("—"), st.lists(_words, min_size=1, max_size=12).map(" ".join)), min_size=14, max_size=14
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_every_value_of_the_copy_prints_within_the_text_width(width, values):
    labels = [f"Feld {k}" for k in range(width)]
    rows = [v[:width] for v in values]
    letter = msgspec.structs.replace(LETTER, sections=(composed(labels, rows),))
    body = elements(copy_xml(letter))
    tables = [e for e in body if e.tag == f"{W}tbl"]
    assert len(tables) == 1
    grid = [int(c.get(f"{W}w")) for c in tables[0].iter(f"{W}gridCol")]
    assert sum(grid) <= round(165 / 25.4 * 72 * 20) + len(grid)  # portrait A4's text width (twips)
    assert len(grid) <= 8  # a table of at most 8 columns, or blocks of 3 (or 7: two side by side)
    cells = ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tables[0].iter(f"{W}tc")]
    for row in rows:
        for value in row:
            if value != "—":
                assert value in cells
    assert wording("de").value("appendix_title") in "".join(t.text or "" for t in body[0].iter(f"{W}t"))
