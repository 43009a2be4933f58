"""The typeset appendix (Anlage 1): every record in aligned, labelled tables, nothing cut,
page numbers running on from the letter, the same bytes for the same input."""

from __future__ import annotations

import io
import re
import subprocess

import msgspec
import pdfplumber
import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.letter import Row
from dsr.pipeline.render.appendix import CELL, clean, column_widths, wrap

MM = 72 / 25.4


def letter_with(loans: int, language: str = "de", **changes):
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(loans), specimen.request(language))
    return msgspec.structs.replace(letter, **changes) if changes else letter


def with_loan_rows(letter, rows):
    sections = tuple(
        # the composed table is derived from the rows: without it the appendix prints them as stored
        msgspec.structs.replace(s, rows=tuple(rows), table=None) if s.collection == "loan" else s
        for s in letter.sections
    )
    return msgspec.structs.replace(letter, sections=sections)


def texts(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def letter():
    return letter_with(70)


@pytest.fixture(scope="module")
def rendered(letter):
    return render.pdf(letter)


def test_page_numbers_run_on_from_the_letter_into_the_appendix(rendered):
    pages = texts(rendered)
    total = len(pages)
    assert total >= 5
    for number, text in enumerate(pages, start=1):
        assert re.findall(r"Seite \d+ von \d+", text) == [f"Seite {number} von {total}"]


def test_every_record_once_and_the_attachments_and_pdfa_survive(rendered):
    text = "\n".join(texts(rendered))
    assert sorted(int(n) for n in re.findall(r"Band (\d+)", text)) == list(range(1, 71))
    assert "Anlage 1: Kopie Ihrer Daten (Art. 15 Abs. 3 DSGVO)" in text
    with pikepdf.open(io.BytesIO(rendered)) as doc:
        assert "disclosure.json" in doc.attachments
        assert doc.open_metadata().pdfa_status == "3A"  # tagged: level A (and PDF/UA-1)
        assert doc.check_pdf_syntax() == []  # qpdf finds nothing to repair
        for page in doc.pages:  # every font embedded, with a Unicode map (PDF/A-3u)
            for font in page.Resources.Font.values():
                assert "/ToUnicode" in font
                assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor


def test_identical_input_gives_identical_bytes(letter, rendered):
    assert render.pdf(letter) == rendered


def test_footer_on_every_page_and_the_letter_counts_all_records(rendered):
    pages = texts(rendered)
    assert all("Schulnummer 0123" in text for text in pages)  # the controller's legal details
    assert "(72 Einträge)" in pages[0] + pages[1]  # 70 loans, the account, one fee


def test_values_stand_under_their_column_labels(rendered):
    with pdfplumber.open(io.BytesIO(rendered)) as doc:
        # the last pages with loans (notes on codes may follow on a page of their own)
        for page in [p for p in doc.pages if "Ausgeliehen" in p.extract_text()][-2:]:
            words = page.extract_words()
            head_top = next(w["top"] for w in words if w["text"] == "Ausgeliehen")
            labels = {w["text"]: w["x0"] for w in words if abs(w["top"] - head_top) < 1}
            record_top = next(w["top"] for w in words if w["text"] == "Die" and w["top"] > head_top + 5)
            starts = [w["x0"] for w in words if abs(w["top"] - record_top) < 1]
            # the title, the date, the due date and the note start where their labels start (the
            # staff role, the same in every row, is said once above the table)
            for label in ("Titel", "Ausgeliehen", "Fällig", "Notiz"):
                assert any(abs(x - labels[label]) < 0.5 for x in starts), (label, labels, starts)


def test_a_collection_that_goes_on_says_from_which_entry_and_repeats_its_labels(rendered):
    pages = texts(rendered)
    continued = [p for p in pages if "Fortsetzung ab Eintrag" in p]
    assert continued
    for text in continued:
        entry = int(re.search(r"Ausleihen \(70\) – Fortsetzung ab Eintrag (\d+)", text).group(1))
        first = int(re.search(r"Band (\d+)", text).group(1))
        assert first == entry
        assert "Titel Ausgeliehen am Fällig am Notiz" in text


def test_english_appendix(rendered):
    letter = letter_with(70, "en")
    text = "\n".join(texts(render.pdf(letter, attach=False)))
    assert "Enclosure 1: copy of your data (Art. 15(3) GDPR)" in text
    assert re.search(r"continued from entry \d+", text)
    assert re.search(r"Page 2 of \d+", text)


def test_draft_appendix_pages_say_draft(letter):
    pages = texts(render.pdf(msgspec.structs.replace(letter, draft=True), attach=False))
    assert all("Entwurf" in p for p in pages)


# ---------------------------------------------------------------- nothing is cut


def test_long_free_texts_wrap_and_nothing_is_cut(letter):
    loans = next(s for s in letter.sections if s.collection == "loan")
    note = " ".join(f"Wort{i:04d}" for i in range(1500)) + " " + "X" * 400  # several pages, one unbreakable word
    rows = [Row(values=(*loans.rows[0].values[:-1], note)), *loans.rows[1:3]]
    pdf = render.pdf(with_loan_rows(letter, rows), attach=False)
    text = "".join(texts(pdf)).replace("\n", " ")
    assert all(f"Wort{i:04d}" in text for i in range(1500))
    assert "X" * 400 in text.replace(" ", "")
    assert sorted(int(n) for n in re.findall(r"Band (\d+)", text)) == [1, 2, 3]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            cells = [c for c in page.chars if c["top"] > 25 * MM and round(c["size"]) == 8]  # not the furniture
            assert all(c["x1"] <= (210 - 20) * MM + 0.5 and c["bottom"] <= (297 - 30) * MM for c in cells)


def test_markup_control_characters_and_unknown_scripts_are_text(letter):
    loans = next(s for s in letter.sections if s.collection == "loan")
    for odd in ("<b>fett</b> file:///etc/passwd a\x00b\x1bc", "Zoë Ωmega Жук 山田"):
        loans = msgspec.structs.replace(loans, rows=(*loans.rows, Row(values=(*loans.rows[0].values[:-1], odd))))
    pdf = render.pdf(with_loan_rows(letter, loans.rows))
    # poppler, not pypdf: pypdf reads the fallback fonts' two-byte codes as pairs of characters
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = " ".join(text.split())
    assert "<b>fett</b> file:///etc/passwd a b c" in text
    # what the shipped font lacks comes from a fallback font (the letter is set by WeasyPrint)
    assert "Zoë Ωmega Жук 山田" in text
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        # the attached copy keeps what the font cannot show
        assert "山田".encode() in doc.attachments["disclosure.json"].get_file().read_bytes()


def test_decomposed_umlauts_print_as_one_letter(letter):
    loans = next(s for s in letter.sections if s.collection == "loan")
    pdf = render.pdf(with_loan_rows(letter, [Row(values=(*loans.rows[0].values[:-1], "Mu\u0308ller"))]), attach=False)
    assert "Müller" in "\n".join(texts(pdf))


def test_page_numbers_sit_where_weasyprint_puts_them_in_a_letter_without_appendix(rendered, letter):
    plain = render.pdf(msgspec.structs.replace(letter, sections=()), attach=False)  # margin boxes
    positions = []
    for data in (plain, rendered):
        with pdfplumber.open(io.BytesIO(data)) as doc:
            words = doc.pages[1].extract_words()
            # the total in the page number line of the top margin (not an "Art. 6" of the text)
            total = next(w for w in reversed(words) if w["text"] == str(len(doc.pages)) and w["top"] < 25 * MM)
            positions.append((round(total["x1"], 0), round(total["top"], 0)))
    assert positions[0] == positions[1]


# ---------------------------------------------------------------- line breaking and columns


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300), width=st.floats(20, 400))
def test_wrapping_keeps_every_character_and_respects_the_width(text, width):
    lines = wrap(clean(text), width, CELL)
    assert "".join("".join(lines).split()) == "".join(clean(text).split())
    for line in lines:
        assert CELL.face.width(line, CELL.size) <= width or len(line) == 1


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.lists(st.text(max_size=80), min_size=4, max_size=4), max_size=30),
    labels=st.lists(st.text(min_size=1, max_size=20), min_size=4, max_size=4),
)
def test_columns_fill_the_text_width_and_never_go_negative(rows, labels):
    widths = column_widths(labels, rows)
    assert all(w >= 0 for w in widths)
    assert sum(widths) + len(widths) * 2 * 1.2 * MM == pytest.approx(165 * MM, abs=0.01)


def test_a_date_column_is_not_squeezed_by_a_long_note():
    rows = [("15.09.2025, 10:30 Uhr", "lang " * 80)] * 3
    date, note = column_widths(["Ausgeliehen am", "Notiz"], rows)
    assert date >= CELL.face.width("15.09.2025, 10:30 Uhr", CELL.size)


def test_the_copy_is_grouped_by_store_then_activity_then_collection():
    from dsr.pipeline import register

    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(3), specimen.request("de"), register=register.load("james-school")
    )
    text = "\n".join(texts(render.pdf(letter, attach=False)))
    appendix = text[text.index("Anlage 1: Kopie Ihrer Daten (Art") :]
    order = [appendix.index(f"Verarbeitungstätigkeit: {a.name}") for a in letter.activities]
    # every activity heads its own collections, in the order of the letter's section 2
    assert order == sorted(order)
    assert appendix.index("Verarbeitungstätigkeit: Ausleihe") < appendix.index("Ausleihen (3)")
    assert appendix.index("Ausleihen (3)") < appendix.index("Verarbeitungstätigkeit: Gebühren")
