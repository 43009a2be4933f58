"""The access letter as a reader gets it: text extracted from the real PDF, and its JSON copy."""

from __future__ import annotations

import io
import json

import msgspec
import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from dsr.model import Classification, Field, Record, Withholding
from dsr.pipeline import compose, register, render
from dsr.pipeline.compose import specimen


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def school_register():
    return register.load("james-school")


@pytest.fixture(scope="module")
def letters(school_register):
    out = {}
    for lang in ("de", "en"):
        letter = compose.disclosure(
            specimen.SCHOOL,
            specimen.gathering(5),
            specimen.request(lang),
            withheld=(Withholding("name", 1),),
            register=school_register,
        )
        out[lang] = (letter, render.pdf(letter))
    return out


GERMAN_PARTS = [
    "Bestätigung",
    "Kopie",
    "Art. 15 Abs. 3 DSGVO",
    "Zweck",
    "Rechtsgrundlage",
    "Datenkategorien",
    "Empfänger",
    "DS-Software-Lösungen",  # named processor
    "Speicherdauer",
    "Herkunft",
    "Drittländer",
    "Art. 22",
    "Art. 21",
    "Art. 77",
    "Der Bayerische Landesbeauftragte für den Datenschutz",  # public school in Bavaria
    "Wagmüllerstraße 18",
    "Stand dieser Angaben: 25.11.2026",  # DIN 5008 date, not ISO
    "kostenlos",
    "DSR-2026-0042",
    "02.11.2026",
    "über unser Online-Portal",
    "Bestätigungscode an die bei uns gespeicherte E-Mail-Adresse",  # how identity was checked
    "Zurückgehaltene Angaben",
    "Namen anderer Personen",
    "Art. 15 Abs. 4",
    "Datenschutzbeauftragte",
    "Mit freundlichen Grüßen",
    "Dr. Erika Beispiel",
    "Seite 2 von",
]

ENGLISH_PARTS = [
    "Confirmation",
    "copy",
    "Art. 15(3) GDPR",
    "Purpose",
    "Legal basis",
    "Categories of data",
    "Recipients",
    "DS-Software-Lösungen",
    "Storage period",
    "Source",
    "Third countries",
    "Art. 22",
    "Art. 21",
    "Art. 77",
    "Wagmüllerstraße 18",
    "Details last verified: 25 November 2026",
    "free of charge",
    "DSR-2026-0042",
    "confirmation code sent to the e-mail address we hold",
    "Information withheld",
    "names of other people",
    "Yours sincerely",
    "Page 2 of",
]


@pytest.mark.parametrize(("lang", "parts"), [("de", GERMAN_PARTS), ("en", ENGLISH_PARTS)])
def test_letter_has_every_required_part(letters, lang, parts):
    text = text_of(letters[lang][1])
    missing = [p for p in parts if p not in text]
    assert not missing


def test_every_record_is_in_the_copy_with_labels_and_explained_codes(letters):
    text = text_of(letters["de"][1])
    for i in range(1, 6):
        assert f"Band {i}" in text
    assert "Ausgeliehen am" in text and "Mahnstufe" in text
    assert "2. Mahnung" in text  # dunning_level 2, explained
    assert "3,50 €" in text
    assert "04.03.2011" in text


def test_other_people_appear_only_as_roles(letters):
    for lang, role in (("de", "Klassenlehrkraft"), ("en", "class teacher")):
        letter, pdf = letters[lang]
        text = text_of(pdf)
        exported = render.export_json(letter).decode()
        for name in specimen.OTHER_PEOPLE:
            assert name not in text
            assert name not in exported
        assert role in text and role in exported


def test_secrets_show_only_that_they_exist(letters):
    letter, pdf = letters["de"]
    text = text_of(pdf)
    assert "gespeichert, wird nicht angezeigt" in text
    assert "argon2" not in text
    assert "argon2" not in render.export_json(letter).decode()


def test_the_reader_themself_is_called_you(school_register):
    g = specimen.gathering(1)
    own = Record(
        store="school",
        collection="loan",
        key="9",
        fields=(Field("issued_by_id", "17", Classification.REFERENCE, True),),
    )
    g = msgspec.structs.replace(g, records=(*g.records, own))
    letter = compose.disclosure(specimen.SCHOOL, g, specimen.request("de"), register=school_register)
    loans = next(s for s in letter.sections if s.collection == "loan")
    column = [c.name for c in loans.columns].index("issued_by_id")
    assert [r.values[column] for r in loans.rows] == ["Bibliotheksteam", "Sie"]


