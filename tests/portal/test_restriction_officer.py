"""A restriction at the person's request (Art. 18 GDPR) and a request for access *and* erasure,
worked on the officer's case page over HTTP (TestClient, real SQLite stores of a demo of its own).

Restriction: the plan with its ground in words, four eyes, execution that changes no row of the
store (a full dump before and after), the confirmation letter's text (what is restricted, the
ground, "we tell you before lifting it"), and lifting refused until the day the person was told is
recorded. Access and erasure: the access answer goes out first, from the data as they were; only
then is the erasure planned; its confirmation is a second letter with its own approval and dispatch,
and the access answer sent stays what it was.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

import pytest

from dsr import casefile
from dsr.casefile.documents import list_documents, read_document
from dsr.service import erasure as service
from tests.officer_world import SCHOOL, World
from tests.portal.test_erasure_officer import (  # noqa: F401 - the fixtures
    ENGLISH,
    GERMAN,
    client_for,
    do,
    erasure_case,
    erasure_world,
    flash,
    lend,
    pdf_text,
    school_db,
    section,
)
from tests.portal.test_officer_workspace import code_values, raw_codes


def table_dump(w: World) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the school's store, in order."""
    with sqlite3.connect(school_db(w)) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names}


def close_tasks(client: Any, ref: str, page: str) -> str:
    for task in re.findall(r'<tr id="task-(\d+)" data-state="open"', page):
        page = do(client, ref, "erasure-task", task=task, outcome="done")
        assert flash(page) == "Die Mitteilung ist festgehalten."
    return page


