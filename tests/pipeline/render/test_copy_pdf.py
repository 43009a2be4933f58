"""The typeset copy as a reader gets it (pdftotext): titles beside the loans, what all loans share
said once, no internal numbers or relation keys, cards without empty fields, tables for long
histories of many fields."""

from __future__ import annotations

import io
import subprocess

import msgspec
import pikepdf

from dsr.pipeline import render
from dsr.pipeline.compose.letter import Table
from dsr.pipeline.render import appendix, measure
from tests.pipeline.compose.test_copy import HISTORY, _many_loans, item, letter, loan
from tests.pipeline.render import pdfua_check
from tests.pipeline.render.sections import section, typeset


def pdf_text(letter_) -> str:
    pdf = pikepdf.new()
    appendix.typeset(letter_).write(pdf)
    out = io.BytesIO()
    pdf.save(out)
    run = subprocess.run(["pdftotext", "-layout", "-", "-"], input=out.getvalue(), capture_output=True, check=True)
    return run.stdout.decode()


def test_loans_read_with_their_titles_and_without_keys():
    text = pdf_text(letter(HISTORY))
    assert "Momo – Michael Ende" in text and "Atlas Biologie 10" in text
    assert "Leserin/Leser: Sie · Rücknahme durch: Bibliotheksteam" in text
    for key in ("Medium (interne Nummer)", "Ausleihnummer", "loan 101", "Bezug", "Notiz"):
        assert key not in text
    # the items stand with the loans: no list of their own
    assert "Medien zu Ihren Ausleihen" not in text
    assert "Ausleihen (3)" in text


def test_an_unjoined_item_is_listed_under_its_own_heading():
    text = pdf_text(letter([*HISTORY, item(9, "Krabat", "Otfried Preußler", "loan 999")]))
    assert "Medien zu Ihren Ausleihen (1)" in text
    assert "zu Ihrer Ausleihe" in text and "Weitere 2 Einträge stehen bei: Ausleihen." in text


def test_a_card_leaves_out_fields_without_a_value():
    labels = ["Vorname", "Nachname", "Telefon", "Klasse", "Sperrgrund", "Ort"]
    values = ["Anna", "Muster", "—", "7a", "—", "München"]
    s = section(labels, [values], title="Ihr Benutzerkonto")
    s = msgspec.structs.replace(s, table=Table(labels=tuple(labels), rows=(tuple(values),), empty="—"))
    run = subprocess.run(["pdftotext", "-layout", "-", "-"], input=typeset(s), capture_output=True, check=True)
    text = run.stdout.decode()
    assert "Anna" in text and "München" in text and "Klasse" in text
    assert "Telefon" not in text and "Sperrgrund" not in text and "—" not in text


def test_a_long_history_of_many_fields_is_a_table_a_few_records_are_cards():
    labels = [f"Feld {i}" for i in range(10)]
    many = [[f"{i}.{j}" for i in range(10)] for j in range(40)]
    assert not measure.as_cards(labels, many)
    assert measure.as_cards(labels, many[: measure.FEW_ROWS])


def test_a_long_label_word_breaks_rather_than_turning_a_history_into_cards():
    # eight columns whose labels' longest words are a little too wide together, values narrow
    labels = ["Verlängerungen", "Zurückgegeben am", "Ausgeliehen am", "Benachrichtigt", "Abgeschlossen", "Titel"] + [
        "Rücknahme durch",
        "Verfasserinnen",
    ]
    rows = [["1", "01.02.2024", "01.01.2024", "02.01.2024", "03.01.2024", "Momo", "Team", "Ende"]] * 30
    natural, minimum = measure.measure(labels, rows)
    heads = sum(max(measure.HEAD.face.width(w, measure.HEAD.size) for w in label.split()) for label in labels)
    assert heads > measure._room(len(labels))  # the labels' longest words alone are too wide
    assert not measure.as_cards(labels, rows, minimum)
    widths = measure.fit(natural, minimum)
    # every value still fits on one line: only labels break
    for value, width in zip(rows[0], widths, strict=True):
        assert len(measure.wrap(value, width, measure.CELL)) == 1


def test_the_english_copy_says_the_same_in_english():
    text = pdf_text(letter([loan(101, 1, 4), loan(102, 1, 5), item(1, "Momo", "Michael Ende", "loan 101")], "en"))
    assert "Momo – Michael Ende" in text
    assert "you" in text  # the reader, said once


def test_a_note_in_one_row_of_many_prints_under_that_row_not_as_a_column():
    text = pdf_text(letter(_many_loans({7: "Umschlag eingerissen"})))
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("Ausgeliehen am"))
    assert "Notiz" not in header
    k = next(i for i, line in enumerate(lines) if "Notiz: Umschlag eingerissen" in line)
    assert lines[k - 1].startswith("08.03.2024"), "under the eighth loan"


def test_an_aside_is_a_row_header_and_its_cell_in_the_tagged_pdf():
    pdf = render.pdf(letter(_many_loans({7: "Umschlag eingerissen"})))
    assert pdfua_check.check(pdf) == []
    rows = [n for n in pdfua_check.read_tree(pdf).root.walk() if n.role == "TR"]
    aside = next(r for r in rows if any("Umschlag eingerissen" in c.text() for c in r.kids))
    label, value = aside.kids
    assert (label.role, label.scope, label.text().strip()) == ("TH", "/Row", "Notiz:")
    assert value.role == "TD" and value.text().strip() == "Umschlag eingerissen"
