"""What the officer decides on: review entries read from a real SQLite case file.

The officer sees the flagged text in its sentence, where it is in the mapping's words, whose record
it is, who it may be, how many identical items one decision covers, and the sentence as it prints
either way; the working paper ``review.json`` beside the letter holds no third-party text.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from dsr import casefile
from dsr.casefile.documents import attach_document, latest_document_id, read_document
from dsr.service import casework
from tests.officer_world import SCHOOL, World
from tests.service.review_case import CLASSMATE, case_in_review


def by_text(entries: list[casework.ReviewEntry], text: str) -> list[casework.ReviewEntry]:
    return [e for e in entries if e.text == text]


def test_each_entry_shows_the_word_in_its_sentence_and_the_sentence_as_printed_either_way(world: World) -> None:
    ref = case_in_review(world)
    entries = casework.review_entries(world.engine, world.officer, ref)

    lena = by_text(entries, CLASSMATE)
    assert len(lena) == 3 and all(e.covers == 3 for e in lena)  # "gilt für 3 gleiche Stellen"
    first = lena[0]
    assert first.sentence is not None
    assert first.sentence.before + CLASSMATE + first.sentence.after == "Lena hat es ausgeliehen."
    assert first.sentence.redacted == "[Name entfernt] hat es ausgeliehen."
    assert first.sentence.kept == "Lena hat es ausgeliehen."
    # an identical item in the same sentence follows the decision: one decision covers both
    last = lena[2]
    assert last.sentence is not None
    assert last.sentence.redacted == "[Name entfernt] zahlt, sagt [Name entfernt]."
    assert last.sentence.kept == "Lena zahlt, sagt Lena."
    assert first.place.collection_title == {"de": "Ausleihen", "en": "Loans"}
    assert first.place.field_label["de"] == "Schadensnotiz" and first.record == "17"
    assert first.own_record and first.role == "student" and first.rule == "known-first-name"


def test_a_record_reached_through_a_relation_is_not_the_subjects_own(world: World) -> None:
    ref = case_in_review(world)
    [schulz] = by_text(casework.review_entries(world.engine, world.officer, ref), "Schulz")
    assert not schulz.own_record and schulz.covers == 1 and schulz.role is None
    assert schulz.place.relation == "loan 17" and schulz.place.via_record == "17"
    assert schulz.place.via_collection_title["de"] == "Ausleihen"
    assert schulz.place.collection_title["de"] == "Medien der Bibliothek"
    assert schulz.sentence is not None and schulz.sentence.redacted.startswith("Zuletzt bei Frau [Name entfernt]")


def test_one_decision_covers_the_group_and_says_who_decided_when(world: World) -> None:
    ref = case_in_review(world)
    entries = casework.review_entries(world.engine, world.officer, ref)
    first = by_text(entries, CLASSMATE)[0]
    before = dt.datetime.now(dt.UTC)

    assert casework.decide_items(world.engine, world.officer, ref, first.id, "disclose", "known-to-subject") == 3

    after = casework.review_entries(world.engine, world.officer, ref)
    decided = [e for e in after if e.decision is not None]
    assert {e.text for e in decided} == {CLASSMATE} and len(decided) == 3
    assert all(e.decided_by == "officer" and e.reason == "known-to-subject" for e in decided)
    at = decided[0].decided_at
    assert at is not None and before - dt.timedelta(seconds=5) <= at.replace(tzinfo=at.tzinfo or dt.UTC)
    [schulz] = by_text(after, "Schulz")
    assert schulz.decision is None and schulz.decided_at is None and schulz.decided_by is None


def test_the_working_paper_beside_the_letter_holds_no_third_party_text(world: World) -> None:
    ref = case_in_review(world)
    doc = latest_document_id(world.engine, world.officer, ref, "review")
    assert doc is not None
    content = read_document(world.engine, world.officer, ref, doc)[1].decode()
    assert CLASSMATE not in content and "Schulz" not in content
    items = msgspec.json.decode(content)["items"]
    assert {i["covers"] for i in items} == {3, 1}
    assert all("[[?]]" in i["context"] for i in items)
    assert "[Name entfernt] hat es ausgeliehen." in {i["printed_if_redacted"] for i in items}
    assert items[0]["place"]["collection_title"]["de"] == "Ausleihen"


def test_a_case_gathered_before_the_review_sheet_shows_the_item_masked(world: World) -> None:
    ref = case_in_review(world, with_sheet=False)
    entries = casework.review_entries(world.engine, world.officer, ref)
    assert len(entries) == 4 and all(e.text is None and e.sentence is None for e in entries)
    assert all("[[?]]" in e.context for e in entries)
    assert sorted(e.covers for e in entries) == [1, 3, 3, 3]
    assert {e.place.collection_title["de"] for e in entries} == {"Ausleihen", "Medien der Bibliothek"}


def test_a_sheet_of_an_earlier_gathering_is_not_shown_for_a_later_review(world: World) -> None:
    ref = case_in_review(world)
    doc = latest_document_id(world.engine, world.officer, ref, "review")
    assert doc is not None
    later = read_document(world.engine, world.officer, ref, doc)[1]
    attach_document(
        world.engine,
        ref,
        "review",
        casefile.Document(filename="review.json", media_type="application/json", content=later),
    )
    assert all(e.text is None for e in casework.review_entries(world.engine, world.officer, ref))


def test_reading_the_review_is_audited_and_needs_membership(world: World) -> None:
    ref = case_in_review(world)
    casework.review_entries(world.engine, world.officer, ref)
    events = [e for e in casefile.history(world.engine, ref) if e.action == "gathered data viewed"]
    assert any("review_sheet" in str(e.detail) for e in events)
    with pytest.raises(casefile.NotFound):
        casework.review_entries(world.engine, world.vendor_officer, ref)


@pytest.mark.slow
def test_the_gather_job_stores_the_review_sheet_for_the_officer(world: World) -> None:
    from tests.portal.officer_cases import confirmed_case

    ref = confirmed_case(world, verified=False)
    casefile.start_gathering(world.engine, world.officer, ref, casework.store_names(world.settings, SCHOOL))
    world.run_jobs()
    entries = casework.review_entries(world.engine, world.officer, ref)
    assert entries and all(e.text and e.sentence for e in entries)
    assert all(e.text in e.sentence.kept for e in entries if e.sentence and e.text)
