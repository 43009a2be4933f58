"""The typeset appendix (Anlage 1) under stress: odd tables, odd characters, long histories.

Typesets sections straight into a PDF (no WeasyPrint letter: fast) and reads the result back as
a reader's tools do (pypdf, poppler's ``pdftotext``, pdfplumber's glyph positions)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time

import msgspec
import pdfplumber
import pikepdf
import pytest
from fontTools.ttLib import TTFont
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from dsr.pipeline.render import appendix, measure
from dsr.pipeline.render.appendix import CELL, column_widths
from tests.pipeline.render.sections import section, typeset

MM = 72 / 25.4
# the text area of an appendix page, from the top left corner
AREA_LEFT, AREA_RIGHT, AREA_TOP, AREA_BOTTOM = 25 * MM, 190 * MM, 25 * MM, 267 * MM
REPLACEMENT = "\ufffd"


def pypdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def poppler_text(pdf: bytes) -> str:
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return run.stdout.decode()


def printed(value: str) -> str:
    """What of ``value`` a reader must find in the text, in order: every visible character."""
    return "".join(shown(appendix.clean(value)).split())


def shown(text: str) -> str:
    """``text`` as the font shows it: "�" for each character it lacks (but line breaks)."""
    codes = CELL.face.codes
    return "".join(char if ord(char) in codes or char == "\n" else REPLACEMENT for char in text)


def in_order(needle: str, haystack: str) -> bool:
    """``needle``'s characters occur in ``haystack`` in this order ("�" stands for a character
    the font lacks: an astral one may extract as one or two of them)."""
    position = 0
    for char in needle:
        found = [p for p in (haystack.find(char, position), haystack.find(REPLACEMENT, position)) if p >= 0]
        if not found:
            return False
        position = min(found) + 1
    return True


def misplaced_glyphs(pdf: bytes) -> list[tuple]:
    """Glyphs outside the text area, crossing a row's rule, or overlapping the glyph beside them."""
    bad = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages, start=1):
            # all but the draft marker "Entwurf" in the top margin
            chars = [c for c in page.chars if round(c["size"], 2) != 10 or c["non_stroking_color"] != (0.8, 0, 0)]
            for c in chars:
                if c["x0"] < AREA_LEFT - 0.01 or c["x1"] > AREA_RIGHT + 0.01:
                    bad.append(("outside", number, c["text"], c["x0"], c["x1"]))
                if c["top"] < AREA_TOP - 0.5 or c["bottom"] > AREA_BOTTOM + 0.5:
                    bad.append(("outside", number, c["text"], c["top"], c["bottom"]))
            for rule in page.lines:
                if not AREA_TOP <= rule["top"] <= AREA_BOTTOM:
                    bad.append(("rule outside", number, rule["top"]))
                # a rule runs between two rows: no letter of a cell may reach across it
                for c in chars:
                    if round(c["size"], 2) == CELL.size and c["top"] + 1 < rule["top"] < c["bottom"] - 2.5:
                        bad.append(("across a rule", number, c["text"], c["top"], rule["top"]))
            lines: dict[float, list] = {}
            for c in chars:
                lines.setdefault(round(c["top"], 1), []).append(c)
            for line in lines.values():
                line.sort(key=lambda c: c["x0"])
                for a, b in zip(line, line[1:], strict=False):
                    if a["x1"] - b["x0"] > 0.05 and a["x1"] > a["x0"] and b["x1"] > b["x0"]:  # marks have no width
                        bad.append(("overlap", number, a["text"], b["text"], a["x1"], b["x0"]))
    return bad


def column_texts(pdf: bytes, widths: list[float], labels: bool = False) -> list[str]:
    """What a reader finds in each column, top to bottom and page by page: the cells' (or the
    bold labels') glyphs assigned to the column they start in."""
    edges, x = [], AREA_LEFT
    for width in widths:
        x += width + 2 * appendix.CELL_X
        edges.append(x)
    columns: list[list[str]] = [[] for _ in widths]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            cells = [c for c in page.chars if round(c["size"], 2) == CELL.size and ("Bold" in c["fontname"]) == labels]
            for c in sorted(cells, key=lambda c: (round(c["top"], 1), c["x0"])):
                column = next((k for k, edge in enumerate(edges) if c["x0"] < edge - 0.01), len(widths) - 1)
                columns[column].append(c["text"])
    return ["".join(column) for column in columns]


