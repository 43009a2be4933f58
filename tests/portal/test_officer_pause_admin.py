"""The officer records the reply to an identity query (the pause ends that day), and admins unlock
accounts and reset second factors — of their own controllers only (TestClient, real SQLite portal DB)."""

from __future__ import annotations

import datetime as dt
from html import unescape
from pathlib import Path
from typing import Any

from dsr import casefile
from dsr.casefile import totp
from dsr.casefile.casepage import candidates_of
from dsr.casefile.users import find_user, set_language
from dsr.cli import main
from dsr.config import load
from dsr.service import casework
from tests.officer_world import PASSWORD, SCHOOL, VENDOR, World, api_login, demo_config, page_csrf
from tests.portal.officer_cases import confirmed_case
from tests.portal.officer_language import ENGLISH, german_left_in

# received Tuesday 20 January 2026 in Bavaria: due Friday 20 February without a pause
RECEIVED = dt.datetime(2026, 1, 20, 9, tzinfo=dt.UTC)
QUERY_SENT = dt.date(2026, 1, 28)


def queried_case(w: World) -> str:
    """A postal request of January 2026 whose identity query went out on 28 January and is still open."""
    opened = casefile.open_case(
        w.engine,
        w.settings.dsr.secret_key.encode(),
        casefile.Intake(
            controller=SCHOOL,
            land=w.settings.controller(SCHOOL).land,
            request_types=(casefile.RequestType.ACCESS,),
            channel=casefile.Channel.POST,
            received_at=RECEIVED,
            subject=casefile.Party(descriptor=w.pupil()),
        ),
        now=RECEIVED,
    )
    casework.find_candidates(w.engine, w.settings, opened.reference, user=w.officer)
    casefile.send_identity_query(w.engine, w.officer, opened.reference, justified=True, sent_on=QUERY_SENT)
    return opened.reference


