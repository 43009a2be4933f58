"""Lifting a restriction at the person's request only after telling them (Art. 18(3) GDPR), on the
officer's case page over HTTP (TestClient, real SQLite stores of a demo of its own).

Once the restriction's confirmation went out, "Aufhebung ankündigen" prepares the lift notice: its
PDF (read with pdftotext) names what is restricted, the day it is lifted from, the ground that ended
and the rights. Lifting is refused until that letter went out; the notice has its own four eyes
(the preparer cannot approve it) and its own dispatch; after it the lift works without a typed day
— the day it was mailed is recorded as the day the person was told — and the restriction list no
longer holds the person's records. The JSON API does the same.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from typing import Any

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import list_documents, read_document
from dsr.casefile.schema import events
from dsr.service import erasure as service
from tests.officer_world import SCHOOL, World
from tests.pipeline.compose.test_young_readers import pdftotext
from tests.portal.test_erasure_officer import (  # noqa: F401 - the fixtures
    ENGLISH,
    GERMAN,
    client_for,
    do,
    erasure_case,
    erasure_world,
    flash,
    lend,
    school_db,
)
from tests.portal.test_officer_workspace import code_values, raw_codes
from tests.portal.test_restriction_officer import close_tasks, table_dump, unescape_get


def restricted_and_confirmed(w: World, officer: Any, approver: Any, second: Any) -> str:
    """A restriction (ground: accuracy) planned, approved, executed, confirmed and the confirmation
    mailed: the case is dispatched, the restriction in force."""
    ref = erasure_case(w, (casefile.RequestType.RESTRICTION,))
    do(approver, ref, "restriction-plan", ground="accuracy")
    do(second, ref, "erasure-approve")
    page = do(officer, ref, "erasure-execute")
    close_tasks(officer, ref, page)
    do(officer, ref, "erasure-letter")
    page = unescape_get(approver, ref)
    approver.get(re.search(r'href="([^"]+)" id="final-letter"', page).group(1))  # type: ignore[union-attr]
    assert flash(do(approver, ref, "approve")) == "Die Antwort ist freigegeben."
    do(officer, ref, "dispatch-post", mailed_on=dt.datetime.now(w.settings.zone).date().isoformat())
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.DISPATCHED
    return ref


def lift_details(w: World) -> list[dict[str, Any]]:
    with w.engine.connect() as conn:
        rows = conn.execute(sa.select(events.c.action, events.c.detail)).all()
    return [json.loads(r.detail) for r in rows if r.action == "restriction lifted"]


def test_the_lift_is_announced_by_letter_and_allowed_once_it_went_out(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    w = erasure_world
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    assert teacher.person_id is not None
    lend(w, teacher.person_id)
    with sqlite3.connect(school_db(w)) as conn:
        loans = conn.execute("SELECT count(*) FROM loan WHERE person_id = ?", (teacher.person_id,)).fetchone()[0]
    officer, approver, second = client_for("officer"), client_for("approver"), client_for("second")
    ref = restricted_and_confirmed(w, officer, approver, second)
    listed = service.restricted(w.engine, SCHOOL)
    assert sum(1 for t in listed if t.collection == "loan") == loans
    before = table_dump(w)

    # without a letter and without a day: refused, with what to do
    page = unescape_get(officer, ref)
    assert 'id="lift-notice"' in page and "Aufhebung ankündigen" in page
    page = do(officer, ref, "restriction-lift")
    assert "Aufhebung mit einem Brief ankündigen" in flash(page) and service.restricted(w.engine, SCHOOL) == listed

    # the letter: the restriction, the day, the ground that ended, the rights
    today = dt.datetime.now(w.settings.zone).date()
    page = do(approver, ref, "lift-notice", lift_on=today.isoformat(), reasons="Der Schulträger hat sie geprüft.")
    assert flash(page) == "Die Ankündigung der Aufhebung ist erstellt und wartet auf Freigabe.", flash(page)
    assert 'data-step="erasure.lift_notice_await"' in page  # the preparer does not approve it
    (notice,) = [d for d in list_documents(w.engine, w.officer, ref) if d.kind == "lift_notice"]
    text = pdftotext(read_document(w.engine, w.officer, ref, notice.id, audited=False)[1])
    assert "Ankündigung der Aufhebung der Einschränkung" in text
    assert f"Wir heben die Einschränkung ab dem {today.strftime('%d.%m.%Y')} auf" in text, text
    assert f"Ausleihen: {loans} Einträge" in text
    assert "Die Richtigkeit der Daten ist überprüft." in text
    assert "Die Einschränkung beruhte auf Art. 18 Abs. 1 lit. a DSGVO; dieser Grund ist entfallen." in text
    assert "Der Schulträger hat sie geprüft." in text
    assert "Art. 18 Abs. 3 DSGVO" in text and "Widerspruchsrecht (Art. 21 DSGVO)" in text
    assert "Beschwerderecht" in text and "Art. 77 DSGVO" in text

    # lifting before the letter went out: refused, nothing lifted
    page = do(officer, ref, "restriction-lift")
    assert "Die Ankündigung der Aufhebung ist noch nicht versandt" in flash(page), flash(page)
    assert service.restricted(w.engine, SCHOOL) == listed

    # four eyes: not the preparer; then opened and approved by a second person, then mailed
    page = do(approver, ref, "lift-notice-approve")
    assert "Vier-Augen-Prinzip" in flash(page), flash(page)
    page = unescape_get(second, ref)
    assert 'data-step="erasure.lift_notice_open"' in page
    second.get(re.search(r'href="([^"]+)" id="lift-notice-doc"', page).group(1))  # type: ignore[union-attr]
    page = do(second, ref, "lift-notice-approve")
    assert flash(page) == "Die Ankündigung der Aufhebung ist freigegeben.", flash(page)
    assert 'data-step="erasure.lift_notice_dispatch"' in page
    page = do(officer, ref, "lift-notice-post", mailed_on=today.isoformat())
    assert flash(page) == "Der Versand der Ankündigung ist festgehalten."
    assert 'id="lift-notice-sent"' in page and 'id="restriction-lift-letter"' in page
    assert service.restricted(w.engine, SCHOOL) == listed  # telling lifts nothing by itself

    page = do(officer, ref, "restriction-lift")
    assert flash(page) == "Die Einschränkung ist aufgehoben.", flash(page)
    assert service.restricted(w.engine, SCHOOL) == [] and 'id="restriction-lifted"' in page
    assert table_dump(w) == before  # the list, not the store, held the records
    details = lift_details(w)
    assert len(details) == len(listed)
    assert {(d["informed_on"], d["informed_how"]) for d in details} == {(today.isoformat(), "letter")}

    codes = code_values(w) | {"restrict", "request", "accuracy", "done", "open", "letter", "lift_notice"}
    for language, headers in (("de", GERMAN), ("en", ENGLISH)):
        html = officer.get(f"/officer/cases/{ref}", headers=headers).text.replace(str(teacher.email), "")
        assert raw_codes(html, codes, language) == [], (language, raw_codes(html, codes, language))


def test_told_in_person_the_typed_day_is_recorded_as_such(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    w = erasure_world
    officer, approver, second = client_for("officer"), client_for("approver"), client_for("second")
    ref = restricted_and_confirmed(w, officer, approver, second)
    today = dt.datetime.now(w.settings.zone).date()
    page = do(officer, ref, "restriction-lift", informed_on=today.isoformat(), told="in_person", note="im Büro")
    assert flash(page) == "Die Einschränkung ist aufgehoben."
    assert service.restricted(w.engine, SCHOOL) == []
    assert {(d["informed_on"], d["informed_how"]) for d in lift_details(w)} == {(today.isoformat(), "in_person")}


def test_the_api_announces_the_lift_and_refuses_to_lift_before_it_went_out(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    from tests.officer_world import api_login

    w = erasure_world
    officer, approver, second = client_for("officer"), client_for("approver"), client_for("second")
    ref = restricted_and_confirmed(w, officer, approver, second)
    today = dt.datetime.now(w.settings.zone).date().isoformat()
    api = {"x-csrf-token": api_login(approver, "approver")}
    base = f"/api/officer/cases/{ref}/erasure"
    r = approver.post(f"{base}/lift-notice", json={"lift_on": "2020-01-01"}, headers=api)
    assert r.status_code in (400, 422) and r.json()["code"] == "lift_on_past", r.json()
    r = approver.post(f"{base}/lift-notice", json={"lift_on": today}, headers=api)
    assert r.status_code == 200, r.json()
    document = r.json()["document"]
    r = approver.post(f"{base}/lift", json={}, headers=api)
    assert r.status_code == 409 and r.json()["code"] == "lift_notice_not_sent"
    r = approver.post(f"{base}/lift-notice/approve", headers=api)
    assert r.status_code == 409 and r.json()["code"] == "lift_notice_four_eyes"
    other = {"x-csrf-token": api_login(second, "second")}
    assert second.get(f"/api/officer/cases/{ref}/documents/{document}", headers=other).status_code == 200
    assert second.post(f"{base}/lift-notice/approve", headers=other).status_code == 200
    assert approver.post(f"{base}/lift-notice/post", json={"mailed_on": today}, headers=api).status_code == 200
    r = approver.post(f"{base}/lift", json={}, headers=api)
    assert r.status_code == 200 and r.json()["lifted"] > 0, r.json()
    assert service.restricted(w.engine, SCHOOL) == []