def test_json_copy_round_trips_and_groups_by_store_and_collection(letters):
    letter, pdf = letters["en"]
    doc = json.loads(render.export_json(letter))
    (store,) = doc["stores"]
    assert store["store"] == "school"
    by_name = {c["collection"]: c for c in store["collections"]}
    assert set(by_name) == {"person", "loan", "fee"}
    assert len(by_name["loan"]["records"]) == 5
    assert {"name": "dunning_level", "label": "Dunning level", "kind": "code", "explain": None} in by_name["fee"][
        "columns"
    ]
    assert by_name["fee"]["records"][0]["fields"]["dunning_level"] == {
        "value": {"code": 2, "meaning": "2nd reminder"},
        "text": "2nd reminder",
    }
    # the letter's structure survives encoding (what the portal stores for the exact copy)
    again = msgspec.json.decode(msgspec.json.encode(letter), type=compose.Disclosure)
    assert again == letter


def test_pdf_carries_the_json_and_one_csv_per_collection(letters):
    letter, pdf = letters["de"]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        files = {name: spec.get_file().read_bytes() for name, spec in doc.attachments.items()}
        assert doc.open_metadata().pdfa_status == "3A"  # tagged (PDF/UA-1), level A
    assert set(files) == {"disclosure.json", "school-person.csv", "school-loan.csv", "school-fee.csv"}
    assert files["disclosure.json"] == render.export_json(letter)
    # typed CSV, no byte-order mark: column names on top, the code with its words beside it
    assert files["school-fee.csv"].decode("utf-8").startswith("amount,dunning_level,dunning_level.text,")
    assert "3.50,2,2. Mahnung," in files["school-fee.csv"].decode("utf-8")


def test_identical_input_gives_identical_bytes(letters, school_register):
    letter, pdf = letters["de"]
    again = compose.disclosure(
        specimen.SCHOOL,
        specimen.gathering(5),
        specimen.request("de"),
        withheld=(Withholding("name", 1),),
        register=school_register,
    )
    assert again == letter
    assert render.pdf(again) == pdf


def test_draft_is_marked(school_register):
    letter = compose.disclosure(
        specimen.SCHOOL, specimen.gathering(1), specimen.request("de"), draft=True, register=school_register
    )
    assert "Entwurf" in text_of(render.pdf(letter, attach=False))


@pytest.mark.parametrize(
    ("lang", "phrase"), [("de", "keine personenbezogenen Daten über Sie"), ("en", "no personal data about you")]
)
def test_nothing_held_gives_the_negative_answer(lang, phrase):
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(empty=True), specimen.request(lang))
    assert letter.kind == "negative"
    text = text_of(render.pdf(letter))
    assert phrase in text
    assert "Art. 77" in text and "Art. 21" in text


def test_parent_asking_for_a_child_is_told_who_you_means():
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(1), specimen.request("de", acting_for="Ben Muster"))
    assert "gesetzliche Vertretung für Ben Muster" in text_of(render.pdf(letter, attach=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and s not in ("Sie", "—")))
def test_no_reference_value_ever_reaches_the_json(school_register, value):
    g = specimen.gathering(1)
    ref = Record(
        store="school",
        collection="loan",
        key="x",
        fields=(Field("issued_by_id", value, Classification.REFERENCE), Field("title", "Momo", Classification.OWN)),
    )
    g = msgspec.structs.replace(g, records=(ref,))
    letter = compose.disclosure(specimen.SCHOOL, g, specimen.request("en"), register=school_register)
    records = json.loads(render.export_json(letter))["stores"][0]["collections"][0]["records"]
    empty = {"value": None, "text": None}
    assert records == [
        {
            "fields": {
                "title": {"value": "Momo", "text": "Momo"},
                "loaned_at": empty,
                "due_on": empty,
                "issued_by_id": {"value": {"role": "library_staff", "label": "library team"}, "text": "library team"},
                "note": empty,
            },
            "relation": None,
            "due_for_erasure": None,
        }
    ]


def test_the_letter_carries_no_store_settings():
    controller = msgspec.structs.replace(
        specimen.SCHOOL, stores={"school": {"connector": "sql", "url": "postgresql://u:pw@db/x"}}
    )
    letter = compose.disclosure(controller, specimen.gathering(1), specimen.request())
    assert b"pw@db" not in msgspec.json.encode(letter)
    assert letter.controller.name == "Gymnasium Musterstadt"


def test_salutation_follows_the_form_of_address():
    r = specimen.request("en")
    neutral = compose.Request(
        **{**{f: getattr(r, f) for f in r.__struct_fields__}, "recipient": compose.Recipient(name="Kim {x} Muster")}
    )
    assert compose.disclosure(specimen.SCHOOL, specimen.gathering(1), r).salutation == "Dear Ms Muster,"
    assert compose.disclosure(specimen.SCHOOL, specimen.gathering(1), neutral).salutation == "Dear Kim {x} Muster,"
