"""The officer side over HTTP (TestClient, real SQLite portal DB, real demo stores)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from dsr import cases, casework
from dsr.cases.casepage import candidates_of
from dsr.cases.documents import attach_document
from dsr.portal.officer.actions import ACTIONS
from officer_world import (  # noqa: F401  (fixtures)
    PASSWORD,
    SCHOOL,
    World,
    api_login,
    app_client,
    demo,
    fast_passwords,
    make_world,
    page_csrf,
    world,
)


def tiny_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def confirmed_case(w: World) -> str:
    ref = w.open_request(w.pupil())
    casework.find_candidates(w.engine, w.settings, ref, user=w.officer)
    strong = [c for c in candidates_of(w.engine, w.officer, ref) if c.strong][0]
    cases.confirm_identity(w.engine, w.officer, ref, strong.reference)
    return ref


def prepared_case(w: World, preparer: cases.User) -> str:
    """A case in 'prepared' with a small real PDF as the answer (no rendering: fast)."""
    ref = confirmed_case(w)
    cases.start_gathering(w.engine, w.officer, ref, ["school"])
    cases.finish_gathering(w.engine, ref)
    cases.prepare(w.engine, preparer, ref, cases.Document(filename="disclosure.pdf", media_type="application/pdf",
                                                           content=tiny_pdf()))
    return ref


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
    r = client.post("/officer/login", data={"username": "officer", "password": PASSWORD})
    assert r.status_code == 429 and "gesperrt" in r.text
    r = client.post("/api/officer/login", json={"username": "officer", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"] == "locked"


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
    "confirm-identity": {"candidate": "P-000"}, "identity-check": {"method": "in_person", "note": "n"},
    "identity-query": {"reasons": "r"}, "retry-store": {"job": 1, "store": "school"},
    "decide": {"item": "x", "decision": "redact", "reason": "third-party"}, "dispatch-post": {"mailed_on": "2026-04-01"},
    "dispatch-download": {}, "extend": {"months": 1, "reasons": "r"}, "comment": {"body": "b"},
    "refuse": {"ground": "g"},
}


def test_a_user_of_another_controller_sees_and_changes_nothing_on_any_officer_route(world: World, app_client: Any) -> None:
    ref = prepared_case(world, world.officer)
    doc = attach_document(world.engine, ref, "draft", cases.Document(filename="d.pdf", media_type="application/pdf",
                                                                     content=tiny_pdf()))
    cases.add_comment(world.engine, world.officer, ref, "internal note")
    before = [e.seq for e in cases.history(world.engine, ref)]
    client = app_client()
    token = api_login(client, "vendor-officer")
    html_token = page_csrf(client.get("/officer/").text)
    job = cases.jobs_of_case(world.engine, 1)[0].id if cases.jobs_of_case(world.engine, 1) else 1

    checked = 0
    for route in client.app.routes:
        path = route.path
        if "officer" not in path or path.endswith(("/login", "/logout")):
            continue
        url = (path.replace("{ref:str}", ref).replace("{document_id:int}", str(doc))
               .replace("{action:str}", "comment"))
        for method in sorted(set(getattr(route, "methods", ())) - {"OPTIONS", "HEAD"}):
            if method == "GET":
                r = client.get(url)
            elif path.startswith("/officer"):
                r = client.post(url, data={"_csrf": html_token, "body": "b", "controller": SCHOOL, "channel": "post",
                                           "request_types": "access", "first_name": "A"})
            else:
                name = path.rsplit("/", 1)[1]
                body = {**BODIES.get(name, {}), **({"job": job} if name == "retry-store" else {})}
                if path.endswith("/api/officer/cases"):
                    body = {"controller": SCHOOL, "channel": "post", "request_types": ["access"], "first_name": "A"}
                r = client.post(url, json=body, headers={"x-csrf-token": token})
            checked += 1
            assert ref not in r.text, f"{method} {path} shows the other controller's case"
            assert "internal note" not in r.text
            if "{ref:str}" in path or path.endswith(("/officer/new", "/api/officer/cases")) and method == "POST":
                assert r.status_code == 404, f"{method} {path} -> {r.status_code}"
            elif path.endswith("print-batch"):
                assert r.status_code == 404  # nothing approved of the vendor's
            else:
                assert r.status_code == 200, f"{method} {path} -> {r.status_code}"
    # every officer route was tried: the enumeration found the whole API and the pages
    assert checked >= 25
    for action in ACTIONS:
        r = client.post(f"/officer/cases/{ref}/do/{action}", data={"_csrf": html_token, **{
            k: str(v) for k, v in BODIES.get(action, {}).items()}})
        assert r.status_code == 404 and ref not in r.text, action
    assert [e.seq for e in cases.history(world.engine, ref)] == before  # not even a view was recorded
    assert cases.get_case(world.engine, world.officer, ref).state is cases.CaseState.PREPARED


# --------------------------------------------------------------------------- workflow


def test_four_eyes_the_preparer_cannot_approve_and_an_officer_without_the_role_neither(
    world: World, app_client: Any
) -> None:
    cases.create_user(world.engine, "approver2", PASSWORD, {SCHOOL: ["officer", "approver"]})
    ref = prepared_case(world, world.approver)
    preparer = app_client()
    token = api_login(preparer, "approver")
    r = preparer.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": token})
    assert r.status_code == 409 and "four eyes" in r.json()["message"]
    officer = app_client()
    r = officer.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": api_login(officer, "officer")})
    assert r.status_code == 403
    second = app_client()
    r = second.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": api_login(second, "approver2")})
    assert r.status_code == 200
    assert cases.get_case(world.engine, world.officer, ref).state is cases.CaseState.APPROVED


def test_print_batch_merges_the_approved_letters_then_they_are_marked_mailed(world: World, app_client: Any) -> None:
    refs = [prepared_case(world, world.officer) for _ in range(2)]
    for ref in refs:
        cases.approve(world.engine, world.approver, ref)
    client = app_client()
    token = api_login(client, "officer")
    r = client.get("/api/officer/print-batch")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(r.content)).pages) == 4  # one page each, padded for duplex
    for ref in refs:
        r = client.post(f"/api/officer/cases/{ref}/dispatch-post", json={"mailed_on": "2026-04-02"},
                        headers={"x-csrf-token": token})
        assert r.status_code == 200
        assert cases.get_case(world.engine, world.officer, ref).state is cases.CaseState.DISPATCHED
        sent = [e for e in cases.history(world.engine, ref) if e.detail.get("method") == "post"]
        assert sent and sent[0].detail["mailed_on"] == "2026-04-02" and len(sent[0].detail["sha256"]) == 64
    assert client.get("/api/officer/print-batch").status_code == 404  # nothing left to print


def test_dispatch_by_download_mails_the_notice_to_the_requester(world: World, app_client: Any) -> None:
    ref = prepared_case(world, world.officer)
    cases.approve(world.engine, world.approver, ref)
    client = app_client()
    r = client.post(f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": api_login(client, "officer")})
    assert r.status_code == 200
    download = r.json()["download"]
    mails = sorted((world.settings.base_dir / world.settings.portal.mail.directory).glob("*.eml"))
    assert mails, "no notice was sent"
    text = mails[-1].read_text()
    assert "req@example.org" in text and f"/download/{download}" in text and ref in text


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
    candidate = re.findall(r'name="candidate" value="([^"]+)"', page.text)[0]
    r = client.post(f"/officer/cases/{ref}/do/confirm-identity", data={"_csrf": token, "candidate": candidate})
    assert r.status_code == 409 and "identity check" in r.text and 'role="alert"' in r.text
    r = client.post(f"/api/officer/cases/{ref}/gather", headers={"x-csrf-token": token})
    assert r.status_code == 409
    assert cases.get_case(world.engine, world.officer, ref).state is cases.CaseState.RECEIVED


def test_manual_entry_of_a_postal_request_finds_the_candidates(world: World, app_client: Any) -> None:
    p = world.demo.featured_pupil()
    client = app_client()
    api_login(client, "officer")
    token = page_csrf(client.get("/officer/new").text)
    r = client.post("/officer/new", data={
        "_csrf": token, "controller": SCHOOL, "channel": "post", "request_types": "access",
        "received_at": "2026-04-01T09:30", "first_name": p.first_name, "last_name": p.last_name,
        "card_number": p.card_number, "date_of_birth": str(p.date_of_birth), "postal_address": "Weg 1\n93047 Regensburg",
    })
    assert r.status_code == 200 and "Diese Person bestätigen" in r.text
    ref = str(r.url).rsplit("/", 1)[1]
    view = cases.get_case(world.engine, world.officer, ref)
    assert view.channel is cases.Channel.POST and view.received_at.isoformat().startswith("2026-04-01T07:30")
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
        r = client.post(f"/officer/cases/{ref}/do/retry-store",
                        data={"_csrf": page_csrf(page.text), "job": str(job["id"]), "store": "weblog"})
        assert r.status_code == 200
        w.run_jobs()
        detail = client.get(f"/api/officer/cases/{ref}").json()
        assert detail["case"]["state"] == "review"
        page = client.get(f"/officer/cases/{ref}")
        for item in detail["review"]:
            assert item["context"].replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")[:20] in page.text
        while (open_items := [i for i in client.get(f"/api/officer/cases/{ref}").json()["review"] if not i["decision"]]):
            first = open_items[0]
            r = client.post(f"/officer/cases/{ref}/do/decide", data={
                "_csrf": token, "item": first["id"], "decision": "redact", "reason": "third-party", "same_text": "on"})
            assert r.status_code == 200
        assert client.post(f"/api/officer/cases/{ref}/prepare", headers={"x-csrf-token": token}).status_code == 200
        assert cases.get_case(w.engine, w.officer, ref).state is cases.CaseState.PREPARED
    w.engine.dispose()
