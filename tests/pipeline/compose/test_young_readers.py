"""Letters to children and young people (Art. 12(1) GDPR), read from the real PDF with pdftotext.

Below the controller's age of consent the whole letter is in "du" and plain language, with the
legal references in a box for parents and teachers; from that age to 17 the reader is greeted by
first name and addressed with "Sie" or "du" as the controller configures; adults are unchanged.

The oracle for "no Sie": the German polite forms are capitalised (Sie, Ihnen, Ihr, Ihre, …);
mid-sentence a capitalised one is always the polite address (the plural "sie" is lower case
there). At a sentence start it could be the plural "they" — so the child's text never starts a
sentence with one either, and the test flags every capitalised form anywhere in the part written
to the child: that catches every polite address, at the price of forbidding an ambiguous sentence
start, which a child would stumble over too. The box for parents and teachers may quote the
register (whose texts say "Sie" and say so), so it is excluded — it begins with its heading,
after the closing; the copy of the data (Anlage 1) follows it.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsr.pipeline import compose, register, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.disclosure import address_of

LETTER_DATE = specimen.request("de").letter_date
CHILD = dt.date(LETTER_DATE.year - 11, 5, 1)  # 11 on the letter date
YOUNG = dt.date(LETTER_DATE.year - 16, 1, 1)  # 16
ADULT = dt.date(LETTER_DATE.year - 30, 1, 1)

POLITE = re.compile(r"\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b")
FAMILIAR = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b", re.IGNORECASE)
BOX = {"de": "Für Eltern und Lehrkräfte: die rechtlichen Angaben", "en": "For parents and teachers: the legal details"}
OPTIONS: dict[str, dict[str, object]] = {
    "identity_query": {"identity_options": ("in_person", "postal_address"), "reply_by": dt.date(2026, 12, 9)},
    "extension": {"new_deadline": dt.date(2027, 2, 2), "reasons": "Es sind viele Anfragen gleichzeitig gekommen."},
    "refusal": {"reasons": "Es ist die zehnte gleiche Anfrage in einer Woche."},
    "erasure": {"erased": ("Leserkonto",), "informed": ("DS-Software-Lösungen",)},
    "restriction": {"restricted": ("Rezensionen",), "reasons": "Die Richtigkeit wird geprüft."},
    "restriction_lift": {
        "restricted": ("Rezensionen",),
        "reasons": "Die Richtigkeit ist geprüft.",
        "lift_on": dt.date(2027, 1, 15),
    },
}
KINDS = ("disclosure", "negative", *OPTIONS)


@pytest.fixture(scope="module")
def school_register():
    return register.load("james-school")


def pdftotext(pdf: bytes) -> str:
    """The text as pdftotext reads it, whitespace collapsed (a phrase may wrap)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(out.split())


def request(lang: str, born: dt.date | None, **changes) -> compose.Request:
    r = specimen.request(lang)
    return msgspec.structs.replace(r, recipient=msgspec.structs.replace(r.recipient, date_of_birth=born), **changes)


def letter(kind: str, req: compose.Request, controller=specimen.SCHOOL, reg=None):
    if kind == "disclosure":
        return compose.disclosure(controller, specimen.gathering(3), req, register=reg)
    if kind == "negative":
        return compose.disclosure(controller, specimen.gathering(empty=True), req)
    return compose.notice(kind, controller, req, **OPTIONS.get(kind, {}))  # type: ignore[arg-type]


def split(text: str, lang: str) -> tuple[str, str]:
    """The part written to the young reader, and the box for parents and teachers."""
    assert text.count(BOX[lang]) == 1, "the legal box is missing"
    at = text.index(BOX[lang])
    return text[:at], text[at:]


DU = msgspec.structs.replace(specimen.SCHOOL, young_readers_address="du")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("born", "controller"), [(CHILD, specimen.SCHOOL), (YOUNG, DU)], ids=["child", "young-du"])
def test_a_letter_in_du_says_du_throughout_and_keeps_the_law_in_the_box(kind, born, controller, school_register):
    composed = letter(kind, request("de", born), controller, school_register)
    assert composed.address == ("child" if born == CHILD else "du")
    main, box = split(pdftotext(render.pdf(composed)), "de")
    assert POLITE.findall(main) == []
    assert len(FAMILIAR.findall(main)) >= 3
    assert "Hallo Anna," in main and "Viele Grüße" in main
    assert "Sehr geehrte" not in main and "Mit freundlichen Grüßen" not in main
    # plain language: no article numbers in the child's part; the box has them
    assert "Art." not in main and "DSGVO" not in main
    for law in ("Art. 12 Abs. 1 DSGVO", "Art. 77 DSGVO", "Art. 79 DSGVO", "Datenschutzbeauftragte"):
        assert law in box
    # the authority's address and the controller's contact stay in the child's part
    authority = composed.authority
    assert authority is not None and authority.name in main and authority.street in main
    assert specimen.SCHOOL.email in main


def test_the_childs_access_answer_keeps_every_art_15_heading_in_the_box(school_register):
    composed = letter("disclosure", request("de", CHILD), reg=school_register)
    main, box = split(pdftotext(render.pdf(composed)), "de")
    for heading in (
        "Auskunft (Art. 15 DSGVO)",
        "Art. 15 Abs. 3 DSGVO",
        "Informationen zur Verarbeitung (Art. 15 Abs. 1 und 2 DSGVO)",
        "Zurückgehaltene Angaben",
        "Art. 16 DSGVO",
        "Art. 17 DSGVO",
        "Art. 18 DSGVO",
        "Art. 20 DSGVO",
        "Art. 21 DSGVO",
        "Art. 19 DSGVO",
    ):
        assert heading in box, heading
    for activity in composed.activities:
        assert activity.name in main  # the child reads what the data are for
        assert " ".join(activity.purpose.split()) in box  # the register's details for the adults
    assert "Anlage 1" in main


