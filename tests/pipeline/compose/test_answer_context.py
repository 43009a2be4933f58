"""What the access answers say around the data, read from the real PDF with pdftotext:
"Auf einen Blick" on page 1, the systems searched and not searched, the request file itself
(what, why, how long), and how a paper letter's reader gets the electronic copy."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import msgspec
import pytest

from dsr.config import LocalText
from dsr.pipeline import compose, register, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.letter import GlanceLine

ELEVEN = dt.date(specimen.request("de").letter_date.year - 11, 5, 1)


@pytest.fixture(scope="module")
def school_register():
    return register.load("james-school")


def pdftotext(pdf: bytes, last_page: int | None = None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(pdf)
        pages = ["-l", str(last_page)] if last_page else []
        out = subprocess.run(["pdftotext", *pages, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def request(lang: str = "de", born: dt.date | None = None, **changes) -> compose.Request:
    r = specimen.request(lang)
    return msgspec.structs.replace(r, recipient=msgspec.structs.replace(r.recipient, date_of_birth=born), **changes)


def answer(req: compose.Request, reg, *, empty: bool = False, controller=specimen.SCHOOL, **kw):
    return compose.disclosure(
        controller, specimen.gathering(empty=True) if empty else specimen.gathering(3), req, register=reg, **kw
    )


GLANCE = (
    GlanceLine(label="Ausleihen", count=57, since="2019"),
    GlanceLine(label="Gebühren", count=3, since=""),
    GlanceLine(label="Anmeldungen", count=12, since="2026"),
)


@pytest.mark.parametrize(("born", "next_step"), [(None, "Sie müssen nichts tun"), (ELEVEN, "Du musst nichts tun")])
def test_page_one_shows_the_answer_at_a_glance(born, next_step, school_register):
    letter = msgspec.structs.replace(answer(request("de", born), school_register), glance=GLANCE)
    page_one = pdftotext(render.pdf(letter), last_page=1)
    assert "Auf einen Blick" in page_one
    assert "57 Ausleihen seit 2019, 3 Gebühren, 12 Anmeldungen seit 2026" in page_one
    for activity in letter.activities:  # what we did with the data
        assert activity.name in page_one
    assert next_step in page_one and "innerhalb eines Monats" in page_one  # what happens next
    assert specimen.SCHOOL.email in page_one and str(specimen.SCHOOL.phone) in page_one  # whom to call
    # the box comes before the letter's first words
    assert page_one.index("Auf einen Blick") < page_one.index(letter.salutation)


def test_the_glance_in_english(school_register):
    letter = msgspec.structs.replace(
        answer(request("en"), school_register), glance=(GlanceLine(label="loans", count=4, since="2024"),)
    )
    page_one = pdftotext(render.pdf(letter), last_page=1)
    assert "At a glance" in page_one and "4 loans since 2024" in page_one and "within one month" in page_one


@pytest.mark.parametrize("empty", [False, True], ids=["disclosure", "negative"])
@pytest.mark.parametrize(
    ("lang", "mail", "paper"),
    [("de", "E-Mail-Postfächer", "Papierunterlagen"), ("en", "E-mail inboxes", "Paper records")],
)
def test_every_answer_says_what_was_not_searched_and_why(empty, lang, mail, paper, school_register):
    text = pdftotext(render.pdf(answer(request(lang), school_register, empty=empty)))
    store = "Bibliotheksdatenbank der Schule" if lang == "de" else "school library database"
    assert store in text  # searched
    assert mail in text and paper in text
    # each with why
    assert text.count("nicht durchsucht, weil" if lang == "de" else "not searched, because") == 2


def test_the_controller_names_its_own_unsearched_systems(school_register):
    own = msgspec.structs.replace(
        specimen.SCHOOL,
        not_searched=[
            LocalText(de="Schülerakte im Sekretariat: liegt nur auf Papier vor.", en="Pupil file: on paper only.")
        ],
    )
    text = pdftotext(render.pdf(answer(request("de"), school_register, controller=own)))
    assert "Schülerakte im Sekretariat: liegt nur auf Papier vor." in text and "E-Mail-Postfächer" not in text
    none = msgspec.structs.replace(specimen.SCHOOL, not_searched=[])
    text = pdftotext(render.pdf(answer(request("de"), school_register, controller=none, empty=True)))
    assert "Nicht durchsucht" not in text and "E-Mail-Postfächer" not in text


@pytest.mark.parametrize(
    ("days", "lang", "period"),
    [
        (730, "de", "2 Jahre nach Abschluss"),
        (1095, "en", "3 years after the case has ended"),
        (100, "de", "100 Tage nach Abschluss"),
        (365, "en", "1 year after"),
    ],
)
def test_the_negative_answer_names_the_request_file_and_how_long_it_is_kept(days, lang, period, school_register):
    letter = answer(request(lang), school_register, empty=True, request_retention_days=days)
    assert letter.kind == "negative"
    text = pdftotext(render.pdf(letter))
    assert period in text
    if lang == "de":
        assert "Ihre Anfrage selbst" in text and "Art. 5 Abs. 2" in text
        assert "Wir verarbeiten keine Daten über Sie" not in text  # the request file is data about them
    else:
        assert "Your request itself" in text and "Art. 5(2)" in text


def test_the_childs_negative_answer_names_the_request_file_too(school_register):
    text = pdftotext(render.pdf(answer(request("de", ELEVEN), school_register, empty=True, request_retention_days=730)))
    assert "Deine Anfrage heben wir auf" in text and "2 Jahre nach dem Ende des Vorgangs" in text


@pytest.mark.parametrize(("lang", "born"), [("de", None), ("en", None), ("de", ELEVEN), ("en", ELEVEN)])
def test_a_paper_letter_says_how_to_get_the_electronic_copy(lang, born, school_register):
    paper = pdftotext(render.pdf(answer(request(lang, born, delivery="post"), school_register)))
    screen = pdftotext(render.pdf(answer(request(lang, born), school_register)))
    carrier, portal = ("Datenträger", "Portal") if lang == "de" else ("data carrier", "portal")
    assert carrier in paper and portal in paper
    assert "disclosure.json" not in paper  # a postal reader cannot open the embedded file
    assert "disclosure.json" in screen and carrier not in screen
