"""An erasure request worked on the officer's case page over HTTP (TestClient, real SQLite stores of
a demo of its own — execution changes them): the plan with a record held by an open loan, a
legal-claim hold, four eyes on the plan (the proposer is shown why not, and refused), execution,
the Art. 19 notices closed, and the confirmation letter prepared as the case's answer — its text
says what was erased (counted in the store before), what was kept, why and until when, and whom we
told. The JSON API does the same steps."""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.documents import list_documents, read_document
from dsr.demo import generate
from dsr.model import Descriptor
from dsr.pipeline.redact import REASONS
from dsr.service import casework
from tests.officer_world import PASSWORD, SCHOOL, World, make_world, page_csrf
from tests.portal.test_officer_workspace import code_values, raw_codes

GERMAN = {"accept-language": "de-DE"}
ENGLISH = {"accept-language": "en-GB"}


@pytest.fixture
def erasure_world(tmp_path: Path) -> Iterator[World]:
    """A demo of its own (execution changes its stores); the featured teacher has one loan open."""
    demo = generate(tmp_path / "demo", schools=1, readers_per_school=20, loans_per_reader=3, seed=1)
    w = make_world(demo, tmp_path)
    casefile.create_user(w.engine, "second", PASSWORD, {SCHOOL: ["officer", "approver"]})
    yield w
    w.engine.dispose()


def school_db(w: World) -> Path:
    return Path(w.demo.folder) / w.demo.controllers[SCHOOL].stores["school"]


def lend(w: World, person_id: int, returned: int = 3) -> int:
    """Lend the person ``returned`` items they brought back and one they still have: the open loan's id."""
    with sqlite3.connect(school_db(w)) as conn:
        items = [r[0] for r in conn.execute("SELECT id FROM item ORDER BY id LIMIT ?", (returned + 1,))]
        for item in items[:returned]:
            conn.execute(
                "INSERT INTO loan (item_id, person_id, issued_at, due_at, returned_at, renewals)"
                " VALUES (?, ?, '2026-10-01 10:00:00', '2026-10-29', '2026-10-20 11:00:00', 0)",
                (item, person_id),
            )
        cur = conn.execute(
            "INSERT INTO loan (item_id, person_id, issued_at, due_at, renewals)"
            " VALUES (?, ?, '2026-11-20 10:00:00', '2026-12-18', 0)",
            (items[-1], person_id),
        )
        return int(cur.lastrowid or 0)


def erasure_case(w: World, types: tuple[casefile.RequestType, ...] = (casefile.RequestType.ERASURE,)) -> str:
    """The featured teacher asks on the portal to erase her data (or what ``types`` say); identity
    confirmed, gathered."""
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    opened = casefile.open_case(
        w.engine,
        w.settings.dsr.secret_key.encode(),
        casefile.Intake(
            controller=SCHOOL,
            land=w.settings.controller(SCHOOL).land,
            request_types=types,
            channel=casefile.Channel.PORTAL,
            received_at=dt.datetime.now(dt.UTC),
            subject=casefile.Party(
                descriptor=Descriptor(
                    first_name=teacher.first_name,
                    last_name=teacher.last_name,
                    date_of_birth=teacher.date_of_birth,
                    card_number=teacher.card_number,
                ),
                email=teacher.email,
            ),
        ),
    )
    ref = opened.reference
    secret = w.settings.dsr.secret_key.encode()
    _, issued = casefile.start_email_verification(w.engine, secret, ref)
    casefile.confirm_email(w.engine, secret, str(issued.link), str(issued.code))
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    casefile.confirm_identity(w.engine, w.officer, ref, strong.reference)
    casefile.start_gathering(w.engine, w.officer, ref, casework.store_names(w.settings, SCHOOL))
    w.run_jobs()
    for entry in casework.review_entries(w.engine, w.officer, ref):
        if entry.decision is None:
            casework.decide_items(w.engine, w.officer, ref, entry.id, "redact", next(iter(REASONS)))
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.REVIEW
    return ref