@pytest.mark.parametrize("kind", KINDS)
def test_a_child_gets_plain_english_with_the_law_in_the_box(kind, school_register):
    composed = letter(kind, request("en", CHILD), reg=school_register)
    main, box = split(pdftotext(render.pdf(composed)), "en")
    assert "Hello Anna," in main and "Best wishes" in main
    assert "Art." not in main and "GDPR" not in main
    assert "Art. 77 GDPR" in box and "Art. 79 GDPR" in box


@pytest.mark.parametrize("kind", KINDS)
def test_a_young_reader_with_sie_is_greeted_by_first_name(kind, school_register):
    composed = letter(kind, request("de", YOUNG), reg=school_register)
    assert composed.address == "sie"
    text = pdftotext(render.pdf(composed))
    assert "Hallo Anna," in text
    assert "Sehr geehrte" not in text and BOX["de"] not in text
    assert POLITE.search(text) and FAMILIAR.findall(text) == []


def test_a_young_reader_in_english_is_greeted_by_first_name(school_register):
    composed = letter("disclosure", request("en", YOUNG), reg=school_register)
    text = pdftotext(render.pdf(composed))
    assert "Dear Anna," in text and "Dear Ms Muster" not in text and BOX["en"] not in text


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("born", [ADULT, None], ids=["adult", "unknown-age"])
def test_an_adult_letter_is_unchanged(kind, born, school_register):
    composed = letter(kind, request("de", born), reg=school_register)
    assert composed.address == "sie" and not composed.child
    text = pdftotext(render.pdf(composed))
    assert "Sehr geehrte Frau Muster," in text and "Mit freundlichen Grüßen" in text
    assert FAMILIAR.findall(text) == [] and BOX["de"] not in text and "Hallo" not in text


def test_a_parent_asking_for_the_child_gets_the_adult_letter(school_register):
    req = request("de", CHILD)
    req = msgspec.structs.replace(req, recipient=msgspec.structs.replace(req.recipient, acting_for="Ben Muster"))
    composed = letter("disclosure", req, reg=school_register)
    assert composed.address == "sie" and composed.salutation == "Sehr geehrte Frau Muster,"


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@given(
    born=st.dates(min_value=dt.date(1940, 1, 1), max_value=LETTER_DATE),
    consent=st.integers(min_value=10, max_value=16),
    young=st.sampled_from(["sie", "du"]),
)
def test_the_form_of_address_follows_age_consent_and_setting(born, consent, young):
    controller = msgspec.structs.replace(specimen.SCHOOL, pupil_age_of_consent=consent, young_readers_address=young)
    age = _age(born, LETTER_DATE)
    expected = "child" if age < consent else young if age < 18 else "sie"
    assert address_of(request("de", born), controller) == expected


SIE_TEXTS: dict[str, dict[str, object]] = {
    "refusal": {"reasons": "Sie haben dieselbe Anfrage zehnmal in einer Woche gestellt."},
    "extension": {"new_deadline": dt.date(2027, 2, 2), "reasons": "Ihre Anfrage betrifft viele Systeme."},
    "identity_query": {
        "identity_options": ("in_person",),
        "reasons": "Ihre E-Mail-Adresse ist bei uns nicht gespeichert.",
    },
    "restriction": {
        "restricted": ("Ihre Rezensionen",),
        "reasons": "Sie bestreiten die Richtigkeit.",
        "informed": ("Ihre Mutter",),
    },
    "erasure": {
        "erased": ("Ihr Leserkonto",),
        "kept": (compose.Kept(what="Ihre offene Gebühr", why="Haushaltsrecht", until="31.12.2027"),),
        "informed": ("Ihre Mutter",),
    },
}


@pytest.mark.parametrize("kind", list(SIE_TEXTS))
def test_free_texts_in_sie_stand_in_the_box_and_the_du_part_points_there(kind):
    options = SIE_TEXTS[kind]
    composed = compose.notice(kind, specimen.SCHOOL, request("de", CHILD), **options)  # type: ignore[arg-type]
    main, box = split(pdftotext(render.pdf(composed)), "de")
    assert POLITE.findall(main) == []
    assert "Kasten „Für Eltern und Lehrkräfte“" in main
    # every free text is in the letter, word for word: in the box
    texts = [v for v in options.values() if isinstance(v, str)]
    texts += [t for v in options.values() if isinstance(v, tuple) for t in v if isinstance(t, str)]
    texts += [k.what for k in options.get("kept", ())]  # type: ignore[attr-defined]
    for text in (t for t in texts if POLITE.search(t)):  # (identity options are keys, not texts)
        assert text in box, text


def test_a_neutral_free_text_stays_in_the_du_part():
    composed = compose.notice("refusal", specimen.SCHOOL, request("de", CHILD), reasons=OPTIONS["refusal"]["reasons"])
    main, box = split(pdftotext(render.pdf(composed)), "de")
    assert str(OPTIONS["refusal"]["reasons"]) in main and "Unsere Angaben im Wortlaut" not in box


def test_the_under_14_access_answer_says_du_outside_the_box(school_register):
    # the reader's relatives the register names (a copy of a notice went to the mother) in du
    composed = letter("disclosure", request("de", CHILD), reg=school_register)
    main, _ = split(pdftotext(render.pdf(composed)), "de")
    assert POLITE.findall(main) == []
