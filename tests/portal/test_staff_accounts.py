"""Staff accounts: an admin changes only accounts all of whose controllers they administer, and
passwords typed on the command line meet the policy (12 characters or more, not a common one)."""

from __future__ import annotations

import getpass
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from dsr import casefile
from dsr.casefile.passwords import PasswordPolicy
from dsr.casefile.users import find_user
from dsr.cli import main
from dsr.config import load
from dsr.demo import DemoSummary
from tests.officer_world import PASSWORD, SCHOOL, VENDOR, World, api_login, demo_config, page_csrf


def test_an_account_of_another_controller_too_is_listed_but_not_changed_by_an_admin_of_one(
    world: World, app_client: Any
) -> None:
    shared = casefile.create_user(world.engine, "shared", PASSWORD, {SCHOOL: ["officer"], VENDOR: ["officer"]})
    casefile.create_user(world.engine, "school-admin", PASSWORD, {SCHOOL: ["admin"]})
    for _ in range(5):  # locked out from the test client's address
        app_client().post("/api/officer/login", json={"username": "shared", "password": "wrong"})

    admin = app_client()
    token = api_login(admin, "school-admin")
    page = admin.get("/officer/admin")
    row = page.text.split(f'id="account-{shared.id}"')[1].split("</tr>")[0]
    assert "Gehört auch zu Verantwortlichen, die Sie nicht verwalten" in row
    assert "unlock-" not in row and "reset-totp-" not in row
    officer_row = page.text.split(f'id="account-{world.officer.id}"')[1].split("</tr>")[0]
    assert "nicht verwalten" not in officer_row
    by_name = {a["username"]: a for a in admin.get("/api/officer/admin/users").json()}
    assert by_name["shared"]["manageable"] is False and by_name["officer"]["manageable"] is True
    assert by_name["shared"]["roles"] == {SCHOOL: ["officer"]}

    r = admin.post(f"/officer/admin/users/{shared.id}/unlock", data={"_csrf": page_csrf(page.text)})
    assert r.status_code == 403
    error = unescape(r.text.split('id="admin-error">')[1].split("</p>")[0])
    assert error.startswith("Dieses Konto gehört auch zu Verantwortlichen, die Sie nicht verwalten.")
    for action in ("unlock", "reset-totp"):
        r = admin.post(f"/api/officer/admin/users/{shared.id}/{action}", headers={"x-csrf-token": token})
        assert r.status_code == 403, action
    assert "account unlocked" not in [e.action for e in casefile.history(world.engine, None)]

    both = app_client()
    casefile.create_user(world.engine, "both-admin", PASSWORD, {SCHOOL: ["admin"], VENDOR: ["admin"]})
    token = api_login(both, "both-admin")
    r = both.post(f"/api/officer/admin/users/{shared.id}/unlock", headers={"x-csrf-token": token})
    assert r.status_code == 200
    api_login(app_client(), "shared")


def typing(monkeypatch: pytest.MonkeyPatch, *answers: str) -> None:
    """What the user types at the password prompts, in order."""
    typed = iter(answers)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))


def test_dsr_user_add_and_password_refuse_short_and_common_passwords(
    demo: DemoSummary,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    strict_passwords: PasswordPolicy,
) -> None:
    config = demo_config(demo, tmp_path)
    add = ["user", "add", "--config", str(config), "--username", "u1", "--role", "officer", "--controller", SCHOOL]
    for password, why in (("kurz", "at least 12 characters"), ("Passwort1234", "common passwords")):
        typing(monkeypatch, password, password)
        assert main([*add, "--prompt"]) == 2
        out, err = capsys.readouterr()
        assert why in err and len(err.strip().splitlines()) == 1 and "created" not in out
    typing(monkeypatch, "Lesesaal-Stempelkissen 3", "Lesesaal-Stempelkissen 3")
    assert main([*add, "--prompt"]) == 0  # the name was not taken by the refused attempts
    assert main(add[:5] + ["u2"] + add[6:]) == 0  # a random password passes the policy
    capsys.readouterr()
    engine = casefile.open_engine(load(config).portal_database_url)
    try:
        password = ["user", "password", "--config", str(config), "--username", "u1", "--prompt"]
        for weak, why in (("hallo12345678", "common passwords"), ("zu-kurz", "at least 12 characters")):
            typing(monkeypatch, weak, weak)
            assert main(password) == 2
            assert why in capsys.readouterr().err
        assert casefile.login(engine, "u1", "Lesesaal-Stempelkissen 3")  # unchanged
        typing(monkeypatch, "Rückgabeklappe am Tor 9", "Rückgabeklappe am Tor 9")
        assert main(password) == 0
        assert casefile.login(engine, "u1", "Rückgabeklappe am Tor 9")
    finally:
        engine.dispose()


def test_an_admin_creates_accounts_and_new_passwords_only_at_their_own_controllers(
    world: World, app_client: Any
) -> None:
    casefile.create_user(world.engine, "school-admin", PASSWORD, {SCHOOL: ["admin"]})
    admin = app_client()
    token = api_login(admin, "school-admin")
    page = admin.get("/officer/admin")
    assert 'id="create-account"' in page.text and f'value="{VENDOR}"' not in page.text
    form = {"_csrf": page_csrf(page.text), "username": "new-officer", "controller": SCHOOL, "roles": ["officer"]}
    r = admin.post("/officer/admin/users", data=form)
    assert r.status_code == 200
    password = unescape(r.text.split('id="issued-password">')[1].split("</code>")[0])
    assert len(password) >= 12
    assert admin.get("/officer/admin").text.count(password) == 0  # shown once
    newcomer = app_client()
    api_login(newcomer, "new-officer", password)
    created = [e for e in casefile.history(world.engine, None) if e.action == "user created"][-1]
    assert created.actor == f"user:{find_user(world.engine, 'school-admin').id}"  # audited as the admin

    again = admin.post("/officer/admin/users", data=form)
    assert again.status_code == 400 and "Den Benutzernamen „new-officer“ gibt es schon." in unescape(again.text)
    elsewhere = admin.post("/officer/admin/users", data={**form, "username": "x", "controller": VENDOR})
    assert elsewhere.status_code == 403 and 'id="issued-password"' not in elsewhere.text
    no_role = admin.post("/officer/admin/users", data={**form, "username": "y", "roles": []})
    assert no_role.status_code == 400 and "mindestens eine Rolle" in unescape(no_role.text)
    r = admin.post(
        "/api/officer/admin/users",
        json={"username": "z", "controller": VENDOR, "roles": ["officer"]},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 403
    assert {"x", "y", "z"}.isdisjoint(a["username"] for a in admin.get("/api/officer/admin/users").json())

    # a forgotten password: a new one, the old one stops working and the user's sessions end
    user_id = find_user(world.engine, "new-officer").id
    r = admin.post(f"/api/officer/admin/users/{user_id}/password", headers={"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["username"] == "new-officer"
    fresh = r.json()["password"]
    assert newcomer.get("/api/officer/cases").status_code == 401
    r = app_client().post("/api/officer/login", json={"username": "new-officer", "password": password})
    assert r.status_code == 401
    api_login(app_client(), "new-officer", fresh)