@contextlib.contextmanager
def at_most(seconds: int):
    """Fail instead of hanging the test run."""

    def expire(*_):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- columns


def test_two_columns_with_the_same_values_both_get_their_width():
    # loan date and due date often share their texts; each column must be measured
    stamp = "15.09.2025, 10:30 Uhr"
    labels, rows = ["Ausgeliehen", "Fällig", "Notiz"], [(stamp, stamp, "lang " * 80)] * 3
    widths = column_widths(labels, rows)
    assert min(widths[:2]) >= CELL.face.width(stamp, CELL.size)
    text = pypdf_pages(typeset(section(labels, rows)))[0]
    assert f"{stamp} {stamp}" in text


def card_parts(pdf: bytes) -> tuple[str, str, str]:
    """What a reader finds in cards, in reading (content stream) order: the entry numbers
    (muted), the labels (bold) and the values."""
    numbers, labels, values = [], [], []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for c in page.chars:
                if round(c["size"], 2) != CELL.size:
                    continue
                if "Bold" in c["fontname"]:
                    labels.append(c["text"])
                elif c["non_stroking_color"] == measure.MUTED:
                    numbers.append(c["text"])
                else:
                    values.append(c["text"])
    return "".join(numbers), "".join(labels), "".join(values)


def test_twenty_columns_with_long_labels_print_as_cards_inside_the_text_area():
    labels = [f"Sehr lange Spaltenbezeichnung Nummer {i}" for i in range(20)]
    rows = [[f"Wert {i}/{j} " + "x" * (i * 3) for i in range(20)] for j in range(6)]
    assert appendix.as_cards(labels, rows)
    pdf = typeset(section(labels, rows))
    assert misplaced_glyphs(pdf) == []
    numbers, label_text, values = card_parts(pdf)
    assert numbers == "123456"
    assert printed(label_text) == printed("".join(labels)) * 6  # every label beside its value
    assert printed(values) == "".join(printed(v) for values in rows for v in values)


def test_a_single_record_with_many_fields_is_a_card_with_each_value_beside_its_label():
    # the reader's account: ~30 fields of a few characters, unreadable as a 30-column table
    labels = [f"Feld {i} des Kontos" for i in range(29)]
    values = [f"W{i}" for i in range(29)]
    pdf = typeset(section(labels, [values], title="Ihr Benutzerkonto"))
    assert misplaced_glyphs(pdf) == []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = doc.pages[0].extract_words()
    for i in range(29):
        label = next(
            w
            for w in words
            if w["text"] == "Feld"
            and any(v["text"] == str(i) and abs(v["top"] - w["top"]) < 0.5 and v["x0"] > w["x0"] for v in words)
        )
        value = next(w for w in words if w["text"] == f"W{i}")
        assert abs(value["top"] - label["top"]) < 0.5 and value["x0"] > label["x1"]


def test_many_records_of_many_fields_go_on_with_their_entry_number():
    labels = [
        "Ausleihnummer",
        "Medium",
        "Leserin/Leser",
        "Ausgeliehen am",
        "Fällig am",
        "Zurückgegeben am",
        "Verlängerungen",
        "Ausgegeben von",
        "Rücknahme durch",
        "Notiz",
        "Anonymisiert am",
    ]
    rows = [
        (
            f"{3300 + j}",
            "64",
            "Sie",
            "02.01.2025, 08:13 Uhr",
            "13.02.2025",
            "09.02.2025, 08:13 Uhr",
            "1",
            "Bibliotheksteam",
            "Bibliotheksteam",
            "—",
            "—",
        )
        for j in range(40)
    ]
    pdf = typeset(section(labels, rows))
    assert misplaced_glyphs(pdf) == []
    pages = pypdf_pages(pdf)
    assert len(pages) > 2
    numbers = []
    for text in pages:
        on_page = [int(n) for n in re.findall(r"^(\d+) Ausleihnummer", text, re.M)]
        numbers += on_page
        continued = re.search(r"Ausleihen \(40\) – Fortsetzung ab Eintrag (\d+)", text)
        if continued:
            assert int(continued.group(1)) == on_page[0]
    assert numbers == list(range(1, 41))
    # no date split inside (no "15.04.2" / "025"), every field on its label's line
    assert all("02.01.2025, 08:13 Uhr" in text for text in pages[1:-1])