def test_the_reply_received_across_the_month_end_ends_the_pause_on_that_day(world: World, app_client: Any) -> None:
    ref = queried_case(world)
    client = app_client()
    token = api_login(client, "officer")
    page = client.get(f"/officer/cases/{ref}")
    assert 'id="record-reply"' in page.text and 'id="deadline-paused"' in page.text
    assert "die Frist steht still" in page.text  # open: still counting

    url = f"/api/officer/cases/{ref}/identity-reply"
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date()
    r = client.post(url, json={"received_on": tomorrow.isoformat()}, headers={"x-csrf-token": token})
    assert r.status_code == 400 and r.json()["code"] == "reply_in_future"
    r = client.post(url, json={"received_on": "2026-01-27"}, headers={"x-csrf-token": token})
    assert r.status_code == 400 and r.json()["code"] == "reply_before_query"
    refused = client.post(
        f"/officer/cases/{ref}/do/identity-reply", data={"_csrf": page_csrf(page.text), "received_on": "2026-01-27"}
    )
    # refused: back on the case page (post/redirect/get) with the reason
    assert 'id="action-error"' in refused.text and "vor der Nachfrage (28.01.2026)" in refused.text

    # the reply came on 3 February (recorded months later): 6 days paused, due Thursday 26 February
    done = client.post(
        f"/officer/cases/{ref}/do/identity-reply", data={"_csrf": page_csrf(page.text), "received_on": "2026-02-03"}
    )
    assert done.status_code == 200 and 'id="action-error"' not in done.text
    assert "26.02.2026" in done.text and "6 Tag(e) (Identitätsnachfrage)" in done.text
    assert "die Frist steht still" not in done.text and 'id="record-reply"' not in done.text
    assert "beantwortet 03.02.2026" in done.text
    assert 'action="/officer/cases/' + ref + '/do/identity-query"' in done.text  # a new query is possible

    # the reply answered the letter sent to her postal address on file: the officer records that
    # check for the row it went to, then confirms — today, which does not stretch the pause to today
    strong = [c for c in candidates_of(world.engine, world.officer, ref) if c.strong][0]
    r = client.post(
        f"/api/officer/cases/{ref}/identity-check",
        json={"method": "postal", "candidate": strong.reference},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/officer/cases/{ref}/confirm-identity",
        json={"candidate": strong.reference},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 200
    detail = client.get(f"/api/officer/cases/{ref}").json()
    assert detail["case"]["due_on"] == "2026-02-26" and detail["case"]["state"] == "identity_confirmed"
    assert detail["identity_queries"] == [{"sent_on": "2026-01-28", "answered_on": "2026-02-03"}]
    assert "identity query answered" in [e.action for e in casefile.history(world.engine, ref)]

    set_language(world.engine, world.officer.id, "en")
    english = client.get(f"/officer/cases/{ref}").text
    assert "6 day(s) (identity query)" in english and "2026-02-26" in english


# --------------------------------------------------------------------------- four eyes over HTTP


def test_an_approver_who_decided_review_items_is_refused_with_the_four_eyes_code(
    world: World,
    app_client: Any,
) -> None:
    ref = confirmed_case(world, verified=False)
    casefile.start_gathering(world.engine, world.officer, ref, ["school"])
    casefile.finish_gathering(world.engine, ref)
    casefile.add_review_items(world.engine, None, ref, [("school/incidents/3", "mentions another pupil")])
    casefile.decide(world.engine, world.approver, ref, "school/incidents/3", "redact", "art15-4")
    approver = app_client()
    token = api_login(approver, "approver")
    casefile.prepare(
        world.engine,
        world.officer,
        ref,
        casefile.Document(filename="a.pdf", media_type="application/pdf", content=b"%PDF answer"),
    )
    r = approver.post(f"/api/officer/cases/{ref}/approve", headers={"x-csrf-token": token})
    assert r.status_code == 409 and r.json()["code"] == "four_eyes"
    page = approver.get(f"/officer/cases/{ref}")
    assert 'id="approve"' not in page.text  # not offered: it would be refused
    assert "Freigeben muss eine andere Person (Vier-Augen-Prinzip)" in unescape(page.text)
    r = approver.post(f"/officer/cases/{ref}/do/approve", data={"_csrf": page_csrf(page.text)})
    assert 'id="action-error"' in r.text and "über ihre Schwärzungen entschieden" in r.text
    assert casefile.get_case(world.engine, world.officer, ref).state is casefile.CaseState.PREPARED


# --------------------------------------------------------------------------- the admin section


def lock_out(app_client: Any, username: str) -> None:
    """Five wrong passwords from the test client's address: locked there."""
    client = app_client()
    for _ in range(5):
        client.post("/api/officer/login", json={"username": username, "password": "wrong"})
    r = client.post("/api/officer/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 401


def test_an_admin_unlocks_an_account_and_resets_a_second_factor_of_their_controller(
    world: World,
    app_client: Any,
) -> None:
    casefile.create_user(world.engine, "school-admin", PASSWORD, {SCHOOL: ["admin"]})
    now = dt.datetime.now(dt.UTC)
    secret = totp.new_secret()
    key = world.settings.secret
    casefile.enable_totp(world.engine, world.approver.id, secret, totp.code(secret, now), key=key, now=now)
    lock_out(app_client, "officer")

    admin = app_client()
    api_login(admin, "school-admin")
    page = admin.get("/officer/admin")
    assert page.status_code == 200 and 'id="nav-admin"' in page.text
    officer_row = page.text.split(f'id="account-{world.officer.id}"')[1].split("</tr>")[0]
    approver_row = page.text.split(f'id="account-{world.approver.id}"')[1].split("</tr>")[0]
    assert "gesperrt" in officer_row and f'id="unlock-{world.officer.id}"' in officer_row
    assert "Freigabe, Sachbearbeitung" in approver_row and f'id="reset-totp-{world.approver.id}"' in approver_row
    assert "vendor-officer" not in page.text  # a user of another controller does not exist here

    r = admin.post(f"/officer/admin/users/{world.officer.id}/unlock", data={"_csrf": "forged"})
    assert r.status_code == 403
    r = admin.post(f"/officer/admin/users/{world.officer.id}/unlock", data={"_csrf": page_csrf(page.text)})
    assert r.status_code == 200 and 'id="admin-done"' in r.text
    assert 'id="unlock-' not in r.text
    api_login(app_client(), "officer")  # from the address that was locked out

    r = admin.post(f"/officer/admin/users/{world.approver.id}/reset-totp", data={"_csrf": page_csrf(page.text)})
    assert r.status_code == 200 and f'id="reset-totp-{world.approver.id}"' not in r.text
    api_login(app_client(), "approver")  # the password alone is enough again
    actions = [(e.action, e.actor) for e in casefile.history(world.engine, None)]
    admin_id = find_user(world.engine, "school-admin").id
    assert ("account unlocked", f"user:{admin_id}") in actions
    assert ("second factor disabled", f"user:{admin_id}") in actions

    accounts = admin.get("/api/officer/admin/users").json()
    by_name = {a["username"]: a for a in accounts}
    assert set(by_name) == {"officer", "approver", "school-admin"}
    assert by_name["approver"]["roles"] == {SCHOOL: ["approver", "officer"]}
    assert not by_name["approver"]["totp_enabled"] and not by_name["officer"]["locked"]

    set_language(world.engine, find_user(world.engine, "school-admin").id, "en")
    english = admin.get("/officer/admin", headers=ENGLISH).text
    assert "User administration" in english and german_left_in(english) == []


def test_the_admin_section_needs_the_admin_role_and_stops_at_the_controllers_edge(
    world: World,
    app_client: Any,
) -> None:
    officer = app_client()
    token = api_login(officer, "officer")
    assert 'id="nav-admin"' not in officer.get("/officer/").text
    assert officer.get("/officer/admin").status_code == 403
    assert officer.get("/api/officer/admin/users").status_code == 403
    r = officer.post(f"/api/officer/admin/users/{world.approver.id}/unlock", headers={"x-csrf-token": token})
    assert r.status_code == 403

    casefile.create_user(world.engine, "vendor-admin", PASSWORD, {VENDOR: ["admin"]})
    lock_out(app_client, "officer")
    admin = app_client()
    token = api_login(admin, "vendor-admin")
    assert {a["username"] for a in admin.get("/api/officer/admin/users").json()} == {"vendor-officer", "vendor-admin"}
    for action in ("unlock", "reset-totp"):
        r = admin.post(f"/api/officer/admin/users/{world.officer.id}/{action}", headers={"x-csrf-token": token})
        assert r.status_code == 404, action
    lock_out(app_client, "officer")  # still locked: nothing happened
    assert "account unlocked" not in [e.action for e in casefile.history(world.engine, None)]


# --------------------------------------------------------------------------- the command line


def test_user_unlock_reset_totp_and_password_on_the_command_line(demo: Any, tmp_path: Path, capsys: Any) -> None:
    config = demo_config(demo, tmp_path)
    assert (
        main(["user", "add", "--config", str(config), "--username", "u1", "--role", "officer", "--controller", SCHOOL])
        == 0
    )
    first = capsys.readouterr().out.split("shown only now):")[1].split()[0]
    engine = casefile.open_engine(load(config).portal_database_url)
    try:
        user = casefile.login(engine, "u1", first).user
        for _ in range(5):  # locked on the account (the command line's login counts there)
            try:
                casefile.login(engine, "u1", "wrong")
            except (casefile.LoginFailed, casefile.TooManyRequests):
                pass
        try:
            casefile.login(engine, "u1", first)
            raise AssertionError("the account should be locked")
        except casefile.TooManyRequests:
            pass
        assert main(["user", "unlock", "--config", str(config), "--username", "u1"]) == 0
        token = casefile.login(engine, "u1", first).token

        now = dt.datetime.now(dt.UTC)
        secret = totp.new_secret()
        casefile.enable_totp(engine, user.id, secret, totp.code(secret, now), key=load(config).secret, now=now)
        assert main(["user", "reset-totp", "--config", str(config), "--username", "u1"]) == 0
        assert not casefile.get_user(engine, user.id).totp_enabled

        capsys.readouterr()
        assert main(["user", "password", "--config", str(config), "--username", "u1"]) == 0
        second = capsys.readouterr().out.split("shown only now):")[1].split()[0]
        assert second != first and casefile.session_user_id(engine, token) is None  # sessions ended
        try:
            casefile.login(engine, "u1", first)
            raise AssertionError("the old password still works")
        except casefile.LoginFailed:
            pass
        assert casefile.login(engine, "u1", second).user.id == user.id
        assert main(["user", "unlock", "--config", str(config), "--username", "nobody"]) == 2
        assert "no user named 'nobody'" in capsys.readouterr().err
    finally:
        engine.dispose()