@pytest.fixture
def client_for(erasure_world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``client_for(username)`` → a TestClient logged in as that member of staff (German pages)."""
    from litestar.testing import TestClient

    from dsr.portal import create_app

    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    opened: list[Any] = []

    def new(username: str, headers: dict[str, str] = GERMAN) -> Any:
        client = TestClient(create_app(erasure_world.settings, engine=erasure_world.engine))
        client.__enter__()
        opened.append(client)
        client.headers.update(headers)
        r = client.post("/officer/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return client

    yield new
    for client in opened:
        client.__exit__(None, None, None)


def do(client: Any, ref: str, action: str, **fields: str) -> str:
    """Post a form of the case page as the browser does; returns the page it redirects to."""
    page = client.get(f"/officer/cases/{ref}")
    r = client.post(f"/officer/cases/{ref}/do/{action}", data={"_csrf": page_csrf(page.text), **fields})
    assert r.status_code == 200 and str(r.url).split("?")[0].endswith(f"/officer/cases/{ref}"), (r.status_code, r.url)
    return unescape(r.text)


def section(html: str) -> str:
    found = re.search(r'<section[^>]*id="erasure".*?</section>', html, re.S)
    assert found, "no erasure section on the page"
    return re.sub(r"<[^>]+>", " ", found.group(0))


def flash(html: str) -> str:
    found = re.search(r'id="action-(?:done|error)"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


def test_an_erasure_goes_from_plan_to_confirmation_letter(erasure_world: World, client_for: Any) -> None:
    w = erasure_world
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    assert teacher.person_id is not None
    open_loan = lend(w, teacher.person_id)
    with sqlite3.connect(school_db(w)) as conn:
        returned = conn.execute(
            "SELECT count(*) FROM loan WHERE person_id = ? AND returned_at IS NOT NULL", (teacher.person_id,)
        ).fetchone()[0]
    ref = erasure_case(w)
    officer, approver, second = client_for("officer"), client_for("approver"), client_for("second")

    # the guided step names the plan; nothing is erased before a second person approves it
    page = unescape(approver.get(f"/officer/cases/{ref}").text)
    assert 'data-step="erasure.plan"' in page and "Den Löschplan erstellen." in page
    assert 'id="prepare"' not in page  # the confirmation is this case's answer, not a disclosure
    page = do(approver, ref, "erasure-plan")
    assert flash(page) == "Der Löschplan ist erstellt und wartet auf Freigabe."
    shown = section(page)
    held = re.findall(r'<tr data-outcome="restrict"[^>]*data-holds="([^"]*)"', page)
    assert any("open_loan" in h for h in held), held
    assert "Offene Ausleihe" in shown and "bis zur Rückgabe" in shown
    # the proposer is told why they cannot approve, and the button is off
    assert re.search(r'<button type="button" id="erasure-approve" disabled', page)
    assert "Sie haben diesen Plan erstellt" in shown
    assert 'data-step="erasure.await_approval"' in page
    # ... and is refused if they try anyway (a form posted by hand)
    page = do(approver, ref, "erasure-approve")
    assert "Vier-Augen" in flash(page) or "vier Augen" in flash(page), flash(page)
    other = unescape(officer.get(f"/officer/cases/{ref}").text)
    assert "Freigeben kann nur, wer die Rolle „Freigabe“ hat." in section(other)  # an officer without the role
    pdf = approver.get(f"/officer/cases/{ref}/erasure/plan.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "Ausleihe" in pdf_text(pdf.content)

    # a legal claim holds the fees until a date: a new plan, approved afresh
    until = dt.date.today() + dt.timedelta(days=400)
    scopes = re.findall(r'<option value="(school/[a-z_]+)"', page)
    assert scopes
    page = do(officer, ref, "erasure-hold", scope=scopes[0], until=until.isoformat(), reason="Klage wegen Buchschaden")
    assert flash(page) == "Die Sperre ist festgehalten; der Plan ist neu erstellt und wartet auf Freigabe."
    assert until.strftime("%d.%m.%Y") in section(page) and "Klage wegen Buchschaden" in section(page)
    assert "Sie haben diesen Plan erstellt" in section(page)

    page = unescape(approver.get(f"/officer/cases/{ref}").text)
    assert 'data-step="erasure.approve"' in page  # the approver did not propose this one
    page = do(second, ref, "erasure-approve")
    assert flash(page) == "Der Löschplan ist freigegeben."
    page = do(officer, ref, "erasure-execute")
    assert flash(page) == "Der Plan ist ausgeführt.", flash(page)

    # the store: the returned loans no longer point at her; the open one still does
    with sqlite3.connect(school_db(w)) as conn:
        left = conn.execute("SELECT id FROM loan WHERE person_id = ?", (teacher.person_id,)).fetchall()
    assert left == [(open_loan,)]

    # Art. 19: each recipient told, or why not
    tasks = re.findall(r'<tr id="task-(\d+)" data-state="open"', page)
    assert 'data-step="erasure.tasks"' in page or not tasks
    for n, task in enumerate(tasks):
        if n == 0:
            page = do(officer, ref, "erasure-task", task=task, outcome="done")
        else:
            page = do(officer, ref, "erasure-task", task=task, outcome="impossible")
            assert flash(page) != "Die Mitteilung ist festgehalten."  # the reason is required
            page = do(officer, ref, "erasure-task", task=task, outcome="impossible", note="Anschrift unbekannt")
        assert flash(page) == "Die Mitteilung ist festgehalten."
    assert 'data-step="erasure.letter"' in page
    page = do(officer, ref, "erasure-letter")
    assert flash(page) == "Die Bestätigung ist erstellt und wartet auf Freigabe."
    assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.PREPARED

    # the letter: what was erased (as counted in the store), kept with why and until, who was told
    answer = [d for d in list_documents(w.engine, w.officer, ref) if d.kind == "answer"][-1]
    _, content = read_document(w.engine, w.officer, ref, answer.id)
    letter = pdf_text(content)
    assert "Bestätigung der Löschung" in letter
    assert f"Ausleihen: {returned} Einträge (Personenbezug entfernt)" in letter, letter
    assert re.search(r"Ausleihen: 1 Eintrag – Grund: [^–]*ausgeliehen[^–]* – bis: zur Rückgabe", letter), letter
    assert f"bis: {until.strftime('%d.%m.%Y')}" in letter and "Klage wegen Buchschaden" in letter
    if tasks:
        assert "Wir haben die Löschung diesen Empfängern mitgeteilt" in letter
    if len(tasks) > 1:
        assert "nicht möglich: Anschrift unbekannt" in letter

    # then the usual way: the second approver opens the letter and approves
    page = unescape(second.get(f"/officer/cases/{ref}").text)
    assert 'id="final-letter"' in page
    second.get(re.search(r'href="([^"]+)" id="final-letter"', page).group(1))  # type: ignore[union-attr]
    page = do(second, ref, "approve")
    assert flash(page) == "Die Antwort ist freigegeben."

    # no raw code on the pages, in either language
    codes = code_values(w) | {"erase", "restrict", "expires", "keep", "open_loan", "legal_claim", "done", "open"}
    for language, headers in (("de", GERMAN), ("en", ENGLISH)):
        html = officer.get(f"/officer/cases/{ref}", headers=headers).text
        html = html.replace(str(teacher.email), "")  # her address is at the school's domain, not a code
        assert raw_codes(html, codes, language) == [], (language, raw_codes(html, codes, language))


def test_the_api_carries_an_erasure_the_same_way(erasure_world: World, client_for: Any) -> None:
    from tests.officer_world import api_login

    w = erasure_world
    teacher = w.demo.featured(SCHOOL, "teacher_guardian_contact")
    assert teacher.person_id is not None
    lend(w, teacher.person_id, returned=1)
    ref = erasure_case(w)
    approver, second = client_for("approver"), client_for("second")
    tokens = {c: api_login(c, name) for c, name in ((approver, "approver"), (second, "second"))}

    def post(client: Any, path: str, body: dict[str, Any] | None = None) -> Any:
        return client.post(
            f"/api/officer/cases/{ref}/erasure/{path}", json=body or {}, headers={"x-csrf-token": tokens[client]}
        )

    assert approver.get(f"/api/officer/cases/{ref}/erasure").json()["stage"] == "plan"
    made = post(approver, "plan")
    assert made.status_code == 200, made.text
    plan = made.json()["plan"]
    state = approver.get(f"/api/officer/cases/{ref}/erasure").json()
    assert state["stage"] == "approval" and state["plan"]["id"] == plan
    assert any(h["kind"] == "open_loan" for a in state["plan"]["actions"] for h in a["holds"])
    refused = post(approver, "approve", {"plan": plan})
    assert refused.status_code == 409 and refused.json()["code"] == "erasure_four_eyes"
    assert post(second, "approve", {"plan": plan}).status_code == 200
    done = post(approver, "execute", {"plan": plan})
    assert done.status_code == 200 and done.json()["changed"] > 0
    again = post(approver, "execute", {"plan": plan})
    assert again.status_code == 200 and again.json()["changed"] == 0  # idempotent
    notices = approver.get(f"/api/officer/cases/{ref}/erasure").json()["notices"]
    early = post(approver, "letter")
    assert (early.status_code == 409 and early.json()["code"] == "art19_open") if notices else early.status_code == 200
    for n in notices:
        assert (
            post(
                approver, "task", {"task": n["id"], "outcome": "disproportionate", "note": "seit 2019 aufgelöst"}
            ).status_code
            == 200
        )
    letter = post(approver, "letter")
    assert letter.status_code == 200, letter.text
    pdf = approver.get(f"/api/officer/cases/{ref}/documents/{letter.json()['document']}")
    text = pdf_text(pdf.content)
    assert re.search(r"Ausleihen: \d+ Einträge? \(Personenbezug entfernt\)", text) and "bis: zur Rückgabe" in text
    if notices:
        assert "unverhältnismäßiger Aufwand: seit 2019 aufgelöst" in text
    schema = approver.get("/api/schema/openapi.json")
    assert schema.status_code == 200 and "/api/officer/cases/{ref}/erasure/approve" in schema.text