def test_a_table_gives_every_column_its_longest_word_when_they_fit():
    # narrow columns at full width used to squeeze the others below their longest word
    # ("Ausleihnu / mmer", "15.04.2 / 025"); each column must now hold its longest word
    labels = ["Ort", "Zeit", "Tag", "Art", "Ausgegeben von", "Zurückgenommen von", "Geändert von", "Gemahnt von"]
    team = "Schulbibliotheksteam und Schulverwaltung"
    rows = [("Regal 3 b", "ab 9 bis 12", "Mo bis Fr", "je 1 € am", team, team, team, team)] * 3
    assert not appendix.as_cards(labels, rows)
    widths = column_widths(labels, rows)
    for k, label in enumerate(labels):
        longest = max(CELL.face.width(w, CELL.size) for w in rows[0][k].split())
        longest = max(longest, *(appendix.HEAD.face.width(w, appendix.HEAD.size) for w in label.split()))
        assert widths[k] >= longest - 0.01, label
    text = pypdf_pages(typeset(section(labels, rows)))[0]
    assert text.count("Schulbibliotheksteam") == 12 and "Zurückgenommen" in text


def test_a_single_column_and_empty_or_blank_values():
    rows = [("",), ("   ",), ("\n\n",), ("\t",), ("Inhalt",)]
    pdf = typeset(section(["Notiz"], rows), section([""], [("",)] * 3, title="Leer"))
    text = pypdf_pages(pdf)[0]
    assert "Ausleihen (5)" in text and "Leer (3)" in text and "Inhalt" in text
    assert misplaced_glyphs(pdf) == []


def test_a_collection_without_columns_prints_its_heading():
    pdf = typeset(section([], [(), ()], title="Protokoll"))
    assert "Protokoll (2)" in pypdf_pages(pdf)[0]


def test_long_unbreakable_tokens_in_narrow_columns_break_inside_their_column():
    url = "https://bibliothek.example.org/katalog?isbn=978-3-16-148410-0&" + "a1b2c3d4e5f6" * 12
    digest = hashlib.sha256(b"x").hexdigest() * 3
    rows = [(url, digest, "15.09.2025", "—")] * 5
    labels = ["URL", "Prüfsumme", "Datum", "-"]
    assert not appendix.as_cards(labels, rows)  # a token longer than 30 % of the width may break
    pdf = typeset(section(labels, rows))
    assert misplaced_glyphs(pdf) == []
    for k, column in enumerate(column_texts(pdf, column_widths(labels, rows))):
        assert printed(column) == printed(rows[0][k]) * 5


def test_long_unbreakable_tokens_in_many_columns_print_whole_in_cards():
    url = "https://bibliothek.example.org/katalog?isbn=978-3-16-148410-0&" + "a1b2c3d4e5f6" * 12
    digest = hashlib.sha256(b"x").hexdigest() * 3
    rows = [(url, digest, "15.09.2025", url, digest, "W" * 60, "\ufffd" * 40, "—")] * 5
    labels = ["URL", "Prüfsumme", "Datum", "URL 2", "Summe 2", "W", "?", "-"]
    pdf = typeset(section(labels, rows))
    assert misplaced_glyphs(pdf) == []
    numbers, label_text, values = card_parts(pdf)
    assert numbers == "12345" and printed(values) == "".join(printed(v) for v in rows[0]) * 5


# ---------------------------------------------------------------- pages


def lowest_glyph(pdf: bytes) -> float:
    """The lowest bottom of any glyph in the document, in points from the top of the page (read
    cheaply from the text positions of the content streams)."""
    lowest = 0.0
    descent = -CELL.face.descent * 10 / 1000  # no appendix text is larger than 10 pt
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for y in re.findall(rb" ([\d.]+) Tm ", page.Contents.read_bytes()):
                lowest = max(lowest, 297 * MM - float(y) + descent)
    return lowest


def test_a_row_taller_than_a_page_after_a_nearly_full_page_stays_in_the_text_area():
    # short rows up to the bottom of the second page, then one of several pages
    short = [(f"Eintrag {i}", "kurz") for i in range(100)]
    huge = ("Riesig", " ".join(f"Wort{i:04d}" for i in range(3000)))
    for filler in range(80, 100):  # whichever leaves only a line or two free on page 2
        pdf = typeset(section(["Titel", "Notiz"], [*short[:filler], huge, ("Danach", "x")]))
        assert lowest_glyph(pdf) <= AREA_BOTTOM, filler
    text = " ".join(pypdf_pages(pdf)).replace("\n", " ")
    assert all(f"Wort{i:04d}" in text for i in range(3000))


