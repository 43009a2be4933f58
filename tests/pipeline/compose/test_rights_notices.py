"""The letters of rectification, objection and portability (issue #14), in German and English, to
an adult and in "du" / plain English to a child: each says what the person would check — the
corrected field and value, the decision and its reasons, the refusal's reason — and a child's
part keeps to "du" with the law in the box. The oracle is the PDF's text (pdftotext)."""

from __future__ import annotations

import datetime as dt

import pytest

from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen
from tests.pipeline.compose.test_young_readers import ADULT, CHILD, FAMILIAR, POLITE, pdftotext, request, split

REFUSED = (
    "„Ausleihe“: Das Recht auf Datenübertragbarkeit gilt nicht für eine Verarbeitung, die für die Wahrnehmung "
    "einer Aufgabe im öffentlichen Interesse erforderlich ist (Art. 20 Abs. 3 Satz 2 DSGVO)."
)
CASES: dict[str, tuple[dict[str, object], dict[str, list[str]]]] = {
    "rectification": (
        {
            "corrected": ("E-Mail-Adresse: anna.neu@example.org",),
            "supplemented": ("Vorname: Annabell",),
            "statement": "Die Schreibweise ließ sich an keinem Dokument prüfen.",
            "informed": ("DS-Software-Lösungen GmbH",),
        },
        {
            "de": [
                "Bestätigung der Berichtigung",
                "E-Mail-Adresse: anna.neu@example.org",
                "Vorname: Annabell",
                "Art. 16 Satz 2 DSGVO",
                "DS-Software-Lösungen GmbH",
                "Art. 19 DSGVO",
            ],
            "en": ["confirmation of rectification", "anna.neu@example.org", "Art. 16 sentence 2 GDPR", "Art. 19 GDPR"],
        },
    ),
    "objection": (
        {
            "decision": "rejected",
            "processing": "Leserkonten der Schulbibliothek",
            "reasons": "Die Daten werden zur Abwehr einer anhängigen Forderung benötigt.",
        },
        {
            "de": [
                "Wir weisen Ihren Widerspruch zurück",
                "anhängigen Forderung",
                "Art. 21 Abs. 1 Satz 2 DSGVO",
                "Art. 77 DSGVO",
            ],
            "en": ["We reject your objection", "Art. 21(1) sentence 2 GDPR", "Art. 77 GDPR"],
        },
    ),
    "restriction_lift": (
        {
            "restricted": ("Ausleihen: 4 Einträge",),
            "reasons": "Die Richtigkeit der Daten ist überprüft.",
            "lift_on": dt.date(2027, 1, 15),
            "ground_law": "Art. 18 Abs. 1 lit. a DSGVO",
        },
        {
            "de": [
                "Ankündigung der Aufhebung der Einschränkung",
                "ab dem 15.01.2027",
                "Ausleihen: 4 Einträge",
                "Die Einschränkung beruhte auf Art. 18 Abs. 1 lit. a DSGVO; dieser Grund ist entfallen.",
                "Art. 18 Abs. 3 DSGVO",
                "Widerspruchsrecht (Art. 21 DSGVO)",
                "Art. 77 DSGVO",
            ],
            "en": ["the restriction will be lifted", "from 15 January 2027", "Art. 18(3) GDPR", "Art. 77 GDPR"],
        },
    ),
    "portability": (
        {"files": ("data.json", "schema.json", "school-review.csv"), "covered": ("Rezensionen",), "reasons": REFUSED},
        {
            "de": ["Datenübertragbarkeit", "data.json", "Rezensionen", "Art. 20 Abs. 3 Satz 2 DSGVO"],
            "en": ["data portability", "data.json", "Art. 20(1) GDPR"],
        },
    ),
}


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("kind", list(CASES))
def test_each_rights_letter_says_what_it_must(kind: str, lang: str) -> None:
    options, phrases = CASES[kind]
    letter = compose.notice(kind, specimen.SCHOOL, request(lang, ADULT), **options)  # type: ignore[arg-type]
    text = pdftotext(render.pdf(letter))
    assert [p for p in phrases[lang] if p not in text] == []


def test_an_upheld_objection_says_what_stopped_and_whom_we_told() -> None:
    letter = compose.notice(
        "objection",
        specimen.SCHOOL,
        request("de", ADULT),
        decision="upheld",
        processing="Aufbewahrung des Ausleihverlaufs",
        reasons="Die Einwilligung ist widerrufen.",
        stopped=("3 zurückgegebene Ausleihe(n): der Bezug zu Ihrer Person ist entfernt (anonymisiert).",),
        informed=("DS-Software-Lösungen GmbH",),
    )
    text = pdftotext(render.pdf(letter))
    for phrase in (
        "Wir geben Ihrem Widerspruch statt",
        "Art. 7 Abs. 3 DSGVO",
        "3 zurückgegebene Ausleihe(n)",
        "Die Einwilligung ist widerrufen.",
        "DS-Software-Lösungen GmbH",
    ):
        assert phrase in text


@pytest.mark.parametrize("kind", list(CASES))
def test_a_child_reads_du_and_plain_words_with_the_law_in_the_box(kind: str) -> None:
    options, _ = CASES[kind]
    letter = compose.notice(kind, specimen.SCHOOL, request("de", CHILD), **options)  # type: ignore[arg-type]
    assert letter.address == "child"
    main, box = split(pdftotext(render.pdf(letter)), "de")
    assert POLITE.findall(main) == [] and len(FAMILIAR.findall(main)) >= 3
    assert "Hallo Anna," in main and "Art." not in main and "DSGVO" not in main
    assert "Art. 77 DSGVO" in box
    english = compose.notice(kind, specimen.SCHOOL, request("en", CHILD), **options)  # type: ignore[arg-type]
    main, box = split(pdftotext(render.pdf(english)), "en")
    assert "Hello Anna," in main and "Art." not in main and "GDPR" not in main


def test_a_letter_without_its_substance_is_refused() -> None:
    for kind, options in (("rectification", {}), ("objection", {"decision": "upheld"}), ("portability", {})):
        with pytest.raises(ValueError):
            compose.notice(kind, specimen.SCHOOL, request("de", ADULT), **options)  # type: ignore[arg-type]


def test_an_upheld_objection_tells_a_child_what_stopped_in_du() -> None:
    import datetime as dt

    from dsr.casefile.rights import Decision, Objection
    from dsr.service.rights_letter import stopped_lines

    decided = Objection(
        id=1,
        processing="loan_history",
        decision=Decision.UPHELD,
        reasons="Die Einwilligung ist widerrufen.",
        decided_by="user:1",
        decided_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        applied={"rectified": 1, "anonymised": 3},
        applied_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    letter = compose.notice(
        "objection",
        specimen.SCHOOL,
        request("de", CHILD),
        decision="upheld",
        processing="Aufbewahrung des Ausleihverlaufs",
        reasons="Du hast deine Einwilligung widerrufen.",
        stopped=stopped_lines(decided, "de", "du"),
    )
    main, _ = split(pdftotext(render.pdf(letter)), "de")
    assert "3 zurückgegebene Ausleihe(n)" in main and "Ausleihverlauf" in main
    assert POLITE.findall(main) == [] and "Art." not in main
