"""The public side over HTTP (Litestar TestClient, real SQLite portal DB, file mail backend)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.schema import documents, parties
from dsr.config import load
from tests.portal.portal_setup import code_in, free_port, migrate, write_config
from tests.portal.public_requests import FORM, dispatched, receipt, submit

# --------------------------------------------------------------------------- pages and languages


def test_the_root_sends_visitors_to_their_language(client: Any) -> None:
    en = client.get("/", headers={"accept-language": "en-GB,en;q=0.9,de;q=0.5"}, follow_redirects=False)
    assert en.status_code == 303 and en.headers["location"] == "/en/"
    de = client.get("/", headers={"accept-language": "fr, de;q=0.8"}, follow_redirects=False)
    assert de.headers["location"] == "/de/"
    assert client.get("/", follow_redirects=False).headers["location"] == "/de/"


def test_the_landing_page_explains_rights_and_offers_each_controller(client: Any) -> None:
    de = client.get("/de/")
    assert de.status_code == 200 and '<html lang="de">' in de.text
    assert "Auskunft" in de.text and "Löschung" in de.text and "Widerspruch" in de.text
    assert 'href="/de/request/gym-musterstadt"' in de.text and 'href="/de/request/james-vendor"' in de.text
    en = client.get("/en/")
    assert '<html lang="en">' in en.text and "Your rights over your data" in en.text
    assert 'href="/de/"' in en.text  # the switch back to German keeps the page


def test_every_text_key_used_by_a_template_exists_in_both_languages() -> None:
    from dsr.portal.i18n import _texts, keys

    used: set[str] = set()
    folder = Path(__file__).parents[2] / "dsr/portal/templates"
    for template in [folder / "base.html", *(folder / "public").glob("*.html")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']\s*[,)]""", template.read_text()))
    dynamic = {
        k for k in keys() if k.startswith(("state.", "form.type.", "landing.", "form.acting_", "form.error.", "error."))
    }
    assert used - keys() == set()
    assert all(set(v) == {"de", "en"} and all(v.values()) for v in _texts().values())
    assert dynamic  # states, kinds and errors are looked up by computed keys


def test_unknown_pages_get_a_404_page_in_the_visitors_language(client: Any) -> None:
    page = client.get("/en/nothing-here")
    assert page.status_code == 404 and "This page does not exist." in page.text and "Traceback" not in page.text
    assert client.get("/de/request/no-such-school").status_code == 404
    assert "Diese Seite gibt es nicht." in client.get("/xx/").text
    api = client.get("/api/public/nothing?lang=en")
    assert api.status_code == 404 and api.json() == {"error": "not_found", "message": "This page does not exist."}


# --------------------------------------------------------------------------- headers and cookies


