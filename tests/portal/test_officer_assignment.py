"""Who works a case (list, filters, "Mir zuweisen"), approval after opening the letter, and no download
offer for a child below 14 — on the pages and in the JSON API."""

from __future__ import annotations

import re
from typing import Any

from dsr import casefile
from tests.officer_world import PASSWORD, SCHOOL, World, api_login, page_csrf
from tests.portal.officer_cases import approved_case, prepared_case


def _row(html: str, ref: str) -> str:
    match = re.search(rf'<tr data-reference="{ref}">(.*?)</tr>', html, re.S)
    assert match, f"{ref} is not in the list"
    return match.group(1)


def test_an_officer_takes_a_case_and_the_list_shows_and_filters_it(world: World, app_client: Any) -> None:
    casefile.create_user(world.engine, "berta", PASSWORD, {SCHOOL: ["officer"]})
    casefile.create_user(world.engine, "fremd", PASSWORD, {"vendor": ["officer"]})
    mine, other = world.open_request(world.pupil()), world.open_request(world.pupil())
    client = app_client()
    api_login(client, "officer")
    page = client.get(f"/officer/cases/{mine}")
    assert "Noch niemand ist für diesen Fall zuständig." in page.text
    options = re.findall(r'<select id="assign-to" name="assignee">(.*?)</select>', page.text, re.S)[0]
    assert "berta" in options and "approver" in options and "fremd" not in options  # colleagues of the school only
    done = client.post(
        f"/officer/cases/{mine}/do/assign", data={"_csrf": page_csrf(page.text), "assignee": str(world.officer.id)}
    )
    assert done.status_code == 200 and "Die Zuständigkeit ist gespeichert." in done.text
    assert "Sie sind für diesen Fall zuständig." in done.text and 'id="assign-me"' not in done.text
    assert "zugewiesen an officer" in done.text  # the history names the assignee by name

    listed = client.get("/officer/")
    assert ">officer</td>" in _row(listed.text, mine) and "niemand" in _row(listed.text, other)
    pupil = world.demo.featured_pupil()
    assert f"{pupil.first_name} {pupil.last_name}" in _row(listed.text, mine)
    only_mine = client.get("/officer/?assigned=mine")
    assert mine in only_mine.text and other not in only_mine.text
    assert '<option value="mine" selected>meine Fälle</option>' in only_mine.text  # the filter keeps its label
    unassigned = client.get("/officer/?assigned=unassigned")
    assert other in unassigned.text and mine not in unassigned.text
    by_name = client.get("/officer/", params={"q": pupil.last_name.upper()})
    assert mine in by_name.text and other in by_name.text
    assert client.get("/officer/", params={"q": "Niemandsname"}).text.count("data-reference=") == 0

    # the API: give it to berta, see it in her list; a user of another controller is refused
    token = api_login(client, "officer")
    berta_id = next(
        c["id"] for c in client.get(f"/api/officer/cases/{mine}").json()["colleagues"] if c["username"] == "berta"
    )
    r = client.post(f"/api/officer/cases/{mine}/assign", json={"assignee": berta_id}, headers={"x-csrf-token": token})
    assert r.status_code == 200
    assert client.get(f"/api/officer/cases/{mine}").json()["case"]["assignee"] == berta_id
    stranger = casefile.create_user(world.engine, "fremd2", PASSWORD, {"vendor": ["officer"]})
    r = client.post(
        f"/api/officer/cases/{mine}/assign", json={"assignee": stranger.id}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 400 and r.json()["code"] == "assignee_not_colleague"
    second = app_client()
    api_login(second, "berta")
    r = second.get("/api/officer/cases", params={"assigned": "mine"})
    assert [c["reference"] for c in r.json()] == [mine] and r.headers["x-total-count"] == "1"


def test_freigeben_is_shown_disabled_until_the_approver_opened_the_final_letter(world: World, app_client: Any) -> None:
    ref = prepared_case(world, world.officer)
    client = app_client()
    api_login(client, "approver")
    page = client.get(f"/officer/cases/{ref}")
    assert 'data-step="open_letter"' in page.text and "Die endgültige Antwort öffnen und lesen." in page.text
    assert re.search(r'<button type="submit" id="approve" disabled aria-describedby="approve-reason">', page.text)
    assert "Freigeben ist erst möglich" in page.text
    r = client.post(f"/officer/cases/{ref}/do/approve", data={"_csrf": page_csrf(page.text)})
    assert "Bitte zuerst das Schreiben öffnen und lesen" in r.text  # refused on the server too
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.PREPARED

    letter = re.search(r'<a href="([^"]+)" id="final-letter"', page.text)
    assert letter
    opened = client.get(letter.group(1))
    assert opened.status_code == 200 and opened.headers["content-type"] == "application/pdf"
    page = client.get(f"/officer/cases/{ref}")
    assert 'data-step="approve"' in page.text and "Sie haben die aktuelle Fassung geöffnet." in page.text
    assert "endgültige Antwort geöffnet" in page.text  # in the history
    r = client.post(f"/officer/cases/{ref}/do/approve", data={"_csrf": page_csrf(page.text)})
    assert "Die Antwort ist freigegeben." in r.text
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.APPROVED


def test_the_api_refuses_a_download_for_a_requester_below_14(world: World, app_client: Any) -> None:
    # the 13-year-old's request gives her date of birth; her address is on file and confirmed by code
    pupil = world.demo.featured_pupil()
    ref = world.open_request(world.pupil(), email=pupil.email)
    secret = world.settings.dsr.secret_key.encode()
    _, issued = casefile.start_email_verification(world.engine, secret, ref)
    casefile.confirm_email(world.engine, secret, issued.link, issued.code)
    from dsr.casefile.casepage import candidates_of
    from dsr.service import casework

    casework.find_candidates(world.engine, world.settings, ref, user=world.officer)
    strong = [c for c in candidates_of(world.engine, world.officer, ref) if c.strong][0]
    casefile.confirm_identity(world.engine, world.officer, ref, strong.reference)
    client = app_client()
    token = api_login(client, "officer")
    delivery = client.get(f"/api/officer/cases/{ref}").json()["delivery"]
    assert delivery["route"] == "post" and delivery["to_guardians"] is True
    r = client.post(
        f"/api/officer/cases/{ref}/decide-delivery",
        json={"route": "download", "reason": "address_confirmed_in_person"},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 409 and r.json()["code"] == "to_guardians_post"
    casefile.start_gathering(world.engine, world.officer, ref, ["school"])
    casefile.finish_gathering(world.engine, ref)
    from tests.portal.officer_cases import tiny_pdf

    casefile.prepare(
        world.engine,
        world.officer,
        ref,
        casefile.Document(filename="disclosure.pdf", media_type="application/pdf", content=tiny_pdf()),
    )
    casefile.approve(world.engine, world.approver, ref)
    r = client.post(f"/api/officer/cases/{ref}/dispatch-download", json={}, headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "to_guardians_post"
    assert "Post" in r.json()["message"] or "post" in r.json()["message"]
    page = client.get(f"/officer/cases/{ref}")
    assert 'id="dispatch-download"' not in page.text  # the page does not offer it either
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.APPROVED


def test_without_a_child_s_date_of_birth_the_verified_address_on_file_still_gets_the_download(
    world: World, app_client: Any
) -> None:
    ref = approved_case(world)  # her request gives no date of birth: the address on file decides
    client = app_client()
    api_login(client, "officer")
    assert 'id="dispatch-download"' in client.get(f"/officer/cases/{ref}").text
