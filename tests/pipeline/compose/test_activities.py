"""Section 2 of the access letter: actual recipients from the records, storage dates per record,
the Land's law for a public school, facts common to every activity said once — read from the PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from dsr.config import LANDS
from dsr.model import Classification as C
from dsr.model import CollectionSpec, Field, FieldSpec, Record
from dsr.pipeline import compose, land_law, register, render
from dsr.pipeline.compose import specimen
from dsr.pipeline.compose.activities import add_period, due_for_erasure, erasure_dates
from dsr.pipeline.register import RetentionRule

NOTICE = CollectionSpec(
    store="school",
    name="notice",
    title={"de": "Benachrichtigungen", "en": "Notices"},
    activity="notices",
    category="correspondence",
    fields=(
        FieldSpec(
            name="kind",
            classification=C.OWN,
            kind="code",
            label={"de": "Art", "en": "Kind"},
            codes={"dunning": {"de": "Mahnung", "en": "dunning letter"}},
        ),
        FieldSpec(
            name="cc_address",
            classification=C.REFERENCE,
            role="copy_recipient",
            label={"de": "Kopie an", "en": "Copy to"},
        ),
        FieldSpec(
            name="created_at", classification=C.OWN, kind="datetime", label={"de": "Erstellt am", "en": "Created on"}
        ),
    ),
)
GUARDIAN = CollectionSpec(
    store="school",
    name="guardian_of_child",
    title={"de": "Erziehungsberechtigte", "en": "Parents"},
    activity="guardians",
    category="family",
    fields=(
        FieldSpec(name="relation", classification=C.OWN, kind="code", label={"de": "Beziehung", "en": "Relationship"}),
        FieldSpec(name="email", classification=C.REFERENCE, role="guardian", label={"de": "E-Mail", "en": "E-mail"}),
    ),
)
INCIDENT = CollectionSpec(
    store="school",
    name="incident_target",
    title={"de": "Sicherheitsvorfälle", "en": "Security incidents"},
    activity="it-security",
    category="security logs",
    fields=(
        FieldSpec(
            name="detected_at",
            classification=C.OWN,
            kind="datetime",
            label={"de": "Festgestellt am", "en": "Detected on"},
        ),
        FieldSpec(
            name="reported_to_authority_at",
            classification=C.OWN,
            kind="datetime",
            label={"de": "Gemeldet", "en": "Reported on"},
        ),
    ),
)
REVIEW = CollectionSpec(
    store="school",
    name="review",
    title={"de": "Rezensionen", "en": "Reviews"},
    activity="reviews",
    category="reviews",
    fields=(
        FieldSpec(
            name="created_at", classification=C.OWN, kind="datetime", label={"de": "Verfasst am", "en": "Written on"}
        ),
        FieldSpec(name="visible", classification=C.OWN, kind="bool", label={"de": "Sichtbar", "en": "Visible"}),
    ),
)
PARENT_MAIL = "anna.muster@example.org"


def _record(collection: str, key: str, **values: object) -> Record:
    ref = {"cc_address", "email"}
    return Record(
        store="school",
        collection=collection,
        key=key,
        fields=tuple(Field(k, v, C.REFERENCE if k in ref else C.OWN) for k, v in values.items()),  # type: ignore[arg-type]
    )


def _letter(records: tuple[Record, ...], lang: str = "de", controller=specimen.SCHOOL):
    base = specimen.gathering(1)
    gathering = msgspec.structs.replace(
        base,
        records=(*base.records, *records),
        collections=(*base.collections, NOTICE, GUARDIAN, INCIDENT, REVIEW),
    )
    return compose.disclosure(controller, gathering, specimen.request(lang), register=register.load("james-school"))


def _text(letter) -> str:
    pdf = render.pdf(letter)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _recipients(letter, key: str) -> list[str]:
    activity = next(a for a in letter.activities if a.key == key)
    return [f"{r.name} ({r.role})" for r in activity.recipients]


FAMILY = (
    _record("guardian_of_child", "g1", relation="mother", email=PARENT_MAIL),
    _record("notice", "n1", kind="dunning", cc_address=PARENT_MAIL.upper(), created_at=dt.datetime(2025, 3, 12, 9, 0)),
    _record("notice", "n2", kind="dunning", cc_address=None, created_at=dt.datetime(2025, 4, 2, 9, 0)),
)


def test_a_copy_of_a_notice_names_the_parent_who_got_it_with_the_date():
    letter = _letter(FAMILY)
    assert _recipients(letter, "notices") == ["Ihre Mutter (Kopie der Mahnung vom 12.03.2025)"]
    text = _text(letter)
    assert "Ihre Mutter (Kopie der Mahnung vom 12.03.2025)" in text
    assert PARENT_MAIL not in text  # the address itself is the parent's data, never printed


def test_a_notice_without_a_copy_names_nobody_but_the_processor():
    letter = _letter(FAMILY[2:])
    assert _recipients(letter, "notices") == []
    assert letter.common is not None and [p.name for p in letter.common.processors] == ["DS-Software-Lösungen GmbH"]


def test_an_incident_reported_to_the_police_names_the_police_and_the_dates():
    reported = _record(
        "incident_target",
        "i1",
        detected_at=dt.datetime(2026, 11, 30, 19, 3),
        reported_to_authority_at=dt.datetime(2026, 12, 2, 10, 0),
    )
    quiet = _record("incident_target", "i2", detected_at=dt.datetime(2026, 1, 5, 8, 0), reported_to_authority_at=None)
    letter = _letter((reported, quiet))
    assert _recipients(letter, "it-security") == [
        "Polizei (Strafanzeige) (Anzeige des Vorfalls vom 30.11.2026 am 02.12.2026)"
    ]
    english = _letter((reported,), "en")
    assert _recipients(english, "it-security") == [
        "the police (criminal complaint) (report of the incident of 2026-11-30 on 2026-12-02)"
    ]


@pytest.mark.parametrize(("visible", "named"), [(True, True), (False, False)])
def test_a_visible_review_is_said_to_be_in_the_public_catalogue(visible, named):
    letter = _letter((_record("review", "r1", created_at=dt.datetime(2026, 2, 1, 12, 0), visible=visible),))
    shown = any("im öffentlichen Katalog sichtbar" in r for r in _recipients(letter, "reviews"))
    assert shown is named


def test_facts_common_to_every_activity_are_said_once():
    text = _text(_letter(FAMILY))
    assert text.count("Keine automatisierte Entscheidungsfindung") == 1
    assert text.count("Keine Übermittlung in Drittländer") == 1
    assert text.count("Hafenstraße 12, 48153 Münster") == 1


def test_a_bavarian_public_school_cites_its_school_law_and_a_private_controller_the_bdsg():
    assert "Art. 85 BayEUG" in _text(_letter(()))
    # North Rhine-Westphalia's entry awaits review: the act by its name, never the unchecked section
    nrw = msgspec.structs.replace(specimen.SCHOOL, land="NW")
    text = _text(_letter((), controller=nrw))
    assert "Schulgesetz für das Land Nordrhein-Westfalen" in text and "§ 120" not in text
    assert land_law.citations("BY", public=False).land_law_access == "§ 34 BDSG"
    assert land_law.citations("BY", public=True).land_law == "BayDSG"


@pytest.mark.parametrize("land", LANDS)
def test_every_land_has_its_laws_with_a_source_and_a_date(land):
    entry = land_law.of_land(land)
    assert entry.dsg and entry.dsg_abbr and entry.school_law_name
    assert entry.source and entry.verified <= dt.date(2026, 11, 25)
    # an unchecked entry says so; a checked one names the provision
    assert entry.confidence == "review" or entry.school_law


def test_the_english_letter_carries_no_german_register_text():
    reg = register.load("james-school")
    letter = _letter(FAMILY, "en")
    text = _text(letter)
    german = [
        t["de"]
        for a in reg.activities.values()
        for t in (a.name, a.purpose, a.legal_basis, a.retention)
        if t["de"] != t["en"]
    ]
    assert [g for g in german if g in text] == []
    assert "Ihre Mutter" not in text and "your mother (copy of the dunning letter of 2025-03-12)" in text


# ------------------------------------------------------------------ storage dates

RULE = RetentionRule(collections=["loan"], after="returned_at", months=6)


def test_a_returned_loan_is_due_six_months_after_return_and_the_letter_carries_the_date():
    loan = _record("loan", "7", returned_at=dt.datetime(2025, 8, 31, 14, 0))
    assert due_for_erasure(loan, RULE) == dt.date(2026, 2, 28)  # no 31 February: the month's last day
    assert due_for_erasure(_record("loan", "8", returned_at=None), RULE) is None  # still on loan


def test_consent_to_keep_the_history_or_a_fee_stops_the_date():
    reg = register.load("james-school")
    loans = (
        _record("loan", "1", returned_at=dt.datetime(2025, 1, 10, 9, 0)),
        _record("loan", "2", returned_at=dt.datetime(2025, 1, 11, 9, 0)),
        _record("fee", "f1", loan_id=2),
    )
    dates = erasure_dates(reg, (*loans, _record("account", "a", keep_loan_history=False)))
    assert dates == {("school", "loan", "1"): dt.date(2025, 7, 10)}
    assert erasure_dates(reg, (*loans, _record("account", "a", keep_loan_history=True))) == {}


def test_the_rows_of_the_copy_carry_their_erasure_date():
    letter = _letter((_record("notice", "n9", kind="dunning", created_at=dt.datetime(2026, 3, 1, 8, 0)),))
    (section,) = [s for s in letter.sections if s.collection == "notice"]
    assert [r.due_for_erasure for r in section.rows] == [dt.date(2027, 3, 1)]


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(0, 120))
def test_adding_months_lands_in_the_right_month_on_the_same_or_last_day(day, months):
    later = add_period(day, months=months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and (later + dt.timedelta(days=1)).day == 1)


# ------------------------------------------------------------------ the erasure letter's national law


@pytest.mark.parametrize(("public", "cited"), [(True, False), (False, True)])
def test_only_a_private_controller_cites_section_35_bdsg_when_data_are_kept(public, cited):
    controller = msgspec.structs.replace(specimen.SCHOOL, public=public)
    letter = compose.notice(
        "erasure",
        controller,
        specimen.request("de"),
        erased=("Leserkonto",),
        kept=(compose.Kept(what="Gebührenbeleg", why="Haushaltsrecht", until="31.12.2034"),),
    )
    text = _text(letter)
    assert "Art. 18 DSGVO" in text
    assert ("§ 35 Abs. 3 BDSG" in text) is cited
    assert ("BDSG" in text) is cited  # a Bavarian public school is under the BayDSG, not the BDSG


@pytest.mark.parametrize("land", LANDS)
def test_a_provision_awaiting_review_is_never_cited_as_fact(land):
    entry = land_law.of_land(land)
    cited = land_law.citations(land, public=True)
    if entry.checked:
        assert cited.land_school_law == (entry.school_law or entry.school_law_name)
        return
    assert cited.land_school_law == entry.school_law_name and cited.land_law_access == entry.dsg_abbr
    erasure = compose.notice("erasure", msgspec.structs.replace(specimen.SCHOOL, land=land), specimen.request("de"))
    assert erasure.erasure_law == ""


def test_dsr_check_warns_about_the_land_law_of_a_public_controller_awaiting_review(tmp_path):
    from dsr.pipeline.check import warnings

    def config(land: str, public: bool) -> Path:
        path = tmp_path / f"{land}-{public}.toml"
        path.write_text(
            f'[controllers.s]\nname = "S"\nkind = "school"\nland = "{land}"\npublic = {str(public).lower()}\n'
            'street = "x"\npostal_code = "1"\ncity = "c"\nemail = "e@x.example"\n'
            '[controllers.s.dpo]\nname = "d"\n[controllers.s.signatory]\nname = "s"\n'
            '[controllers.s.stores.school]\nconnector = "sql"\nurl = "sqlite:///school.db"\nmapping = "james-school"\n'
        )
        return path

    found = [w for w in warnings(config("NW", True)) if w.key and w.key.startswith("land.")]
    assert [w.key for w in found] == ["land.NW"]
    assert "review" in found[0].problem and "§ 120 SchulG NRW" in found[0].problem
    assert not [w for w in warnings(config("BY", True)) if w.key and w.key.startswith("land.")]
    assert not [w for w in warnings(config("NW", False)) if w.key and w.key.startswith("land.")]  # cites the BDSG
