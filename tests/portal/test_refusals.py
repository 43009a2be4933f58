"""Refusing a request on the officer pages and the API: one person proposes it with a coded ground,
another (an approver) confirms it; the note stays with the case, the audit log gets codes only."""

from __future__ import annotations

from html import unescape
from typing import Any

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.schema import events
from tests.officer_world import PASSWORD, World, api_login, page_csrf
from tests.portal.officer_language import ENGLISH, GERMAN, german_left_in

NOTE = "Die Mutter hat am Telefon gesagt, sie wolle die Auskunft nicht mehr"


def login(client: Any, username: str, headers: dict[str, str] = GERMAN) -> None:
    r = client.post("/officer/login", data={"username": username, "password": PASSWORD}, headers=headers)
    assert r.status_code == 200, r.text


def test_a_refusal_proposed_on_the_page_is_confirmed_only_by_another_approver(app_client: Any, world: World) -> None:
    ref = world.open_request(world.pupil())
    officer = app_client()
    login(officer, "officer")
    page = officer.get(f"/officer/cases/{ref}", headers=GERMAN)
    assert 'id="propose-refusal"' in page.text and 'id="confirm-refusal"' not in page.text
    assert "Durch schlüssiges Verhalten zurückgenommen" in unescape(page.text)  # the grounds in words
    r = officer.post(
        f"/officer/cases/{ref}/do/propose-refusal",
        data={"_csrf": page_csrf(page.text), "ground": "withdrawn_by_conduct", "note": NOTE},
        headers=GERMAN,
    )
    assert r.status_code == 200
    shown = unescape(r.text)
    # the proposal on the case page: who, the ground in words (its code beside it), the note
    assert "Ablehnung vorgeschlagen von Nutzer" in shown and "Durch schlüssiges Verhalten zurückgenommen" in shown
    assert 'data-ground="withdrawn_by_conduct"' in r.text and NOTE in shown
    assert 'id="confirm-refusal"' not in r.text and 'id="withdraw-refusal"' in r.text  # not for the proposer
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.RECEIVED

    approver = app_client()
    login(approver, "approver", headers=ENGLISH)
    page = approver.get(f"/officer/cases/{ref}", headers=ENGLISH)
    assert 'id="confirm-refusal"' in page.text and "Withdrawn by conduct" in page.text
    assert german_left_in(page.text.replace(NOTE, "")) == []
    r = approver.post(f"/officer/cases/{ref}/do/confirm-refusal", data={"_csrf": page_csrf(page.text)})
    assert r.status_code == 200 and 'data-state="refused"' in r.text
    assert 'id="propose-refusal"' not in r.text  # an ended case offers no refusal

    history = casefile.history(world.engine, ref)
    assert [e.action for e in history].count("refusal proposed") == 1
    refused = next(e for e in history if e.action == "state changed" and e.detail["to"] == "refused")
    assert refused.actor == world.approver.actor
    assert refused.detail == {
        "from": "received",
        "to": "refused",
        "ground": "withdrawn_by_conduct",
        "proposal": refused.detail["proposal"],
        "proposed_by": world.officer.id,
    }
    with world.engine.connect() as conn:
        logged = " ".join(str(v) for row in conn.execute(sa.select(events)) for v in row)
    assert "Telefon" not in logged and "Mutter" not in logged


def test_the_api_refuses_the_proposers_own_confirmation_and_an_unknown_ground(app_client: Any, world: World) -> None:
    ref = world.open_request(world.pupil())
    approver = app_client()
    token = api_login(approver, "approver")
    headers = {"x-csrf-token": token}
    r = approver.post(f"/api/officer/cases/{ref}/propose-refusal", json={"ground": "because"}, headers=headers)
    # the grounds are an enum of the API's schema: refused with the field named, before the case is read
    assert r.status_code == 400 and "ground" in r.json()["fields"]
    r = approver.post(f"/api/officer/cases/{ref}/confirm-refusal", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "no_refusal_proposed"
    r = approver.post(
        f"/api/officer/cases/{ref}/propose-refusal", json={"ground": "excessive", "note": "third time"}, headers=headers
    )
    assert r.status_code == 200 and r.json()["ok"] is True
    detail = approver.get(f"/api/officer/cases/{ref}").json()
    assert detail["refusal"]["ground"] == "excessive" and detail["refusal"]["proposed_by"] == world.approver.id
    assert detail["refusal"]["note"] == "third time"
    assert "identity_not_proven" in detail["refusal_grounds"]
    r = approver.post(f"/api/officer/cases/{ref}/confirm-refusal", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "refusal_four_eyes"
    # an officer without the approver role cannot confirm either; anyone may withdraw
    officer = app_client()
    officer_headers = {"x-csrf-token": api_login(officer, "officer")}
    assert officer.post(f"/api/officer/cases/{ref}/confirm-refusal", headers=officer_headers).status_code == 403
    assert officer.post(f"/api/officer/cases/{ref}/withdraw-refusal", headers=officer_headers).status_code == 200
    assert approver.get(f"/api/officer/cases/{ref}").json()["refusal"] is None
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.RECEIVED
    # the old one-step route is gone: a refusal always needs the second person
    gone = approver.post(f"/api/officer/cases/{ref}/refuse", json={"ground": "excessive"}, headers=headers)
    assert gone.status_code in (404, 405)
