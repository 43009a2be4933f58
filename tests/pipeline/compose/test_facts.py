"""What a letter states about the request, and to whom: no fact nobody recorded, no recipients
it does not name, the authority's date as a reader writes it, an extension only within Art. 12(3),
and plain words in "du" for a child (Art. 12(1); more in test_young_readers.py). Text read from the real PDF."""

from __future__ import annotations

import datetime as dt
import io

import msgspec
import pytest
from pypdf import PdfReader

from dsr.pipeline import compose, register, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.deadlines import ExtensionNotAllowed


def text_of(pdf: bytes) -> str:
    # one line per page, whitespace collapsed: a phrase may wrap in the PDF
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def request(lang: str = "de", **changes) -> compose.Request:
    return msgspec.structs.replace(specimen.request(lang), **changes)


@pytest.fixture(scope="module")
def school_register():
    return register.load("james-school")


# --------------------------------------------------------------------------- facts nobody recorded


@pytest.mark.parametrize(
    ("lang", "not_recorded", "draft"), [("de", "nicht erfasst", "Entwurf"), ("en", "not recorded", "Draft")]
)
def test_unrecorded_facts_are_said_to_be_unrecorded_and_make_a_draft(lang, not_recorded, draft, school_register):
    unknown = request(lang, channel=None, identity_check=None, case_reference="", received="unrecorded")
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), unknown, register=school_register)
    assert letter.draft
    text = text_of(render.pdf(letter, attach=False))
    assert draft in text
    assert text.count(not_recorded) >= 3  # received (twice: information block and facts), channel, identity
    # nothing is filled in: no channel, no check, no time of receipt
    for invented in (
        "persönlich",
        "in person",
        "Online-Portal",
        "online portal",
        "Geburtsdatum",
        "date of birth",
        "02.11.2026",
        "2026-11-02",
    ):
        assert invented not in text


def test_a_receipt_day_without_time_prints_no_time(school_register):
    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(1), request("de", received="day"), register=school_register
    )
    assert letter.received == "02.11.2026"
    assert not letter.draft  # the day is what Art. 12(3) counts from
    text = text_of(render.pdf(letter, attach=False))
    assert "am 02.11.2026 über unser Online-Portal" in text and "09:15" not in text


def test_recorded_facts_make_no_draft(school_register):
    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(1), specimen.request("de"), register=school_register
    )
    assert not letter.draft and letter.request.unrecorded == ()


# --------------------------------------------------------------------------- negative answer: recipients


@pytest.mark.parametrize(
    ("lang", "wrong", "right"),
    [
        ("de", "oben genannten Empfängern", "allen Empfängern mit, denen wir diese Daten offengelegt haben"),
        ("en", "recipients named above", "each recipient to whom we disclosed those data"),
    ],
)
def test_the_negative_answer_refers_to_no_recipients_it_does_not_name(lang, wrong, right):
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), specimen.request(lang))
    text = text_of(render.pdf(letter))
    assert letter.kind == "negative"
    assert wrong not in text
    assert right in text and ("Art. 19" in text)


def test_the_disclosure_still_points_to_the_recipients_it_names(school_register):
    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(1), specimen.request("de"), register=school_register
    )
    text = text_of(render.pdf(letter, attach=False))
    assert "DS-Software-Lösungen" in text and "oben genannten Empfängern" in text


# --------------------------------------------------------------------------- identity query


@pytest.mark.parametrize(
    ("lang", "label", "pending"), [("de", "Identitätsprüfung", "ausstehend"), ("en", "Identity check", "pending")]
)
def test_the_identity_query_does_not_claim_the_check_it_asks_for(lang, label, pending):
    asked = request(lang, identity_check="in_person")
    letter = compose.notice("identity_query", specimen.SCHOOL, asked, identity_options=("card_and_birth_date",))
    assert letter.identity_check == "" and not letter.draft
    text = text_of(render.pdf(letter))
    assert label in text and pending in text
    assert "persönliche Vorsprache" not in text and "in person, recorded by our staff" not in text


# --------------------------------------------------------------------------- the authority's date


def test_the_authority_date_reads_as_a_date():
    de = compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), specimen.request("de"))
    en = compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), specimen.request("en"))
    assert de.authority.verified == "25.11.2026" and en.authority.verified == "25 November 2026"
    assert "Stand dieser Angaben: 25.11.2026" in text_of(render.pdf(de))
    notice = compose.notice("refusal", specimen.SCHOOL, specimen.request("en"), reasons="x")
    assert "Details last verified: 25 November 2026" in text_of(render.pdf(notice))


# --------------------------------------------------------------------------- extension (Art. 12(3))


def test_an_extension_notice_after_the_first_month_is_refused():
    late = request("de", received_at=dt.datetime(2026, 1, 2, 10, 0), letter_date=dt.date(2026, 11, 25))
    with pytest.raises(ExtensionNotAllowed, match="within the first month"):
        compose.notice("extension", specimen.SCHOOL, late, new_deadline=dt.date(2027, 12, 31), reasons="viel zu tun")