def test_a_row_taller_than_a_page_under_tall_labels_goes_on_page_after_page():
    labels = [" ".join(["Bezeichnung"] * 12), "Notiz"]
    huge = ("x", "\n".join(f"Zeile {i}" for i in range(300)))
    pdf = typeset(section(labels, [huge, ("y", "kurz")]))
    pages = pypdf_pages(pdf)
    assert len(pages) >= 4 and misplaced_glyphs(pdf) == []
    text = "\n".join(pages)
    assert all(f"Zeile {i}\n" in text for i in range(300))


def test_labels_taller_than_a_page_neither_hang_nor_leave_the_page():
    labels = ["Bezeichnung " * 1500, "Wert"]
    with at_most(20):
        pdf = typeset(section(labels, [("a", "b")] * 3))
    assert misplaced_glyphs(pdf) == []
    text = "".join(pypdf_pages(pdf))
    assert in_order(printed(labels[0]) + "ab" * 3, text)


def test_a_heading_and_its_labels_never_end_a_page_without_a_row():
    first = section(["Titel"], [(f"Eintrag {i}",) for i in range(50)], title="Ausleihen")
    for lines in (12, 60):
        second = section(
            ["Notiz"], [("\n".join(f"Zeile {i}" for i in range(lines)),)], title="Gebühren", description="Offene Posten"
        )
        for filler in range(29, 38):  # move the second collection down the first page
            pdf = typeset(msgspec.structs.replace(first, rows=first.rows[:filler]), second)
            for page in pypdf_pages(pdf):
                if "Gebühren (1)" in page and "Fortsetzung" not in page:
                    assert "Offene Posten" in page and "Zeile 0" in page, (lines, filler, page[-200:])


def test_thousands_of_rows_with_a_long_text_every_fifty():
    note = " ".join(f"Satz{i}" for i in range(400))
    rows = [(f"{i + 1}", "01.02.2026", note if i % 50 == 49 else "—") for i in range(2000)]
    pdf = typeset(section(["Nr.", "Datum", "Notiz"], rows))  # how fast: benchmarks/letter.py
    pages = pypdf_pages(pdf)
    numbers = [line.split(" ")[0] for page in pages for line in page.splitlines()]
    assert [n for n in numbers if n.isdigit()] == [str(i) for i in range(1, 2001)]
    assert sum(page.count("Satz399") for page in pages) == 40
    assert lowest_glyph(pdf) <= AREA_BOTTOM


# ---------------------------------------------------------------- characters


ODD = {
    "emoji": "Lob 😀 für 𝔘 und 🇩🇪",
    "combining": "q\u0307 x\u0323\u0304 Zoe\u0308",
    "rtl": "שלום مرحبا",
    "zero width": "Bibliotheks\u200bausweis",
    "bom": "\ufeffText",
    "nbsp": "10\u00a0kg",
    "tab": "a\tb",
    "cjk": "山田",
}


@pytest.mark.parametrize("name", ODD)
def test_every_character_is_in_the_text_or_shown_as_replacement(name):
    value = ODD[name]
    pdf = typeset(section(["Wert"], [(value,)]))
    for text in (pypdf_pages(pdf)[0], poppler_text(pdf)):
        row = text[text.index("Wert") + 4 :]
        assert in_order(printed(value), row), (value, row)
    assert misplaced_glyphs(pdf) == []


def test_astral_characters_are_one_replacement_each_with_its_width():
    pdf = typeset(section(["Wert"], [("a😀b",)]))
    assert "a\ufffdb" in pypdf_pages(pdf)[0]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = [c for c in doc.pages[0].chars if c["text"] in "a\ufffdb" and round(c["size"], 2) == CELL.size]
    assert [c["text"] for c in chars] == ["a", "\ufffd", "b"]
    assert chars[1]["x1"] - chars[1]["x0"] == pytest.approx(CELL.face.width("\ufffd", CELL.size), abs=0.01)


def test_a_no_break_space_does_not_break_a_line():
    value = " ".join(["Gewicht 10\u00a0kg"] * 60)
    text = pypdf_pages(typeset(section(["Notiz"], [(value,)])))[0]
    assert text.count("10\u00a0kg") == 60  # never "10" at a line end and "kg" on the next


def test_line_separators_start_new_lines():
    value = "Hauptstraße 1\u2028Hinterhaus\u2029Raum 2\x0bTür 3\x0cFach 4\x85Ende"
    text = pypdf_pages(typeset(section(["Anschrift"], [(value,)])))[0]
    assert "Hauptstraße 1\nHinterhaus\nRaum 2\nTür 3\nFach 4\nEnde" in text


