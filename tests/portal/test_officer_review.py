"""The redaction review on the case page and in the JSON API: what the officer decides on.

TestClient on a real SQLite case file (officer_world); the review items are known in advance
(tests/service/review_case.py): "Lena" three times in a loan's damage note, "Frau Schulz" in the
note of a medium reached through that loan.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

from dsr.config import DEFAULT_ZONE as BERLIN  # no [dsr] timezone in these tests
from tests.officer_world import PASSWORD, World, page_csrf
from tests.portal.officer_language import ENGLISH, GERMAN, german_left_in
from tests.service.review_case import CLASSMATE, case_in_review


def login(client: Any, headers: dict[str, str] = GERMAN) -> None:
    r = client.post("/officer/login", data={"username": "officer", "password": PASSWORD}, headers=headers)
    assert r.status_code == 200 and "<h1>" in r.text, r.text


def review_section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="h-review" id="review">.*?</section>', html, re.S)
    assert match, "no review section"
    return match.group(0)


def shown(html: str) -> str:
    """The text a reader sees: no tags, no attributes (where the codes stay)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_case_page_highlights_the_word_and_shows_where_whose_who_how_many_and_the_print(
    app_client: Any, world: World
) -> None:
    ref = case_in_review(world)
    client = app_client()
    login(client)
    review = review_section(client.get(f"/officer/cases/{ref}", headers=GERMAN).text)

    assert review.count(f"<mark><strong>{CLASSMATE}</strong></mark>") == 3
    assert "<mark><strong>Schulz</strong></mark>" in review
    text = shown(review)
    assert "Beginn der hervorgehobenen Stelle: Lena (Ende der hervorgehobenen Stelle) hat es ausgeliehen." in text
    for words in (
        "Ausleihen",  # the collection's title, not "loan"
        "Schadensnotiz",  # the field's label, not "damage_note"
        "Nr. 17",
        "Medien der Bibliothek",
        "gilt für 3 gleiche Stellen",
        "gilt nur für diese Stelle",
        "Schülerin / Schüler",  # the role in words, not "student"
        "eigener Datensatz der betroffenen Person",
        "erreicht über Ausleihen (Eintrag 17)",
        "Vorname einer bekannten Person, allein",  # the rule in words
        "wenn geschwärzt [Name entfernt] hat es ausgeliehen.",
        "wenn offengelegt Lena hat es ausgeliehen.",
        "wenn geschwärzt [Name entfernt] zahlt, sagt [Name entfernt].",
        "wenn offengelegt Lena zahlt, sagt Lena.",
        "Zuletzt bei Frau [Name entfernt] gewesen; Umschlag eingerissen.",
        "für alle 3 gleichen Stellen entscheiden",
    ):
        assert words in text, words
    for code in ("known-first-name", "cue-unknown-name", "student", "damage_note", "[[?]]"):
        assert code not in text, code
    # the codes stay out of sight, in data- attributes for scripts and tests
    assert 'data-rule="known-first-name"' in review and 'data-role="student"' in review and "title=" not in review


def test_a_decision_for_the_group_shows_who_decided_when_in_local_time(app_client: Any, world: World) -> None:
    ref = case_in_review(world)
    client = app_client()
    login(client)
    page = client.get(f"/officer/cases/{ref}", headers=GERMAN).text
    lena = client.get(f"/api/officer/cases/{ref}/review").json()[0]
    r = client.post(
        f"/officer/cases/{ref}/do/decide",
        data={
            "_csrf": page_csrf(page),
            "item": lena["id"],
            "decision": "disclose",
            "reason": "known-to-subject",
            "same_text": "on",
        },
        headers=GERMAN,
    )
    assert r.status_code == 200
    text = shown(review_section(r.text))
    decided = [e for e in client.get(f"/api/officer/cases/{ref}/review").json() if e["decision"]]
    assert len(decided) == 3 and all(e["decided_by"] == "officer" for e in decided)
    at = dt.datetime.fromisoformat(decided[0]["decided_at"].replace("Z", "+00:00"))
    local = at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    assert text.count("Entschieden: offenlegen (der anfragenden Person schon bekannt; ") == 3
    assert text.count(f"– officer, {local}") == 3
    assert "1 von 4 Stellen offen." in text


def test_the_english_page_speaks_english_around_the_data(app_client: Any, world: World) -> None:
    ref = case_in_review(world)
    client = app_client()
    login(client, headers=ENGLISH)
    page = client.get(f"/officer/cases/{ref}", headers=ENGLISH).text
    text = shown(review_section(page))
    for words in (
        "Loans",
        "Damage note",
        "applies to 3 identical items",
        "pupil",
        "the data subject's own record",
        "reached through Loans (record 17)",
        "a known person's first name, on its own",
        "if redacted",
        "if disclosed",
    ):
        assert words in text, words
    assert german_left_in(page) == []


def test_the_json_api_has_the_same_data_and_the_schema_describes_it(app_client: Any, world: World) -> None:
    ref = case_in_review(world)
    client = app_client()
    r = client.post("/api/officer/login", json={"username": "officer", "password": PASSWORD})
    assert r.status_code == 200
    review = client.get(f"/api/officer/cases/{ref}/review")
    assert review.status_code == 200
    entries = review.json()
    assert entries == client.get(f"/api/officer/cases/{ref}").json()["review"]
    lena = [e for e in entries if e["text"] == CLASSMATE]
    assert len(lena) == 3 and {e["covers"] for e in lena} == {3}
    first = lena[0]
    assert first["sentence"] == {
        "before": "",
        "after": " hat es ausgeliehen.",
        "redacted": "[Name entfernt] hat es ausgeliehen.",
        "kept": "Lena hat es ausgeliehen.",
    }
    assert first["own_record"] is True and first["role"] == "student" and first["record"] == "17"
    assert first["place"]["collection_title"] == {"de": "Ausleihen", "en": "Loans"}
    assert first["place"]["field_label"] == {"de": "Schadensnotiz", "en": "Damage note"}
    [schulz] = [e for e in entries if e["text"] == "Schulz"]
    assert schulz["own_record"] is False and schulz["place"]["via_record"] == "17"

    schema = client.get("/api/schema/openapi.json").json()
    assert "get" in schema["paths"]["/api/officer/cases/{ref}/review"]
    entry = schema["components"]["schemas"]["ReviewEntry"]["properties"]
    assert {"text", "sentence", "covers", "own_record", "place", "role", "decided_at", "decided_by"} <= set(entry)


def test_a_case_gathered_before_the_review_sheet_shows_the_item_masked_once_explained(
    app_client: Any, world: World
) -> None:
    ref = case_in_review(world, with_sheet=False)
    client = app_client()
    login(client)
    review = review_section(client.get(f"/officer/cases/{ref}", headers=GERMAN).text)
    assert "<mark>" not in review and len(re.findall(r"<blockquote>[^<]*\[\[\?\]\][^<]*</blockquote>", review)) == 4
    assert shown(review).count("bevor es die Prüfliste gab") == 1
    assert "gilt für 3 gleiche Stellen" in shown(review) and "Ausleihen" in shown(review)
