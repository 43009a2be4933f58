"""The officer side over HTTP (TestClient, real SQLite portal DB, real demo stores)."""

from __future__ import annotations

import email
import email.policy
import io
import re
from typing import Any

import pytest
from markupsafe import escape
from pypdf import PdfReader

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.documents import attach_document
from dsr.casefile.users import find_user
from dsr.portal.officer.actions import ACTIONS
from dsr.service import casework, restricted
from tests.officer_world import PASSWORD, SCHOOL, World, api_login, make_world, page_csrf
from tests.portal.officer_cases import confirmed_case, prepared_case, tiny_pdf

# --------------------------------------------------------------------------- login, session, CSRF


def test_pages_need_a_login_and_the_api_says_401(app_client: Any) -> None:
    client = app_client()
    r = client.get("/officer/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/officer/login")
    r = client.get("/api/officer/cases")
    assert r.status_code == 401 and r.json()["error"] == "not_logged_in"


def test_login_sets_one_strict_httponly_cookie_and_logout_ends_the_session(app_client: Any) -> None:
    client = app_client()
    r = client.post("/officer/login", data={"username": "officer", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert len(r.headers.get_list("set-cookie")) == 1
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    page = client.get("/officer/")
    assert page.status_code == 200 and "Fälle" in page.text
    r = client.post("/officer/logout", data={"_csrf": page_csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/officer/cases").status_code == 401


def test_wrong_passwords_lock_the_account_even_for_the_right_one(app_client: Any) -> None:
    client = app_client()
    for _ in range(5):
        r = client.post("/officer/login", data={"username": "officer", "password": "wrong"})
        assert r.status_code == 400 and "falsch" in r.text
        assert 'aria-describedby="login-error"' in r.text
    # locked for this address; it answers like a wrong password (test_officer_login_limits.py)
    r = client.post("/officer/login", data={"username": "officer", "password": PASSWORD})
    assert r.status_code == 400 and "falsch" in r.text
    r = client.post("/api/officer/login", json={"username": "officer", "password": PASSWORD})
    assert r.status_code == 401 and r.json()["error"] == "login_failed"


def test_a_state_change_needs_the_session_csrf_token(world: World, app_client: Any) -> None:
    ref = world.open_request(world.pupil())
    client = app_client()
    token = api_login(client, "officer")
    url = f"/api/officer/cases/{ref}/comment"
    assert client.post(url, json={"body": "x"}).status_code == 403
    assert client.post(url, json={"body": "x"}, headers={"x-csrf-token": "0" * 64}).status_code == 403
    other = app_client()
    other_token = api_login(other, "approver")  # another session's token does not fit this session
    assert client.post(url, json={"body": "x"}, headers={"x-csrf-token": other_token}).status_code == 403
    assert client.post(url, json={"body": "noted"}, headers={"x-csrf-token": token}).status_code == 200
    page = client.get(f"/officer/cases/{ref}")
    assert "noted" in page.text
    r = client.post(f"/officer/cases/{ref}/do/comment", data={"body": "by form"})
    assert r.status_code == 403
    r = client.post(f"/officer/cases/{ref}/do/comment", data={"body": "by form", "_csrf": page_csrf(page.text)})
    assert r.status_code == 200 and "by form" in r.text  # redirected back to the case page


# --------------------------------------------------------------------------- isolation

BODIES: dict[str, dict[str, Any]] = {
    "confirm-identity": {"candidate": "P-000"},
    "identity-check": {"method": "in_person", "candidate": "P-000", "evidence": "id_card", "note": "n"},
    "decide-delivery": {"route": "download", "reason": "address_confirmed_in_person"},
    "users": {"username": "planted", "controller": SCHOOL, "roles": ["officer"]},  # an account at the school
    "identity-query": {"reasons": "r"},
    "identity-reply": {"received_on": "2026-01-02"},
    "retry-store": {"job": 1, "store": "school"},
    "decide": {"item": "x", "decision": "redact", "reason": "third-party"},
    "decide-restricted": {"record": "R-000000000000", "decision": "withhold", "ground": "bdsg-34"},
    "dispatch-post": {"mailed_on": "2026-04-01"},
    "dispatch-download": {},
    "extend": {"months": 1, "reasons": "r"},
    "comment": {"body": "b"},
    "propose-refusal": {"ground": "excessive", "note": "n"},
    "print-batch": {"documents": [1, 2, 3]},
    "hold": {"scope": "school/loan", "until": "2030-01-01", "reason": "r"},  # erasure/hold
    "task": {"task": 1, "outcome": "done"},  # erasure/task, rights/task
    "restriction-plan": {"ground": "accuracy"},  # erasure/restriction-plan
    "lift": {"informed_on": "2026-01-02"},  # erasure/lift
    "lift-notice": {"lift_on": "2030-01-01"},  # erasure/lift-notice (…/approve, …/post: no body needed)
    "letter": {"kind": "rectification"},  # rights/letter (erasure/letter takes optional reasons)
    "rectify": {
        "changes": [{"store": "school", "collection": "account", "key": "1", "column": "email", "value": "a@b.de"}]
    },
    "objection": {"processing": "loan_history", "decision": "upheld", "reasons": "r"},
}


def test_a_user_of_another_controller_sees_and_changes_nothing_on_any_officer_route(
    world: World, app_client: Any
) -> None:
    ref = prepared_case(world, world.officer)
    doc = attach_document(
        world.engine,
        ref,
        "draft",
        casefile.Document(filename="d.pdf", media_type="application/pdf", content=tiny_pdf()),
    )
    casefile.add_comment(world.engine, world.officer, ref, "internal note")
    # an admin of the vendor: the admin routes must not reach a school user either
    casefile.set_roles(
        world.engine, world.vendor_officer.id, {"vendor": ["officer", "approver", "admin"]}, actor="test"
    )
    librarian = casefile.create_user(world.engine, "school-librarian-only", PASSWORD, {SCHOOL: ["officer"]})
    before = [e.seq for e in casefile.history(world.engine, ref)]
    client = app_client()
    token = api_login(client, "vendor-officer")
    html_token = page_csrf(client.get("/officer/").text)
    job = casefile.jobs_of_case(world.engine, 1)[0].id if casefile.jobs_of_case(world.engine, 1) else 1

    checked = 0
    for route in client.app.routes:
        path = route.path
        if "officer" not in path or path.endswith(("/login", "/logout")):
            continue
        url = (
            path.replace("{ref:str}", ref)
            .replace("{document_id:int}", str(doc))
            .replace("{user_id:int}", str(librarian.id))
            .replace("{action:str}", "unlock" if "/admin/" in path else "comment")
        )
        for method in sorted(set(getattr(route, "methods", ())) - {"OPTIONS", "HEAD"}):
            if method == "GET":
                r = client.get(url)
            elif path.startswith("/officer"):
                r = client.post(
                    url,
                    data={
                        "_csrf": html_token,
                        "body": "b",
                        "controller": SCHOOL,
                        "channel": "post",
                        "request_types": "access",
                        "first_name": "A",
                        "username": "planted",
                        "roles": "officer",
                    },
                )
            else:
                name = path.rsplit("/", 1)[1]
                body = {**BODIES.get(name, {}), **({"job": job} if name == "retry-store" else {})}
                if path.endswith("/api/officer/cases"):
                    body = {"controller": SCHOOL, "channel": "post", "request_types": ["access"], "first_name": "A"}
                r = client.post(url, json=body, headers={"x-csrf-token": token})
            checked += 1
            assert ref not in r.text, f"{method} {path} shows the other controller's case"
            assert "internal note" not in r.text and "school-librarian-only" not in r.text
            if (
                "{ref:str}" in path
                or "{user_id:int}" in path
                or path.endswith(("/officer/new", "/api/officer/cases"))
                and method == "POST"
            ):
                assert r.status_code == 404, f"{method} {path} -> {r.status_code}"
            elif path.endswith("/admin/users") and method == "POST":
                assert r.status_code == 403  # no account at a controller the admin does not administer
            elif path.endswith(("print-batch", ".pdf")) and method == "GET":
                assert r.status_code == 404  # nothing approved of the vendor's
            elif path.endswith("print-batch"):
                assert r.status_code == 200 and r.json()["printed"] == []  # another controller's letters stay
            elif path.endswith("/totp") and method == "POST":
                assert r.status_code == 400  # the user's own second factor: no secret sent, nothing changed
            else:
                assert r.status_code == 200, f"{method} {path} -> {r.status_code}"
    # every officer route was tried: the enumeration found the whole API and the pages
    assert checked >= 25
    with pytest.raises(casefile.NotFound):
        find_user(world.engine, "planted")
    for action in ACTIONS:
        r = client.post(
            f"/officer/cases/{ref}/do/{action}",
            data={"_csrf": html_token, **{k: str(v) for k, v in BODIES.get(action, {}).items()}},
        )
        assert r.status_code == 404 and ref not in r.text, action
    assert [e.seq for e in casefile.history(world.engine, ref)] == before  # not even a view was recorded
    assert "account unlocked" not in [e.action for e in casefile.history(world.engine, None)]
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.PREPARED


# --------------------------------------------------------------------------- workflow


def test_four_eyes_the_preparer_cannot_approve_and_an_officer_without_the_role_neither(
    world: World, app_client: Any
) -> None:
    casefile.create_user(world.engine, "approver2", PASSWORD, {SCHOOL: ["officer", "approver"]})
    ref = prepared_case(world, world.approver)
    preparer = app_client()
    token = api_login(preparer, "approver")
    r = preparer.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": token})
    assert r.status_code == 409 and "four eyes" in r.json()["message"] and r.json()["code"] == "four_eyes"
    officer = app_client()
    r = officer.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": api_login(officer, "officer")})
    assert r.status_code == 403
    second = app_client()
    token = api_login(second, "approver2")
    r = second.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "letter_not_opened"  # the final letter first
    answer = [d for d in second.get(f"/api/officer/cases/{ref}").json()["documents"] if d["kind"] == "answer"][-1]
    assert second.get(f"/api/officer/cases/{ref}/documents/{answer['id']}").status_code == 200
    r = second.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": token})
    assert r.status_code == 200
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.APPROVED


def test_dispatch_by_download_mails_the_notice_to_the_requester(world: World, app_client: Any) -> None:
    # the pupil confirmed her address on file with the mailed code (prepared_case): the answer may go there
    ref = prepared_case(world, world.officer)
    casefile.approve(world.engine, world.approver, ref)
    client = app_client()
    r = client.post(
        f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": api_login(client, "officer")}
    )
    assert r.status_code == 200
    download = r.json()["download"]
    mails = sorted((world.settings.base_dir / world.settings.portal.mail.directory).glob("*.eml"))
    assert mails, "no notice was sent"
    text = mails[-1].read_text()
    assert world.demo.featured_pupil().email in text and ref in text
    link = re.search(r"/de/download/([A-Za-z0-9_-]+)", text)
    assert link and link.group(1) != str(download) and len(link.group(1)) >= 32  # opaque, not the row id

    # the notice got lost: a new link goes out and the old one stops working
    r = client.post(
        f"/api/officer/cases/{ref}/resend-download-notice", headers={"x-csrf-token": api_login(client, "officer")}
    )
    assert r.status_code == 200 and r.json()["download"] == download
    mails = list((world.settings.base_dir / world.settings.portal.mail.directory).glob("*.eml"))
    tokens = {re.search(r"/de/download/([A-Za-z0-9_-]+)", m.read_text()).group(1) for m in mails}  # type: ignore[union-attr]
    assert len(mails) == 2 and len(tokens) == 2
    [renewed] = tokens - {link.group(1)}
    assert client.post(f"/api/public/downloads/{link.group(1)}/code").status_code == 404
    assert client.post(f"/api/public/downloads/{renewed}/code").status_code == 200  # the renewed link works
    assert "download link renewed" in [e.action for e in casefile.history(world.engine, ref)]


def test_the_download_notice_is_written_in_the_requesters_language(world: World, app_client: Any) -> None:
    ref = prepared_case(world, world.officer, language="en")
    casefile.approve(world.engine, world.approver, ref)
    client = app_client()
    r = client.post(
        f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": api_login(client, "officer")}
    )
    assert r.status_code == 200
    mail = sorted((world.settings.base_dir / world.settings.portal.mail.directory).glob("*.eml"))[-1]
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    assert "/en/download/" in message.get_content() and "secure download" in message.get_content()
    assert str(message["Subject"]).startswith("Your answer is ready")


def test_refused_actions_show_the_reason_on_the_case_page(world: World, app_client: Any) -> None:
    namesake = world.demo.featured(SCHOOL, "namesakes")
    from dsr.model import Descriptor

    ref = world.open_request(Descriptor(first_name=namesake.first_name, last_name=namesake.last_name))
    client = app_client()
    api_login(client, "officer")
    page = client.get(f"/officer/cases/{ref}")
    token = page_csrf(page.text)
    page = client.post(f"/officer/cases/{ref}/do/find-candidates", data={"_csrf": token})
    assert "Mehrdeutig" in page.text
    candidate, namesake_row = re.findall(r'<tr id="candidate-([^"]+)"', page.text)[:2]
    assert 'id="confirm-' not in page.text  # nothing verified anybody: no confirm button to press
    r = client.post(f"/officer/cases/{ref}/do/confirm-identity", data={"_csrf": token, "candidate": candidate})
    # refused: back on the case page (post/redirect/get) with the reason in the page's language
    assert r.status_code == 200 and 'id="action-error"' in r.text and "/do/" not in str(r.url)
    assert "Nichts, was nur die anfragende Person hat, belegt bisher" in r.text
    r = client.post(f"/api/officer/cases/{ref}/gather", headers={"x-csrf-token": token})
    assert r.status_code == 409
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.RECEIVED
    # an in-person check without saying which document was shown is refused too, in words
    r = client.post(
        f"/officer/cases/{ref}/do/identity-check", data={"_csrf": token, "candidate": candidate, "method": "in_person"}
    )
    assert 'id="action-error"' in r.text and "was geprüft wurde" in r.text
    # with the document: the confirm button appears for that candidate, never for the namesake
    r = client.post(
        f"/officer/cases/{ref}/do/identity-check",
        data={"_csrf": token, "candidate": candidate, "method": "in_person", "evidence": "passport"},
    )
    assert (
        r.status_code == 200 and f'id="confirm-{candidate}"' in r.text and f'id="confirm-{namesake_row}"' not in r.text
    )
    r = client.post(f"/officer/cases/{ref}/do/confirm-identity", data={"_csrf": token, "candidate": namesake_row})
    assert 'id="action-error"' in r.text and f'id="confirm-{namesake_row}"' not in r.text


def test_manual_entry_of_a_postal_request_finds_the_candidates(world: World, app_client: Any) -> None:
    p = world.demo.featured_pupil()
    client = app_client()
    api_login(client, "officer")
    token = page_csrf(client.get("/officer/new").text)
    r = client.post(
        "/officer/new",
        data={
            "_csrf": token,
            "controller": SCHOOL,
            "channel": "post",
            "request_types": "access",
            "received_at": "2026-04-01T09:30",
            "first_name": p.first_name,
            "last_name": p.last_name,
            "card_number": p.card_number,
            "date_of_birth": str(p.date_of_birth),
            "postal_address": "Weg 1\n93047 Regensburg",
        },
    )
    # the candidates are listed with the form to record a check for one of them; a letter that
    # names card and birth date proves nothing by itself: no confirm button yet
    assert r.status_code == 200 and '<tr id="candidate-' in r.text and 'id="check-candidate"' in r.text
    assert "Diese Person bestätigen" not in r.text
    ref = str(r.url).rsplit("/", 1)[1]
    view = casefile.get_case(world.engine, world.officer, ref)
    assert view.channel is casefile.Channel.POST and view.received_at.isoformat().startswith("2026-04-01T07:30")
    assert view.language is None  # not chosen: letters use the configured language
    r = client.post(
        "/officer/new",
        data={
            "_csrf": token,
            "controller": SCHOOL,
            "channel": "email",
            "request_types": "access",
            "language": "en",
            "first_name": p.first_name,
            "last_name": p.last_name,
            "card_number": p.card_number,
        },
    )
    assert r.status_code == 200
    assert casefile.get_case(world.engine, world.officer, str(r.url).rsplit("/", 1)[1]).language == "en"
    r = client.post("/officer/new", data={"_csrf": token, "controller": SCHOOL, "channel": "post"})
    assert r.status_code == 400 and 'role="alert"' in r.text


@pytest.mark.slow
def test_review_in_context_decide_once_for_identical_items_and_retry_a_failed_store(
    demo: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    from pathlib import Path

    from litestar.testing import TestClient

    from dsr.portal import create_app

    logs = tmp_path / "logs-later"
    w = make_world(demo, tmp_path, weblog=str(logs))
    ref = confirmed_case(w)
    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    with TestClient(create_app(w.settings, engine=w.engine)) as client:
        token = api_login(client, "officer")
        assert client.post(f"/api/officer/cases/{ref}/gather", headers={"x-csrf-token": token}).status_code == 200
        w.run_jobs()
        detail = client.get(f"/api/officer/cases/{ref}").json()
        [job] = detail["jobs"]
        assert job["failed_stores"] == ["weblog"] and detail["case"]["state"] == "gathering"
        page = client.get(f"/officer/cases/{ref}")
        assert "Nur diesen Bestand wiederholen" in page.text
        shutil.copytree(Path(demo.folder) / "logs", logs)
        r = client.post(
            f"/officer/cases/{ref}/do/retry-store",
            data={"_csrf": page_csrf(page.text), "job": str(job["id"]), "store": "weblog"},
        )
        assert r.status_code == 200
        w.run_jobs()
        detail = client.get(f"/api/officer/cases/{ref}").json()
        assert detail["case"]["state"] == "review"
        page = client.get(f"/officer/cases/{ref}")
        for item in detail["review"]:  # the flagged text highlighted in its sentence
            assert f"<mark><strong>{escape(item['text'])}</strong></mark>" in page.text
        while open_items := [i for i in client.get(f"/api/officer/cases/{ref}").json()["review"] if not i["decision"]]:
            first = open_items[0]
            r = client.post(
                f"/officer/cases/{ref}/do/decide",
                data={
                    "_csrf": token,
                    "item": first["id"],
                    "decision": "redact",
                    "reason": "third-party",
                    "same_text": "on",
                },
            )
            assert r.status_code == 200
        assert client.post(f"/api/officer/cases/{ref}/prepare", headers={"x-csrf-token": token}).status_code == 200
        assert casefile.get_case(w.engine, w.officer, ref).state is casefile.CaseState.PREPARED
    w.engine.dispose()


# --------------------------------------------------------------------------- restricted records


def seen_in_person_answer_by_post(w: World, ref: str) -> None:
    """The requester showed her ID card; the address she gave is not on file: the answer goes by post."""
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    casefile.record_identity_check(
        w.engine, w.officer, ref, casefile.CheckMethod.IN_PERSON, candidate=strong.reference, evidence="id_card"
    )
    casefile.confirm_identity(w.engine, w.officer, ref, strong.reference)
    casefile.decide_delivery(w.engine, w.officer, ref, "post")


@pytest.mark.slow
def test_restricted_records_need_a_decision_with_a_ground_before_the_answer_is_prepared(
    world: World, app_client: Any
) -> None:
    from dsr.model import Descriptor

    suspect = world.demo.featured(SCHOOL, "incident_suspect")
    ref = world.open_request(
        Descriptor(
            first_name=suspect.first_name,
            last_name=suspect.last_name,
            card_number=suspect.card_number,
            date_of_birth=suspect.date_of_birth,
        )
    )
    casework.find_candidates(world.engine, world.settings, ref, user=world.officer)
    seen_in_person_answer_by_post(world, ref)
    client = app_client()
    token = api_login(client, "officer")
    assert client.post(f"/api/officer/cases/{ref}/gather", headers={"x-csrf-token": token}).status_code == 200
    world.run_jobs()

    detail = client.get(f"/api/officer/cases/{ref}").json()
    [record] = detail["restricted"]
    assert record["collection"] == "incident_suspect" and record["decision"] is None
    page = client.get(f"/officer/cases/{ref}")
    assert "Beschränkte Datensätze" in page.text and dict(record["fields"])["ip_address"] in page.text
    for item in detail["review"]:
        if casefile.get_case(world.engine, world.officer, ref).open_review_items > 1:
            casework.decide_items(world.engine, world.officer, ref, item["id"], "redact", "third-party")
    assert casefile.get_case(world.engine, world.officer, ref).open_review_items == 1  # only the restricted record

    r = client.post(f"/api/officer/cases/{ref}/prepare", headers={"x-csrf-token": token})
    assert (
        r.status_code == 409 and casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.REVIEW
    )
    r = client.post(
        f"/api/officer/cases/{ref}/decide-restricted",
        headers={"x-csrf-token": token},
        json={"record": record["reference"], "decision": "withhold"},
    )
    assert r.status_code == 400 and "ground" in r.json()["message"]
    r = client.post(
        f"/api/officer/cases/{ref}/decide-restricted",
        headers={"x-csrf-token": token},
        json={"record": record["reference"], "decision": "withhold", "ground": "because"},
    )
    assert r.status_code == 400 and "bdsg-34" in r.json()["fields"]["ground"]  # the schema's list of grounds
    r = client.post(
        f"/officer/cases/{ref}/do/decide-restricted",
        data={
            "_csrf": page_csrf(page.text),
            "record": record["reference"],
            "decision": "withhold",
            "ground": "bdsg-34",
        },
    )
    assert r.status_code == 200 and "Entschieden" in r.text

    r = client.post(f"/api/officer/cases/{ref}/prepare", headers={"x-csrf-token": token})
    assert r.status_code == 200, r.text
    from dsr.casefile.documents import read_document

    _, answer = read_document(world.engine, world.officer, ref, r.json()["document"])
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(answer)).pages)
    text = " ".join(text.split())
    assert "ENTWURF" not in text.upper()
    assert "Ihnen zugeordnet wurden" not in text and "§ 34 BDSG" in text  # left out, and counted with its ground
    decided = [e for e in casefile.history(world.engine, ref) if e.detail.get("item") == record["reference"]]
    assert decided and decided[-1].detail == {"item": record["reference"], "decision": "withhold", "ground": "bdsg-34"}


@pytest.mark.slow
def test_a_restricted_record_disclosed_by_the_officer_appears_in_the_answer(world: World) -> None:
    from dsr.model import Descriptor

    suspect = world.demo.featured(SCHOOL, "incident_suspect")
    ref = world.open_request(
        Descriptor(
            first_name=suspect.first_name,
            last_name=suspect.last_name,
            card_number=suspect.card_number,
            date_of_birth=suspect.date_of_birth,
        )
    )
    casework.find_candidates(world.engine, world.settings, ref, user=world.officer)
    seen_in_person_answer_by_post(world, ref)
    casefile.start_gathering(world.engine, world.officer, ref, casework.store_names(world.settings, SCHOOL))
    world.run_jobs()
    [record] = restricted.restricted_entries(world.engine, world.officer, ref)
    for item in casework.review_entries(world.engine, world.officer, ref):
        casework.decide_items(
            world.engine, world.officer, ref, item.id, "disclose", "known-to-subject", same_text=False
        )
    restricted.decide_restricted_record(world.engine, world.officer, ref, record.reference, "disclose")

    doc = casework.render_answer(world.engine, world.settings, world.officer, ref)
    from dsr.casefile.documents import read_document

    text = "\n".join(
        p.extract_text() or ""
        for p in PdfReader(io.BytesIO(read_document(world.engine, world.officer, ref, doc)[1])).pages
    )
    assert "Sicherheitsvorfälle, die Ihnen zugeordnet wurden" in " ".join(text.split())


# --------------------------------------------------------------------------- second factor


def test_an_officer_turns_on_the_second_factor_and_then_needs_it_to_log_in(world: World, app_client: Any) -> None:
    import datetime as dt

    from dsr.casefile import totp

    client = app_client()
    api_login(client, "officer")
    page = client.get("/officer/totp")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
    token = page_csrf(page.text)
    wrong = client.post(
        "/officer/totp",
        data={
            "_csrf": token,
            "secret": secret,
            "code": "000000" if totp.code(secret, dt.datetime.now(dt.UTC)) != "000000" else "111111",
        },
    )
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text and secret in wrong.text
    ok = client.post(
        "/officer/totp", data={"_csrf": token, "secret": secret, "code": totp.code(secret, dt.datetime.now(dt.UTC))}
    )
    assert ok.status_code == 200 and 'id="totp-done"' in ok.text
    assert "second factor enabled" in [e.action for e in casefile.history(world.engine, None)]

    other = app_client()
    r = other.post("/api/officer/login", json={"username": "officer", "password": PASSWORD})
    assert r.status_code in (400, 401)  # the password alone is no longer enough
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)  # the used code cannot be replayed
    r = other.post(
        "/api/officer/login", json={"username": "officer", "password": PASSWORD, "totp": totp.code(secret, later)}
    )
    assert r.status_code == 200