def test_a_soft_hyphen_is_invisible_inside_a_line():
    pdf = typeset(section(["Wort"], [("Donau\u00addampf\u00adschiff",)]))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        cell = [c for c in doc.pages[0].chars if round(c["size"], 2) == CELL.size and "Bold" not in c["fontname"]]
        word = "".join(c["text"] for c in cell)
    assert word.replace("\u00ad", "") == "Donaudampfschiff"
    # no hyphen glyph painted between "Donau" and "dampf"
    assert "\u00ad" not in word


def test_combining_marks_stay_with_their_letter_when_a_word_breaks():
    word = "e\u0301\u0302" * 120  # no precomposed form with both marks
    pdf = typeset(section(["Wort", "Rest"], [(word, "x " * 300)]))
    for line in pypdf_pages(pdf)[0].splitlines():
        assert not line.startswith(("\u0301", "\u0302")), line
    assert misplaced_glyphs(pdf) == []


# ---------------------------------------------------------------- the file


def test_fonts_embedded_with_unicode_maps_and_widths_of_their_glyphs():
    pdf = typeset(section(["Name", "Notiz"], [("Zoë Ωmega Жук", "😀 山田 fi ﬁ\u00a0x")]), draft=True)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.check_pdf_syntax() == []
        for page in doc.pages:
            for font in page.Resources.Font.values():
                assert "/ToUnicode" in font
                cid = font.DescendantFonts[0]
                program = TTFont(io.BytesIO(cid.FontDescriptor.FontFile2.read_bytes()))
                order, units = program.getGlyphOrder(), program["head"].unitsPerEm
                widths = list(cid.W)
                for k in range(0, len(widths), 2):
                    gid, width = int(widths[k]), float(widths[k + 1][0])
                    assert width == pytest.approx(program["hmtx"][order[gid]][0] * 1000 / units, abs=0.01)


RENDER = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.pipeline.render.sections import section, typeset
print(hashlib.sha256(typeset(section(["Name", "Notiz"], [("Zoë Жук", "Ωmega 😀")]))).hexdigest())
"""


def test_identical_input_gives_identical_bytes_in_another_process():
    from pathlib import Path

    started = time.time()
    here = hashlib.sha256(typeset(section(["Name", "Notiz"], [("Zoë Жук", "Ωmega 😀")]))).hexdigest()
    time.sleep(max(0.0, 1.1 - (time.time() - started)))  # another second on the clock
    script = RENDER.format(root=str(Path(__file__).resolve().parents[3]))
    there = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, text=True).stdout.strip()
    assert here == there


# ---------------------------------------------------------------- any table


texts = st.text(
    alphabet=st.one_of(
        st.sampled_from("aeiouxyzÄßé0123456789 -/.,:\n\t\u00a0\u00ad\u200b\u2028\ufeff"),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=120,
)


@st.composite
def sections(draw):
    columns = draw(st.integers(1, 20))
    labels = draw(st.lists(st.text(max_size=40), min_size=columns, max_size=columns))
    rows = draw(st.lists(st.lists(texts, min_size=columns, max_size=columns), min_size=1, max_size=12))
    if draw(st.booleans()):  # now and then a row of several pages
        rows[draw(st.integers(0, len(rows) - 1))][0] = "\n".join(["lang lang"] * 70)
    return section(labels, rows, title=draw(st.sampled_from(["Ausleihen", "Gebühren"])))


@settings(
    max_examples=int(os.environ.get("APPENDIX_EXAMPLES", 15)),  # more for a search: APPENDIX_EXAMPLES=300
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sections())
def test_any_section_is_typeset_completely_inside_the_text_area(section_):
    pdf = typeset(section_)
    assert misplaced_glyphs(pdf) == []
    labels, rows = [c.label for c in section_.columns], [row.values for row in section_.rows]
    if appendix.as_cards(labels, rows):
        # every value, whole and in order, record by record
        assert printed(card_parts(pdf)[2]) == "".join(printed(v) for values in rows for v in values)
        return
    widths = column_widths([c.label for c in section_.columns], [row.values for row in section_.rows])
    for k, column in enumerate(column_texts(pdf, widths)):
        # every cell of the column, whole and in order, and nothing else
        wanted = "".join(printed(row.values[k]) for row in section_.rows)
        assert printed(column) == wanted, k
