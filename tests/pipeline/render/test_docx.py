"""The Word version of the letter: same sections, same records, no other person's name."""

from __future__ import annotations

import io

import docx
import pytest

from dsr.pipeline import compose, register
from dsr.pipeline.compose import specimen
from dsr.pipeline.render.docx import docx_bytes


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


def test_information_block_follows_the_address(document):
    info = document.tables[0]
    assert [c.text for c in info._cells[:2]] == ["Unser Zeichen", "DSR-2026-0042"]


def test_values_are_text_even_with_markup_or_control_characters():
    import msgspec

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
    assert "<b>Fett</b> & Co KG" in cells  # escaped; what XML cannot carry is dropped or a space


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