def test_an_extension_beyond_two_further_months_is_refused():
    # received 02.11.2026: first month ends 02.12.2026, two more months end 02.02.2027
    with pytest.raises(ExtensionNotAllowed, match="at most 2 months"):
        compose.notice("extension", specimen.SCHOOL, specimen.request(), new_deadline=dt.date(2027, 2, 3), reasons="x")
    with pytest.raises(ExtensionNotAllowed, match="after the first month"):
        compose.notice("extension", specimen.SCHOOL, specimen.request(), new_deadline=dt.date(2026, 12, 2), reasons="x")
    ok = compose.notice("extension", specimen.SCHOOL, specimen.request(), new_deadline=dt.date(2027, 2, 2), reasons="x")
    assert ok.new_deadline == "02.02.2027"


def test_an_extension_needs_the_day_of_receipt():
    with pytest.raises(ExtensionNotAllowed, match="received"):
        compose.notice(
            "extension", specimen.SCHOOL, request(received="unrecorded"), new_deadline=dt.date(2027, 1, 5), reasons="x"
        )


def test_paused_days_move_the_first_months_end():
    # sent 10 days after the first month, but the clock stood still for 14 days
    later = request(letter_date=dt.date(2026, 12, 14))
    with pytest.raises(ExtensionNotAllowed):
        compose.notice("extension", specimen.SCHOOL, later, new_deadline=dt.date(2027, 2, 2), reasons="x")
    letter = compose.notice(
        "extension", specimen.SCHOOL, later, new_deadline=dt.date(2027, 2, 16), reasons="x", paused_days=14
    )
    assert letter.new_deadline == "16.02.2027"


# --------------------------------------------------------------------------- a child (Art. 12(1))


def child(lang: str, born: dt.date, acting_for: str | None = None) -> compose.Request:
    r = specimen.request(lang, acting_for=acting_for)
    return msgspec.structs.replace(r, recipient=msgspec.structs.replace(r.recipient, date_of_birth=born))


@pytest.mark.parametrize(
    ("lang", "hello", "glance", "ask", "box"),
    [
        ("de", "Hallo Anna,", "Auf einen Blick", "frag deine Eltern", "Für Eltern und Lehrkräfte"),
        ("en", "Hello Anna,", "At a glance", "ask your parents", "For parents and teachers"),
    ],
)
def test_a_child_gets_a_plain_letter_and_every_legal_part_in_the_box(lang, hello, glance, ask, box, school_register):
    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(3), child(lang, dt.date(2015, 5, 1)), register=school_register
    )
    assert letter.child and letter.address == "child" and letter.salutation == hello
    text = text_of(render.pdf(letter))
    assert ask in text and specimen.SCHOOL.email in text
    # the overview comes first; the legal parts all stay, in the box after the child's letter
    assert text.index(glance) < text.index(hello) < text.index(box)
    required = (
        ["Art. 15 Abs. 3 DSGVO", "Art. 21", "Art. 77", "Zurückgehaltene Angaben", "Datenschutzbeauftragte"]
        if lang == "de"
        else ["Art. 15(3) GDPR", "Art. 21", "Art. 77", "Information withheld", "Data-protection officer"]
    )
    after = text[text.index(box) :]
    assert all(part in after for part in required)


@pytest.mark.parametrize("kind", ["negative", "identity_query", "extension", "refusal", "erasure"])
def test_every_letter_to_a_child_is_the_plain_one(kind):
    r = child("de", dt.date(2015, 5, 1))
    if kind == "negative":
        letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), r)
    else:
        options = {"extension": dict(new_deadline=dt.date(2027, 2, 2), reasons="x"), "refusal": dict(reasons="x")}
        letter = compose.notice(kind, specimen.SCHOOL, r, **options.get(kind, {}))
    text = text_of(render.pdf(letter))
    assert "Hallo Anna," in text and "Für Eltern und Lehrkräfte" in text and "Viele Grüße" in text


@pytest.mark.parametrize(
    ("born", "acting_for", "salutation"),
    [
        # 14 on the letter date: the Bavarian age of consent; greeted by first name, "Sie" by default
        (dt.date(2012, 11, 25), None, "Hallo Anna,"),
        (dt.date(2015, 5, 1), "Ben Muster", "Sehr geehrte Frau Muster,"),  # a parent asks: the parent's letter
        (None, None, "Sehr geehrte Frau Muster,"),  # no date of birth known
    ],
)
def test_no_child_wording_for_others(born, acting_for, salutation):
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), child("de", born, acting_for))
    assert not letter.child and letter.address == "sie" and letter.salutation == salutation
    text = text_of(render.pdf(letter))
    assert "Für Eltern und Lehrkräfte" not in text and "Sie haben uns" in text


def test_the_age_of_consent_is_the_controllers():
    # the same 13-year-old, for a controller whose Land lets pupils act alone from 12
    older = msgspec.structs.replace(specimen.SCHOOL, pupil_age_of_consent=12)
    letter = compose.disclosure(older, specimen.gathering(empty=True), child("de", dt.date(2013, 1, 1)))
    assert not letter.child
    assert compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), child("de", dt.date(2013, 1, 1))).child


def test_the_machine_readable_copy_says_null_for_what_nobody_recorded(school_register):
    unknown = request("de", case_reference="", received="unrecorded")
    data = msgspec.json.decode(render.export_json(compose.disclosure(specimen.SCHOOL, specimen.gathering(1), unknown)))
    assert data["received"] is None and data["case_reference"] is None
    day = msgspec.json.decode(
        render.export_json(compose.disclosure(specimen.SCHOOL, specimen.gathering(1), request("de", received="day")))
    )
    assert day["received"] == "2026-11-02"
