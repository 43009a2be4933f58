"""The second factor is required by default (``[portal] require_totp``): staff without it set it up
right after the password, on a page with a QR code drawn locally, before anything else opens."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from dsr import casefile
from dsr.casefile import totp
from dsr.casefile.users import admin_reset_totp, find_user
from dsr.config import PortalSettings, load
from dsr.demo import DemoSummary
from dsr.portal.officer.pages import qr_svg
from tests.officer_world import PASSWORD, SCHOOL, World, api_login, demo_config, make_world, page_csrf


@pytest.fixture
def strict(demo: DemoSummary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[World, Any]]:
    """A portal on the demo with ``[portal] require_totp`` left at its default, and a client on it."""
    from litestar.testing import TestClient

    from dsr.portal import create_app

    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    w = make_world(demo, tmp_path, require_totp=None)
    with TestClient(create_app(w.settings, engine=w.engine)) as client:
        yield w, client
    w.engine.dispose()


def log_in(client: Any, username: str = "officer", code: str | None = None) -> Any:
    data = {"username": username, "password": PASSWORD, **({"totp": code} if code else {})}
    return client.post("/officer/login", data=data, follow_redirects=False)


def test_the_second_factor_is_required_unless_the_configuration_says_otherwise(
    demo: DemoSummary, tmp_path: Path
) -> None:
    assert PortalSettings().require_totp is True
    assert load(demo_config(demo, tmp_path, require_totp=None)).portal.require_totp is True
    assert load(demo_config(demo, tmp_path, require_totp=False)).portal.require_totp is False


def test_a_password_login_goes_to_the_enrolment_page_with_a_qr_code_drawn_here(strict: tuple[World, Any]) -> None:
    w, client = strict
    r = log_in(client)
    assert r.status_code == 303 and r.headers["location"] == "/officer/totp"
    page = client.get("/officer/totp")
    assert page.status_code == 200 and 'id="totp-required"' in page.text
    html = page.text
    # an inline SVG QR code, and nothing loaded from elsewhere: no address of another host, no script, no image
    qr = html.split('<div id="totp-qr">', 1)[1].split("</div>", 1)[0].strip()
    assert qr.startswith('<svg role="img" aria-label="QR-Code') and qr.endswith("</svg>")
    assert "http://" not in html and "https://" not in html and "//" not in re.sub(r"otpauth://", "", html)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "self" in page.headers["content-security-policy"]
    # the secret in text for typing, and the QR code is exactly the otpauth:// address shown
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)  # type: ignore[union-attr]
    uri = unescape(re.search(r'<code class="wrap">([^<]+)</code>', html).group(1))  # type: ignore[union-attr]
    issuer = w.settings.controller(SCHOOL).name  # the officer's one controller, as its request form names it
    assert uri == totp.provisioning_uri(secret, "officer", issuer)
    assert uri.startswith(f"otpauth://totp/{quote(issuer)}%3Aofficer?secret={secret}&issuer={quote(issuer)}&")
    assert qr == str(qr_svg(uri, "QR-Code zum Einrichten der Zwei-Faktor-Anmeldung"))
    english = client.get("/officer/totp", headers={"accept-language": "en"}).text
    assert "Scan this QR code" in english and 'aria-label="QR code for setting up two-factor login"' in english


def test_nothing_else_opens_until_the_second_factor_is_set_up(strict: tuple[World, Any]) -> None:
    w, client = strict
    ref = w.open_request(w.pupil())
    log_in(client)
    csrf = page_csrf(client.get("/officer/totp").text)
    for path in ("/officer/", f"/officer/cases/{ref}", "/officer/new", "/officer/admin"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/officer/totp", path
    r = client.post(f"/officer/cases/{ref}/do/comment", data={"_csrf": csrf, "body": "x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/officer/totp"
    for path in ("/api/officer/cases", f"/api/officer/cases/{ref}"):
        r = client.get(path)
        assert r.status_code == 403 and r.json()["error"] == "totp_required", path
    r = client.post(f"/api/officer/cases/{ref}/comment", json={"body": "x"}, headers={"x-csrf-token": csrf})
    assert r.status_code == 403 and r.json()["error"] == "totp_required"
    assert client.get("/api/officer/me").status_code == 200  # who is logged in may be asked
    assert [e.action for e in casefile.history(w.engine, ref)].count("comment added") == 0
    # the API's own login works the same way
    api = api_login(client, "approver")
    assert client.get("/api/officer/cases", headers={"x-csrf-token": api}).status_code == 403

    # set up: the code the app shows turns it on, and from then on everything opens
    log_in(client)
    page = client.get("/officer/totp").text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    now = dt.datetime.now(dt.UTC)
    r = client.post("/officer/totp", data={"_csrf": page_csrf(page), "secret": secret, "code": totp.code(secret, now)})
    assert r.status_code == 200 and 'id="totp-done"' in r.text and 'id="totp-continue"' in r.text
    assert client.get("/officer/", follow_redirects=False).status_code == 200
    assert client.get("/api/officer/cases").status_code == 200
    # the next login needs the code (a later one: the one used to set it up is spent)
    client.post("/officer/logout", data={"_csrf": page_csrf(r.text)})
    assert log_in(client).status_code == 400
    r = log_in(client, code=totp.code(secret, now + dt.timedelta(seconds=30)))
    assert r.status_code == 303 and r.headers["location"] == "/officer/"


def test_a_wrong_code_does_not_turn_the_second_factor_on(strict: tuple[World, Any]) -> None:
    w, client = strict
    log_in(client)
    page = client.get("/officer/totp").text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]
    right = totp.code(secret, dt.datetime.now(dt.UTC))
    wrong = "000000" if right != "000000" else "111111"
    r = client.post("/officer/totp", data={"_csrf": page_csrf(page), "secret": secret, "code": wrong})
    assert r.status_code == 400 and 'id="totp-error"' in r.text and "Der Code passt nicht" in r.text
    assert f'id="totp-secret">{secret}<' in r.text  # the same key to try again
    r = client.post("/officer/totp", data={"_csrf": page_csrf(page), "secret": "not-base32", "code": right})
    assert r.status_code == 400 and 'id="totp-error"' in r.text
    assert not casefile.get_user(w.engine, w.officer.id).totp_enabled
    assert client.get("/officer/", follow_redirects=False).headers["location"] == "/officer/totp"


def test_after_an_admin_reset_the_user_sets_it_up_again_before_going_on(strict: tuple[World, Any]) -> None:
    w, client = strict
    now = dt.datetime.now(dt.UTC)
    secret = totp.new_secret()
    casefile.enable_totp(w.engine, w.officer.id, secret, totp.code(secret, now), key=w.settings.secret, now=now)
    assert log_in(client, code=totp.code(secret, now + dt.timedelta(seconds=30))).status_code == 303
    assert client.get("/officer/", follow_redirects=False).status_code == 200
    admin = casefile.create_user(w.engine, "school-admin", PASSWORD, {SCHOOL: ["admin"]})
    admin_reset_totp(w.engine, admin, w.officer.id)
    assert client.get("/officer/", follow_redirects=False).headers["location"] == "/officer/totp"
    assert find_user(w.engine, "officer").totp_enabled is False


def test_after_the_secret_key_changed_the_login_says_an_admin_must_reset_the_second_factor(
    strict: tuple[World, Any], caplog: pytest.LogCaptureFixture
) -> None:
    w, client = strict
    now = dt.datetime.now(dt.UTC)
    secret = totp.new_secret()
    before = b"the [dsr] secret_key before it was replaced, 0123456789"
    casefile.enable_totp(w.engine, w.officer.id, secret, totp.code(secret, now), key=before, now=now)
    r = log_in(client, code=totp.code(secret, now + dt.timedelta(seconds=30)))
    assert r.status_code == 400 and "Verwaltung bitten, sie zurückzusetzen" in r.text and secret not in r.text
    r = client.post("/api/officer/login", json={"username": "officer", "password": PASSWORD, "totp": "123456"})
    assert r.status_code == 401 and r.json()["error"] == "totp_unreadable" and "reset" in r.json()["message"]
    wrong = client.post("/api/officer/login", json={"username": "officer", "password": "wrong", "totp": "123456"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "login_failed"  # a guesser learns nothing
    assert any("second-factor secret could not be decrypted" in r.getMessage() for r in caplog.records)
    admin = casefile.create_user(w.engine, "school-admin", PASSWORD, {SCHOOL: ["admin"]})
    admin_reset_totp(w.engine, admin, w.officer.id)
    r = log_in(client)
    assert r.status_code == 303 and r.headers["location"] == "/officer/totp"  # set up again, under today's key


def test_with_require_totp_false_the_password_alone_lets_staff_in(world: World, app_client: Any) -> None:
    assert world.settings.portal.require_totp is False
    client = app_client()
    r = log_in(client)
    assert r.status_code == 303 and r.headers["location"] == "/officer/"
    assert client.get("/officer/", follow_redirects=False).status_code == 200
    assert client.get("/api/officer/cases").status_code == 200
    page = client.get("/officer/totp")  # still there to turn it on, without the demand
    assert page.status_code == 200 and 'id="totp-qr"' in page.text and 'id="totp-required"' not in page.text