def test_public_responses_carry_strict_security_headers_and_never_a_cookie(client: Any) -> None:
    reference, secret, code_id = receipt(submit(client))
    responses = [
        client.get("/", follow_redirects=False),
        client.get("/de/"),
        client.get("/en/request/james-vendor"),
        submit(client, first_name=""),
        client.get(f"/de/verify/{code_id}"),
        client.post(f"/de/verify/{code_id}", data={"code": "WRONG123"}),
        client.get("/de/verify"),
        client.get("/de/status"),
        client.post("/de/status", data={"reference": reference, "secret": secret}),
        client.get("/de/download/999"),
        client.post("/de/download/999/code"),
        client.get("/en/missing"),
        client.get("/api/public/controllers"),
        client.get("/static/portal.css"),
    ]
    for response in responses:
        h = response.headers
        assert "set-cookie" not in h, response.url
        csp = h["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "http" not in csp
        assert h["referrer-policy"] == "no-referrer" and h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
    assert responses[1].headers["cache-control"] == "no-store"


def test_pages_load_nothing_from_third_parties(client: Any) -> None:
    for path in ("/de/", "/en/request/gym-musterstadt", "/de/status", "/de/verify/1", "/de/download/1"):
        html = client.get(path).text
        assert not re.search(r"""(src|href)=["'](https?:)?//""", html), path
    assert "http" not in client.get("/static/portal.css").text


def test_hsts_only_over_tls(client_with: Any) -> None:
    with client_with('tls = true\nmail = { backend = "file" }\n') as tls_client:
        assert "max-age=" in tls_client.get("/de/").headers["strict-transport-security"]


def test_a_deployment_mailing_to_the_console_is_warned_once_at_start(
    client_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # over TLS (a deployment) codes printed to stdout would sit in the service log and reach nobody
    with caplog.at_level(logging.WARNING, logger="dsr"):
        with client_with("tls = true\n"):
            pass
        warned = [r.getMessage() for r in caplog.records if "console" in r.getMessage()]
        assert len(warned) == 1 and 'backend = "smtp"' in warned[0] and "@" not in warned[0]
        caplog.clear()
        with client_with('tls = true\nmail = { backend = "file" }\n'), client_with(""):  # real mail; the demo
            pass
        assert not [r for r in caplog.records if "console" in r.getMessage()]


# --------------------------------------------------------------------------- the request form


def test_a_request_is_received_and_the_verification_code_arrives_by_mail(
    client: Any, outbox: Any, portal_engine: Any
) -> None:
    response = submit(client, details="Bitte auch die Mahnungen.")
    assert response.status_code == 200
    reference, secret, code_id = receipt(response)
    assert re.fullmatch(r"DSR-\d{4}-[A-Z0-9]{6}", reference)
    # the status link carries the secret only in the fragment, which browsers never send
    assert f'href="/de/status#ref={reference}&amp;secret={secret}"' in response.text
    [mail] = outbox()
    assert mail["To"] == "anna@example.org" and reference in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "Gymnasium Musterstadt" in body and f"/de/verify/{code_id}#code=" in body
    with portal_engine.connect() as conn:
        details = conn.execute(sa.select(documents.c.content).where(documents.c.kind == "request_details")).scalar_one()
    assert details.decode() == "Bitte auch die Mahnungen."


def test_a_wrong_code_is_refused_and_the_right_one_confirms_the_address(
    client: Any, outbox: Any, portal_engine: Any
) -> None:
    reference, _, code_id = receipt(submit(client))
    wrong = client.post(f"/de/verify/{code_id}", data={"code": "AAAA2222"})
    assert wrong.status_code == 400 and "Der Code stimmt nicht" in wrong.text
    assert 'aria-describedby="code-help code-error"' in wrong.text and 'aria-invalid="true"' in wrong.text
    # a link opened by a mail scanner (GET) confirms nothing
    assert client.get(f"/de/verify/{code_id}").status_code == 200
    with portal_engine.connect() as conn:
        assert conn.execute(sa.select(parties.c.email_verified_at)).scalar_one() is None
    code = code_in(outbox()[0])
    done = client.post(f"/de/verify/{code_id}", data={"code": code[:4].lower() + " " + code[4:]})
    assert done.status_code == 200 and reference in done.text and "bestätigt" in done.text
    again = client.post(f"/de/verify/{code_id}", data={"code": code})
    assert again.status_code == 400 and "gilt nicht mehr" in again.text


def test_a_new_verification_code_needs_reference_and_secret(client: Any, outbox: Any) -> None:
    reference, secret, _ = receipt(submit(client))
    refused = client.post("/en/verify", data={"reference": reference, "secret": "guess"})
    assert refused.status_code == 400 and "The reference or the secret is not right." in refused.text
    assert len(outbox()) == 1
    sent = client.post("/en/verify", data={"reference": reference.lower(), "secret": secret})
    assert sent.status_code == 200 and "We have sent you a new code." in sent.text
    assert len(outbox()) == 2 and "confirm your e-mail" in outbox()[1]["Subject"]


def test_the_status_page_shows_stage_and_deadline_but_no_data(client: Any) -> None:
    reference, secret, _ = receipt(submit(client))
    page = client.post("/en/status", data={"reference": reference, "secret": secret})
    assert page.status_code == 200 and "Received" in page.text and "Answer due by" in page.text
    assert "Gymnasium Musterstadt" in page.text
    assert "Anna" not in page.text and "anna@example.org" not in page.text and "L-1001" not in page.text
    # another last character (not "x": Crockford reads case-insensitively, a secret may end in X)
    wrong = secret[:-1] + ("2" if secret[-1] == "0" else "0")
    for ref, sec in ((reference, wrong), ("DSR-2026-AAAAAA", secret)):
        refused = client.post("/en/status", data={"reference": ref, "secret": sec})
        assert refused.status_code == 400 and "The reference or the secret is not right." in refused.text


def test_mistakes_in_the_form_are_shown_next_to_the_fields_and_nothing_typed_is_lost(client: Any, outbox: Any) -> None:
    page = submit(client, "en", types=[], first_name="", email="anna@", details="keep me <b>")
    assert page.status_code == 400 and not outbox()
    assert "Please choose at least one kind of request." in page.text
    assert 'id="first_name-error"' in page.text and 'aria-describedby="first_name-error"' in page.text
    assert 'aria-describedby="email-help email-error"' in page.text and "valid e-mail address" in page.text
    assert 'value="Beispiel"' in page.text and "keep me &lt;b&gt;" in page.text  # kept, and escaped
    bad_date = submit(client, date_of_birth="31.02.2010")
    assert bad_date.status_code == 400 and "Das Geburtsdatum muss ein echtes Datum sein." in bad_date.text


def test_a_parent_is_recorded_as_requester_and_gets_the_mail(client: Any, outbox: Any, portal_engine: Any) -> None:
    missing = submit(client, acting="parent", email="mama@example.org")
    assert missing.status_code == 400 and 'id="requester_first_name-error"' in missing.text
    ok = submit(
        client, acting="parent", email="mama@example.org", requester_first_name="Maria", requester_last_name="Beispiel"
    )
    assert ok.status_code == 200
    assert [m["To"] for m in outbox()] == ["mama@example.org"]
    with portal_engine.connect() as conn:
        rows = {r.role: r for r in conn.execute(sa.select(parties))}
    assert rows["subject"].email is None and rows["subject"].descriptor["first_name"] == "Anna"
    assert rows["requester"].email == "mama@example.org"


def test_a_representative_must_upload_an_authorisation_which_is_kept(client: Any, portal_engine: Any) -> None:
    base = {
        **FORM,
        "acting": "representative",
        "requester_first_name": "Rita",
        "requester_last_name": "Anwalt",
        "email": "kanzlei@example.org",
    }
    missing = client.post("/de/request/gym-musterstadt", data=base)
    assert missing.status_code == 400 and "Laden Sie die Vollmacht hoch." in missing.text
    wrong_type = client.post(
        "/de/request/gym-musterstadt",
        data=base,
        files={"authorisation": ("v.exe", b"MZ...", "application/x-msdownload")},
    )
    assert wrong_type.status_code == 400 and "PDF, JPEG oder PNG" in wrong_type.text
    pdf = b"%PDF-1.4 Vollmacht"
    ok = client.post(
        "/de/request/gym-musterstadt", data=base, files={"authorisation": ("Vollmacht.pdf", pdf, "application/pdf")}
    )
    assert ok.status_code == 200
    with portal_engine.connect() as conn:
        kept = conn.execute(sa.select(documents).where(documents.c.kind == "authorisation")).one()
    assert kept.content == pdf and kept.media_type == "application/pdf"


# --------------------------------------------------------------------------- limits and failures


@pytest.fixture
def client_with(tmp_path: Path, migrated_sqlite: Path) -> Any:
    """A TestClient for a config whose [portal] section is ``portal``."""
    from litestar.testing import TestClient

    from dsr.portal import create_app

    def make(portal: str) -> Any:
        settings = load(write_config(tmp_path, portal))
        if not settings.portal.database_url:
            migrate(settings, migrated_sqlite)
        return TestClient(create_app(settings))

    return make


def test_submissions_are_rate_limited_with_a_clear_message(client_with: Any) -> None:
    with client_with('mail = { backend = "file" }\nrate_limits = { submissions_per_hour = 2 }\n') as c:
        assert submit(c).status_code == 200
        # a form sent back with mistakes does not count: only accepted requests do
        assert [submit(c, first_name="").status_code for _ in range(5)] == [400] * 5
        assert submit(c).status_code == 200
        limited = submit(c, "en")
        assert limited.status_code == 429 and "Too many attempts" in limited.text and "retry-after" in limited.headers
        assert (
            "set-cookie" not in limited.headers
            and "frame-ancestors 'none'" in limited.headers["content-security-policy"]
        )
        assert c.get("/en/").status_code == 200  # reading pages is not limited
        api = c.post("/api/public/requests?lang=de", json={**FORM, "controller": "gym-musterstadt"})
        assert api.status_code == 429 and api.json()["error"] == "rate_limited"


def test_code_attempts_are_rate_limited(client_with: Any) -> None:
    with client_with('mail = { backend = "file" }\nrate_limits = { code_attempts_per_hour = 3 }\n') as c:
        _, _, code_id = receipt(submit(c))
        for _ in range(3):
            assert c.post(f"/de/verify/{code_id}", data={"code": "AAAA2222"}).status_code == 400
        limited = c.post(f"/de/verify/{code_id}", data={"code": "AAAA2222"})
        assert limited.status_code == 429 and "Zu viele Versuche" in limited.text


def test_a_mail_failure_loses_no_request(client_with: Any) -> None:
    port = free_port()  # nothing listens there
    with client_with(f'mail = {{ backend = "smtp", port = {port} }}\n') as c:
        page = submit(c)
        assert page.status_code == 200 and "konnte gerade nicht gesendet werden" in page.text
        reference = re.search(r'id="reference">([^<]+)<', page.text).group(1)
        secret = re.search(r'id="status-secret">([^<]+)<', page.text).group(1)
        assert c.post("/de/status", data={"reference": reference, "secret": secret}).status_code == 200
        resend = c.post("/de/verify", data={"reference": reference, "secret": secret})
        assert resend.status_code == 503 and "keine E-Mail senden" in resend.text


def test_an_internal_error_shows_a_clear_page_without_details(
    tmp_path: Path, client_with: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # a table gone after startup (the plugin migrates at startup): every query fails inside SQLAlchemy
    url = f"sqlite:///{tmp_path / 'broken.db'}"
    with client_with(f'database_url = "{url}"\nmail = {{ backend = "file" }}\n') as c:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE dsr_cases RENAME TO dsr_cases_gone")
        engine.dispose()
        page = submit(c, "en", first_name="Zacharias")
        # nothing of the request was kept: the form says so, with everything typed still in it
        assert page.status_code == 500 and "Your request could not be stored" in page.text
        assert 'value="Zacharias"' in page.text
        assert "Traceback" not in page.text and "sqlite" not in page.text.lower()
        api = c.post("/api/public/status", json={"reference": "DSR-2026-AAAAAA", "status_secret": "x"})
        assert api.status_code == 500 and api.json()["error"] == "internal"
    assert "OperationalError" in caplog.text and "Zacharias" not in caplog.text and "anna@" not in caplog.text


# --------------------------------------------------------------------------- secure download


def test_the_requests_language_is_the_page_language(client: Any, outbox: Any, portal_engine: Any) -> None:
    english, _, _ = receipt(submit(client, lang="en"))
    german, _, _ = receipt(submit(client, lang="de", email="b@example.org"))
    with portal_engine.connect() as conn:
        languages = dict(
            conn.execute(sa.select(casefile.schema.cases.c.reference, casefile.schema.cases.c.language)).all()
        )
    assert languages == {english: "en", german: "de"}


def test_the_answer_downloads_only_with_a_fresh_code_sent_to_the_verified_address(
    client: Any, outbox: Any, portal_engine: Any
) -> None:
    reference, _, code_id = receipt(submit(client))
    # seen in person; an officer decided the download to the address she gave, a second approved:
    # the link exists, but no code goes to the address until she confirmed it
    download_id = dispatched(portal_engine, reference, verified=False)
    unverified = client.post(f"/de/download/{download_id}/code")
    assert unverified.status_code == 409 and "noch nicht bestätigt" in unverified.text
    client.post(f"/de/verify/{code_id}", data={"code": code_in(outbox()[0])})

    page = client.post(f"/en/download/{download_id}/code")
    assert page.status_code == 200 and "We have sent you a code" in page.text
    mail = outbox()[-1]
    assert mail["To"] == "anna@example.org" and mail["Subject"] == "Your download code"
    dl_code_id = re.search(r'name="code_id" value="(\d+)"', page.text).group(1)
    wrong = client.post(f"/en/download/{download_id}", data={"code_id": dl_code_id, "code": "AAAA2222"})
    assert wrong.status_code == 400 and "The code is not right" in wrong.text
    got = client.post(f"/en/download/{download_id}", data={"code_id": dl_code_id, "code": code_in(mail)})
    assert got.status_code == 200 and got.content == b"%PDF-1.7 the answer"
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == 'attachment; filename="Auskunft__x_.pdf"'
    reused = client.post(f"/en/download/{download_id}", data={"code_id": dl_code_id, "code": code_in(mail)})
    assert reused.status_code == 400 and "no longer valid" in reused.text

    # the second (last) download through the JSON API; then the offer has ended
    sent = client.post(f"/api/public/downloads/{download_id}/code?lang=de")
    assert sent.status_code == 200 and outbox()[-1]["Subject"] == "Ihr Download-Code"
    api = client.post(
        f"/api/public/downloads/{download_id}", json={"code_id": sent.json()["code_id"], "code": code_in(outbox()[-1])}
    )
    assert api.status_code == 200 and api.content == b"%PDF-1.7 the answer"
    ended = client.post(f"/en/download/{download_id}/code")
    assert ended.status_code == 400 and "This download has expired" in ended.text
    events = [e.action for e in casefile.history(portal_engine, reference)]
    assert events.count("answer downloaded") == 2 and events.count("download code sent") == 2


# --------------------------------------------------------------------------- the JSON API


def test_the_json_api_does_what_the_pages_do(client: Any, outbox: Any) -> None:
    assert {"key": "james-vendor", "name": "James Software GmbH", "kind": "vendor"} in client.get(
        "/api/public/controllers"
    ).json()
    bad = client.post(
        "/api/public/requests?lang=en",
        json={"controller": "gym-musterstadt", "types": [], "first_name": "Anna", "last_name": "", "email": "x"},
    )
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"types", "last_name", "email"}
    made = client.post(
        "/api/public/requests",
        json={
            "controller": "james-vendor",
            "types": ["access", "erasure"],
            "first_name": "Anna",
            "last_name": "Beispiel",
            "email": "anna@example.org",
        },
    )
    assert made.status_code == 201
    body = made.json()
    assert body["verification_mail_sent"] is True
    confirmed = client.post(
        f"/api/public/verifications/{body['verification_token']}", json={"code": code_in(outbox()[0])}
    )
    assert confirmed.json() == {"reference": body["reference"]}
    status = client.post(
        "/api/public/status", json={"reference": body["reference"], "status_secret": body["status_secret"]}
    )
    assert status.status_code == 200 and status.json()["state"] == "received" and "due_on" in status.json()
    wrong = client.post("/api/public/status?lang=de", json={"reference": body["reference"], "status_secret": "x"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "status_rejected"
    schema = client.get("/api/schema/openapi.json").json()
    assert "/api/public/requests" in schema["paths"] and "/api/public/downloads/{token}" in schema["paths"]
