"""Rectification, objection and portability carried through to the letter, over HTTP (TestClient,
the SQLite stores of a demo of its own — the rights change them): the next-step panel names each
step, the Art. 19 notices are opened and closed, and the prepared letter's text (read back out of
the PDF) says what a person would check: the corrected field and its new value, the decision and
its reasons, the refusal's reason. The oracles are SQL on the school's store and the PDF's text.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from typing import Any

import jsonschema
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.documents import list_documents, read_document
from tests.officer_world import World, page_csrf
from tests.portal.test_erasure_officer import (  # noqa: F401 - the fixtures
    client_for,
    do,
    erasure_case,
    erasure_world,
    flash,
    lend,
    pdf_text,
    school_db,
)

NEW_MAIL = "neue.adresse@example.org"


def step(client: Any, ref: str) -> str:
    found = re.search(r'id="next-step" data-step="([^"]+)"', client.get(f"/officer/cases/{ref}").text)
    assert found
    return found.group(1)


def answer_text(w: World, ref: str) -> str:
    [doc] = [d for d in list_documents(w.engine, w.officer, ref) if d.kind == "answer"]
    _, content = read_document(w.engine, w.officer, ref, doc.id, audited=False)
    return pdf_text(content)


def test_a_rectification_is_applied_told_to_the_recipients_and_confirmed(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    w = erasure_world
    teacher = w.demo.featured("gym-regensburg", "teacher_guardian_contact")
    ref = erasure_case(w, (casefile.RequestType.RECTIFICATION,))
    officer = client_for("approver")
    assert step(officer, ref) == "rights.rectify"

    page = officer.get(f"/officer/cases/{ref}").text
    form = re.search(r'<tr[^>]*data-column="email".*?name="(target-\d+)" value="([^"]+)"', page, re.S)
    assert form, "no e-mail row in the correctable fields"
    number = form.group(1).removeprefix("target-")
    done = officer.post(
        f"/officer/cases/{ref}/rights/rectify",
        data={"_csrf": page_csrf(page), form.group(1): form.group(2), f"value-{number}": NEW_MAIL, "verified": "yes"},
    )
    assert done.status_code == 200 and "Die Berichtigung ist festgehalten." in done.text
    with sqlite3.connect(school_db(w)) as conn:
        [(stored,)] = conn.execute("SELECT email FROM person WHERE id = ?", (teacher.person_id,)).fetchall()
    assert stored == NEW_MAIL

    # Art. 19: the processor running James received the account data: one task, open
    assert step(officer, ref) == "rights.tasks"
    tasks = re.findall(r'<tr id="task-(\d+)" data-state="open"><td>([^<]+)', officer.get(f"/officer/cases/{ref}").text)
    assert tasks and any("DS-Software-Lösungen GmbH" in name for _, name in tasks)
    refused = do(officer, ref, "rights-letter", kind="rectification")
    assert "Mitteilung" in flash(refused) or "Empfänger" in flash(refused)
    for task, _ in tasks:
        do(officer, ref, "rights-task", task=task, outcome="done")
    assert step(officer, ref) == "rights.letter"

    do(officer, ref, "rights-letter", kind="rectification")
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.PREPARED
    text = answer_text(w, ref)
    assert f"E-Mail: {NEW_MAIL}" in text or f"E-Mail-Adresse: {NEW_MAIL}" in text, text
    assert "Bestätigung der Berichtigung" in text and "Art. 16 DSGVO" in text
    assert "DS-Software-Lösungen GmbH" in text and "Art. 19 DSGVO" in text
    assert teacher.email and teacher.email not in text  # the old value is the case file's only


def test_objections_upheld_and_rejected_through_the_api_reach_their_letters(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    from tests.officer_world import api_login

    w = erasure_world
    teacher = w.demo.featured("gym-regensburg", "teacher_guardian_contact")
    assert teacher.person_id is not None
    lend(w, teacher.person_id, returned=2)
    with sqlite3.connect(school_db(w)) as conn:
        conn.execute("UPDATE person SET keep_loan_history = 1 WHERE id = ?", (teacher.person_id,))
    upheld_ref = erasure_case(w, (casefile.RequestType.OBJECTION,))
    client = client_for("approver")
    token = api_login(client, "approver")

    def post(ref: str, path: str, body: dict[str, Any]) -> Any:
        return client.post(f"/api/officer/cases/{ref}/rights/{path}", json=body, headers={"x-csrf-token": token})

    assert step(client, upheld_ref) == "rights.objection"
    reasons = "Die Ausleihhistorie beruht auf Einwilligung; der Widerspruch ist ein Widerruf."
    decided = post(upheld_ref, "objection", {"processing": "loan_history", "decision": "upheld", "reasons": reasons})
    assert decided.status_code == 200, decided.text
    with sqlite3.connect(school_db(w)) as conn:
        returned = conn.execute(
            "SELECT COUNT(*) FROM loan WHERE person_id = ? AND returned_at IS NOT NULL", (teacher.person_id,)
        ).fetchone()[0]
        keep = conn.execute("SELECT keep_loan_history FROM person WHERE id = ?", (teacher.person_id,)).fetchone()[0]
    assert returned == 0 and not keep
    state = client.get(f"/api/officer/cases/{upheld_ref}/rights").json()
    assert state["objections"][0]["decision"] == "upheld" and state["notices"]
    early = post(upheld_ref, "letter", {"kind": "objection"})
    assert early.status_code == 409 and early.json()["code"] == "art19_open"
    for n in state["notices"]:
        closed = post(upheld_ref, "task", {"task": n["id"], "outcome": "impossible", "note": "Vertrag beendet"})
        assert closed.status_code == 200, closed.text
    letter = post(upheld_ref, "letter", {"kind": "objection"})
    assert letter.status_code == 200, letter.text
    text = pdf_text(client.get(f"/api/officer/cases/{upheld_ref}/documents/{letter.json()['document']}").content)
    assert "Wir geben Ihrem Widerspruch statt" in text and "Aufbewahrung des Ausleihverlaufs" in text
    assert reasons in text and "zurückgegebene Ausleihe(n)" in text and "Vertrag beendet" in text

    rejected_ref = erasure_case(w, (casefile.RequestType.OBJECTION,))
    grounds = "Die Daten werden zur Verteidigung gegen eine anhängige Schadensersatzforderung benötigt."
    assert (
        post(
            rejected_ref, "objection", {"processing": "library-accounts", "decision": "rejected", "reasons": grounds}
        ).status_code
        == 200
    )
    letter = post(rejected_ref, "letter", {"kind": "objection"})
    assert letter.status_code == 200, letter.text
    text = pdf_text(client.get(f"/api/officer/cases/{rejected_ref}/documents/{letter.json()['document']}").content)
    assert "Wir weisen Ihren Widerspruch zurück" in text and grounds in text
    assert "Leserkonten der Schulbibliothek" in text and "Art. 77" in text and "Art. 21 Abs. 1 Satz 2" in text


def test_portability_follows_the_access_answer_as_a_letter_carrying_the_file(
    erasure_world: World,  # noqa: F811 - the fixture
    client_for: Any,  # noqa: F811 - the fixture
) -> None:
    from tests.officer_world import api_login

    w = erasure_world
    teacher = w.demo.featured("gym-regensburg", "teacher_guardian_contact")
    with sqlite3.connect(school_db(w)) as conn:  # a review: kept by consent, so it is portable
        item = conn.execute("SELECT id FROM item ORDER BY id LIMIT 1").fetchone()[0]
        conn.execute(
            "INSERT INTO review (item_id, person_id, rating, text, created_at, visible)"
            " VALUES (?, ?, 4, 'Spannend bis zuletzt', '2026-10-01 10:00:00', 1)",
            (item, teacher.person_id),
        )
    ref = erasure_case(w, (casefile.RequestType.COPY,))
    approver, second = client_for("approver"), client_for("second")
    tokens = {c: api_login(c, name) for c, name in ((approver, "approver"), (second, "second"))}

    def post(client: Any, path: str, body: dict[str, Any] | None = None) -> Any:
        return client.post(
            f"/api/officer/cases/{ref}/{path}", json=body or {}, headers={"x-csrf-token": tokens[client]}
        )

    assert step(approver, ref) == "rights.portability"
    made = post(approver, "rights/portability")
    assert made.status_code == 200, made.text
    early = post(approver, "rights/letter", {"kind": "portability"})
    assert early.status_code == 409 and early.json()["code"] == "rights_access_first"
    assert step(approver, ref) == "prepare"  # the access answer goes first

    prepared = post(approver, "prepare")
    assert prepared.status_code == 200, prepared.text
    answer = [d for d in list_documents(w.engine, w.officer, ref) if d.kind == "answer"][-1]
    second.get(f"/api/officer/cases/{ref}/documents/{answer.id}")
    assert post(second, "approve").status_code == 200
    assert post(approver, "dispatch-post", {}).status_code == 200
    assert step(approver, ref) == "rights.letter"

    letter = post(approver, "rights/letter", {"kind": "portability"})
    assert letter.status_code == 200, letter.text
    pdf = approver.get(f"/api/officer/cases/{ref}/documents/{letter.json()['document']}").content
    text = pdf_text(pdf)
    assert "Datenübertragbarkeit" in text
    assert "Art. 20 Abs. 3 Satz 2 DSGVO" in text  # the school's public task is refused, with its reason
    assert made.json()["document"] is not None
    if made.json()["document"] is not None:
        files = PdfReader(io.BytesIO(pdf)).attachments
        assert {"data.json", "schema.json"} <= set(files)
        data = json.loads(files["data.json"][0])
        jsonschema.validate(data, json.loads(files["schema.json"][0]))
        assert [c["records"] for c in data["collections"]] == [
            [{"rating": 4, "created_at": "2026-10-01T10:00:00", "visible": True}]
        ]
        assert "Spannend" not in files["data.json"][0].decode()  # free text may speak of others (Art. 20(4))
        assert "Rezensionen" in text and "data.json" in text
        zipped = approver.get(f"/api/officer/cases/{ref}/rights/portability.zip")
        assert zipped.status_code == 200 and zipped.content[:2] == b"PK"
    assert step(approver, ref) == "erasure.confirm_approve"