def test_a_restriction_goes_from_plan_to_letter_and_is_lifted_once_the_person_was_told(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    w = erasure_world
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    assert teacher.person_id is not None
    lend(w, teacher.person_id)
    with sqlite3.connect(school_db(w)) as conn:
        loans = conn.execute("SELECT count(*) FROM loan WHERE person_id = ?", (teacher.person_id,)).fetchone()[0]
    ref = erasure_case(w, (casefile.RequestType.RESTRICTION,))
    officer, approver, second = client_for("officer"), client_for("approver"), client_for("second")

    page = do(officer, ref, "erasure-plan")  # a restriction has no erasure plan
    assert "Grund" in flash(page)
    page = approver.get(f"/officer/cases/{ref}").text
    assert 'data-step="erasure.restriction_plan"' in page and 'id="restriction-make-plan"' in page
    assert "Einschränkungsplan erstellen" in page and "a) Richtigkeit bestritten" in page
    page = do(approver, ref, "restriction-plan", ground="accuracy")
    assert flash(page) == "Der Einschränkungsplan ist erstellt und wartet auf Freigabe."
    assert set(re.findall(r'<tr data-outcome="([a-z]+)"', page)) == {"restrict"}
    shown = section(page)
    assert "Einschränkung auf Verlangen" in shown and "bis zur Aufhebung" in shown
    assert "gesperrt, später gelöscht" not in shown  # nothing is erased later

    before = table_dump(w)
    page = do(approver, ref, "erasure-approve")
    assert "Vier-Augen" in flash(page), flash(page)
    page = do(second, ref, "erasure-approve")
    assert flash(page) == "Der Löschplan ist freigegeben."
    page = do(officer, ref, "erasure-execute")
    assert flash(page) == "Der Plan ist ausgeführt.", flash(page)
    assert table_dump(w) == before  # restricted on dsr's list: not one row changed
    case = casefile.get_case(w.engine, w.officer, ref)
    listed = service.restricted(w.engine, SCHOOL)
    assert sum(1 for t in listed if t.collection == "loan") == loans and case.state is casefile.CaseState.REVIEW

    page = close_tasks(officer, ref, page)
    assert 'data-step="erasure.letter"' in page
    page = do(officer, ref, "erasure-letter")
    assert flash(page) == "Die Bestätigung ist erstellt und wartet auf Freigabe.", flash(page)
    answer = [d for d in list_documents(w.engine, w.officer, ref) if d.kind == "answer"][-1]
    letter = pdf_text(read_document(w.engine, w.officer, ref, answer.id)[1])
    assert "Bestätigung der Einschränkung" in letter
    assert f"Ausleihen: {loans} Einträge" in letter, letter
    assert "Die Richtigkeit der Daten ist bestritten" in letter and "Art. 18 Abs. 1 lit. a DSGVO" in letter
    assert "Bevor wir die Einschränkung aufheben, teilen wir Ihnen das mit (Art. 18 Abs. 3 DSGVO)" in letter

    # lifting: refused until the day the person was told is recorded
    page = unescape_get(officer, ref)
    assert 'id="restriction-lift"' in page
    page = do(officer, ref, "restriction-lift")
    assert "unterrichten" in flash(page) and service.restricted(w.engine, SCHOOL) == listed
    today = dt.datetime.now(w.settings.zone).date()
    page = do(officer, ref, "restriction-lift", informed_on=today.isoformat(), note="Brief vom heutigen Tag")
    assert flash(page) == "Die Einschränkung ist aufgehoben."
    assert service.restricted(w.engine, SCHOOL) == [] and 'id="restriction-lifted"' in page
    assert table_dump(w) == before

    # no raw code on the page, in either language
    codes = code_values(w) | {"restrict", "request", "accuracy", "done", "open"}
    for language, headers in (("de", GERMAN), ("en", ENGLISH)):
        html = officer.get(f"/officer/cases/{ref}", headers=headers).text.replace(str(teacher.email), "")
        assert raw_codes(html, codes, language) == [], (language, raw_codes(html, codes, language))


def unescape_get(client: Any, ref: str) -> str:
    from html import unescape

    return unescape(client.get(f"/officer/cases/{ref}").text)


def test_access_and_erasure_the_access_answer_goes_out_first(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    w = erasure_world
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    assert teacher.person_id is not None
    lend(w, teacher.person_id, returned=2)
    ref = erasure_case(w, (casefile.RequestType.ACCESS, casefile.RequestType.ERASURE))
    officer, approver, second = client_for("officer"), client_for("approver"), client_for("second")

    page = unescape_get(officer, ref)
    assert 'data-stage="access_first"' in page and "Zuerst geht die Auskunft hinaus" in page
    assert 'data-step="prepare"' in page and 'id="prepare"' in page
    refused = do(officer, ref, "erasure-plan")
    assert "Zuerst geht die Auskunft hinaus" in flash(refused)
    assert casefile.erasure.plans_of_case(w.engine, w.officer, ref) == []

    # the access answer: prepared, approved (opened first), mailed — from the data as they are
    page = do(officer, ref, "prepare")
    page = unescape_get(approver, ref)
    approver.get(re.search(r'href="([^"]+)" id="final-letter"', page).group(1))  # type: ignore[union-attr]
    page = do(approver, ref, "approve")
    assert flash(page) == "Die Antwort ist freigegeben.", flash(page)
    page = do(officer, ref, "dispatch-post", mailed_on=dt.datetime.now(w.settings.zone).date().isoformat())
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.DISPATCHED
    (access,) = [d for d in list_documents(w.engine, w.officer, ref) if d.kind == "answer"]
    sent = read_document(w.engine, w.officer, ref, access.id, audited=False)[1]
    assert "Ausleihe" in pdf_text(sent)

    # then the erasure: the next step names it
    assert 'data-step="erasure.plan"' in page, re.findall(r'data-step="[^"]+"', page)
    page = do(approver, ref, "erasure-plan")
    assert flash(page) == "Der Löschplan ist erstellt und wartet auf Freigabe."
    page = do(second, ref, "erasure-approve")
    page = do(officer, ref, "erasure-execute")
    assert flash(page) == "Der Plan ist ausgeführt.", flash(page)
    page = close_tasks(officer, ref, page)
    page = do(officer, ref, "erasure-letter")
    assert flash(page) == "Die Bestätigung ist erstellt und wartet auf Freigabe.", flash(page)

    # a second letter of its own kind; the access answer sent is untouched, the case still dispatched
    docs = list_documents(w.engine, w.officer, ref)
    assert [d.id for d in docs if d.kind == "answer"] == [access.id]
    assert read_document(w.engine, w.officer, ref, access.id, audited=False)[1] == sent
    (confirmation,) = [d for d in docs if d.kind == "confirmation"]
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.DISPATCHED
    assert "Bestätigung der Löschung" in pdf_text(read_document(w.engine, w.officer, ref, confirmation.id)[1])
    assert 'data-step="erasure.confirm_await"' in page  # the officer prepared it: not theirs to approve

    # its own four eyes: refused unopened, then approved; then its own dispatch
    page = do(second, ref, "erasure-letter-approve")
    assert "öffnen" in flash(page) or "open" in flash(page), flash(page)
    page = unescape_get(second, ref)
    assert 'data-step="erasure.confirm_open"' in page
    second.get(re.search(r'href="([^"]+)" id="erasure-letter-doc"', page).group(1))  # type: ignore[union-attr]
    page = do(second, ref, "erasure-letter-approve")
    assert flash(page) == "Die Bestätigung ist freigegeben.", flash(page)
    assert 'data-step="erasure.confirm_dispatch"' in page
    page = do(officer, ref, "erasure-letter-post", mailed_on=dt.datetime.now(w.settings.zone).date().isoformat())
    assert flash(page) == "Der Versand der Bestätigung ist festgehalten."
    assert 'id="erasure-letter-sent"' in page and 'data-step="close"' in page

    state = approver.get(f"/api/officer/cases/{ref}/erasure").json()
    assert state["stage"] == "done" and state["letter"]["document"] == confirmation.id


def test_the_api_plans_a_restriction_and_refuses_to_lift_untold(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    from tests.officer_world import api_login

    w = erasure_world
    ref = erasure_case(w, (casefile.RequestType.RESTRICTION,))
    approver, second = client_for("approver"), client_for("second")
    tokens = {c: api_login(c, name) for c, name in ((approver, "approver"), (second, "second"))}

    def post(client: Any, path: str, body: dict[str, Any] | None = None) -> Any:
        return client.post(
            f"/api/officer/cases/{ref}/erasure/{path}", json=body or {}, headers={"x-csrf-token": tokens[client]}
        )

    past = post(approver, "restriction-plan", {"ground": "objection", "until": "2020-01-01"})
    assert past.status_code in (400, 409, 422) and past.json()["code"] == "restriction_until_past"
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    made = post(approver, "restriction-plan", {"ground": "objection", "until": until})
    assert made.status_code == 200, made.text
    state = approver.get(f"/api/officer/cases/{ref}/erasure").json()
    assert state["plan"]["kind"] == "restriction" and state["plan"]["ground"] == "objection"
    assert {h["until"] for a in state["plan"]["actions"] for h in a["holds"]} == {until}
    assert post(second, "approve", {"plan": made.json()["plan"]}).status_code == 200
    assert post(approver, "execute", {"plan": made.json()["plan"]}).status_code == 200
    refused = post(approver, "lift", {})
    assert refused.status_code == 409 and refused.json()["code"] == "restriction_not_told"
    assert service.restricted(w.engine, SCHOOL)
    lifted = post(approver, "lift", {"informed_on": dt.datetime.now(w.settings.zone).date().isoformat()})
    assert lifted.status_code == 200 and lifted.json()["lifted"] > 0
    assert service.restricted(w.engine, SCHOOL) == []


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
