"""The other letters: identity query, extension, refusal, erasure and restriction confirmations."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
from pypdf import PdfReader

from dsr.pipeline import compose, render
from dsr.pipeline.compose import specimen


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


CASES = {
    "identity_query": (
        dict(identity_options=("postal_address", "in_person"), reply_by=dt.date(2026, 12, 9)),
        {
            "de": ["Identität", "Brief an die bei uns gespeicherte Postanschrift", "09.12.2026", "Personalausweises"],
            "en": ["identity", "in person", "postal address we hold", "2026-12-09"],
        },
    ),
    "extension": (
        dict(new_deadline=dt.date(2027, 2, 2), reasons="Mehr als 40 000 Protokolleinträge sind zu prüfen."),
        {"de": ["Art. 12 Abs. 3", "02.02.2027", "40 000 Protokolleinträge"], "en": ["Art. 12(3)", "2027-02-02"]},
    ),
    "refusal": (
        dict(reasons="Dieselbe Anfrage zum zwölften Mal in diesem Monat."),
        {"de": ["Art. 12 Abs. 5", "zwölften Mal", "Art. 77", "Art. 79"], "en": ["Art. 12(5)", "Art. 77", "Art. 79"]},
    ),
    "erasure": (
        dict(
            erased=("Leserkonto", "Ausleihhistorie"),
            kept=(compose.Kept(what="Gebührenbeleg", why="haushaltsrechtliche Aufbewahrung", until="31.12.2034"),),
            informed=("DS-Software-Lösungen",),
        ),
        {
            "de": ["Gelöscht", "Ausleihhistorie", "Gebührenbeleg", "31.12.2034", "Art. 19"],
            "en": ["Erased", "Restricted instead of erased", "Art. 19"],
        },
    ),
    "restriction": (
        dict(
            restricted=("Ausleihhistorie",),
            reasons="Sie bestreiten die Richtigkeit der Ausleihhistorie; wir prüfen sie (Art. 18 Abs. 1 lit. a DSGVO).",
            informed=("DS-Software-Lösungen",),
        ),
        {
            "de": [
                "Bestätigung der Einschränkung",
                "Ausleihhistorie",
                "bestreiten die Richtigkeit",
                "Art. 18 Abs. 3",
                "DS-Software-Lösungen",
                "Art. 19",
            ],
            "en": ["confirmation of restriction", "Art. 18(3)", "Art. 19"],
        },
    ),
}


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("kind", list(CASES))
def test_each_letter_says_what_it_must(kind, lang):
    options, phrases = CASES[kind]
    letter = compose.notice(kind, specimen.SCHOOL, specimen.request(lang), **options)
    pdf = render.pdf(letter)
    text = text_of(pdf)
    missing = [p for p in phrases[lang] + ["DSR-2026-0042", "Anna Muster"] if p not in text]
    assert not missing
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.attachments) == 0  # only the access answer carries data


def test_extension_and_refusal_need_reasons():
    with pytest.raises(ValueError, match="reasons"):
        compose.notice("extension", specimen.SCHOOL, specimen.request(), new_deadline=dt.date(2027, 2, 2))
    with pytest.raises(ValueError, match="reasons"):
        compose.notice("refusal", specimen.SCHOOL, specimen.request())
    with pytest.raises(ValueError, match="restricted"):
        compose.notice("restriction", specimen.SCHOOL, specimen.request(), reasons="geprüft")
    with pytest.raises(ValueError, match="unknown letter"):
        compose.notice("apology", specimen.SCHOOL, specimen.request())
