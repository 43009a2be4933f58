"""A James login on the request form (docs/identity.md, "James logins"): a valid, unused token for
this controller verifies the requester as the row it names — no code mail — and anything else
leaves the form with a plain "no longer valid" (TestClient, real SQLite portal DB)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.delivery import Route
from dsr.casefile.schema import cases, identity_checks, parties
from dsr.config import load
from dsr.demo import DemoSummary
from dsr.pipeline.identify import candidate_reference
from dsr.portal import create_app
from dsr.service.casework import handlers
from dsr.signin import sign_login
from tests.officer_world import PASSWORD, SCHOOL, demo_config
from tests.portal.portal_setup import JAMES_LOGIN_KEY
from tests.portal.public_requests import FORM, submit

CONTROLLER = "gym-musterstadt"
#: the form's error when a login is not accepted (texts.toml form.error.james_login), whatever the cause
NO_LONGER_VALID = "Ihre Anmeldung bei James ist nicht mehr gültig"


def token(
    *,
    key: str = JAMES_LOGIN_KEY,
    controller: str = CONTROLLER,
    email: str | None = "anna.james@example.org",
    ttl: int = 300,
    now: dt.datetime | None = None,
) -> str:
    """What James signs for its logged-in reader 4711 of the school store."""
    return sign_login(key, controller=controller, store="school", person_key="4711", email=email, ttl=ttl, now=now)


def reference_of(page: Any) -> str:
    return re.search(r'id="reference">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]


def checks_of(engine: Any, reference: str) -> list[tuple[str, str | None, str | None]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(identity_checks.c.method, identity_checks.c.candidate, identity_checks.c.evidence)
                .join(cases, cases.c.id == identity_checks.c.case_id)
                .where(cases.c.reference == reference)
                .order_by(identity_checks.c.id)
            )
        ]


def case_count(engine: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one()


def test_a_valid_login_verifies_the_row_it_names_without_a_code_mail(
    client: Any, outbox: Any, portal_engine: Any
) -> None:
    login = token()
    # James sends the reader to the form with the login; the form carries it along
    form = client.get(f"/de/request/{CONTROLLER}", params={"james_login": login})
    assert form.status_code == 200 and f'name="james_login" value="{login}"' in form.text

    page = submit(client, james_login=login)
    assert page.status_code == 200 and 'id="signed-in"' in page.text
    assert 'id="verify-link"' not in page.text
    assert outbox() == []  # no verification mail: the login proved who asks
    reference = reference_of(page)

    # the reference the school store's connector gives that row: the check names the row James named
    me = candidate_reference(CONTROLLER, "school", "4711")
    assert checks_of(portal_engine, reference) == [("james_login", me, "signed_james_login")]
    with portal_engine.connect() as conn:
        contact = conn.execute(
            sa.select(parties.c.email, parties.c.email_verified_at)
            .join(cases, cases.c.id == parties.c.case_id)
            .where(cases.c.reference == reference)
        ).one()
    # the address James holds for the reader, not the one typed into the form, counts as verified
    assert contact.email == "anna.james@example.org" != FORM["email"] and contact.email_verified_at is not None


def test_a_login_is_accepted_once(client: Any, outbox: Any, portal_engine: Any) -> None:
    login = token()
    first = submit(client, james_login=login)
    assert 'id="signed-in"' in first.text
    again = submit(client, james_login=login)  # replayed: from the history, a proxy log, a colleague
    assert again.status_code == 400 and NO_LONGER_VALID in again.text
    assert 'name="james_login"' not in again.text  # the form without the login
    assert case_count(portal_engine) == 1 and outbox() == []


def test_an_expired_forged_or_foreign_login_is_refused_without_saying_why(
    client: Any, outbox: Any, portal_engine: Any
) -> None:
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for refused in (
        token(now=an_hour_ago),  # expired
        token(key="not-the-key-of-gym-musterstadt-0123456789"),  # forged: another key
        token(controller="james-vendor"),  # genuine elsewhere, not for this controller's form
        token()[:-3] + "AAA",  # a signature that does not match
        "not-a-token",
    ):
        page = submit(client, james_login=refused)
        assert page.status_code == 400 and NO_LONGER_VALID in page.text, refused
        assert "expired" not in page.text.lower() and "signature" not in page.text.lower()
    assert case_count(portal_engine) == 0 and outbox() == []


def test_a_login_is_for_the_readers_own_request_never_for_a_parents(
    client: Any, outbox: Any, portal_engine: Any
) -> None:
    page = submit(
        client,
        james_login=token(),
        acting="parent",
        requester_first_name="Petra",
        requester_last_name="Beispiel",
    )
    assert page.status_code == 400 and "Mit der Anmeldung bei James fragen Sie für sich selbst" in page.text
    assert case_count(portal_engine) == 0 and outbox() == []


def test_a_login_without_an_address_still_needs_the_code_for_the_address_typed(
    client: Any, outbox: Any, portal_engine: Any
) -> None:
    page = submit(client, james_login=token(email=None))
    assert page.status_code == 200 and 'id="verify-link"' in page.text and 'id="signed-in"' not in page.text
    [mail] = outbox()
    assert mail["To"] == FORM["email"]
    reference = reference_of(page)
    me = candidate_reference(CONTROLLER, "school", "4711")
    assert [c[:2] for c in checks_of(portal_engine, reference)] == [("james_login", me)]
    with portal_engine.connect() as conn:
        verified = conn.execute(
            sa.select(parties.c.email_verified_at)
            .join(cases, cases.c.id == parties.c.case_id)
            .where(cases.c.reference == reference)
        ).scalar_one()
    assert verified is None  # the login named nobody's address: the typed one is not proven


# --------------------------------------------------------------------------- on the demo stores


def test_the_row_james_named_is_the_candidate_the_search_finds_and_the_officer_may_confirm(
    demo: DemoSummary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check names the reference the school store's connector gives the row: after the search
    the officer confirms her on the strength of the login, and the answer may go to James's address."""
    config = demo_config(demo, tmp_path)
    header = f"[controllers.{SCHOOL}]\n"
    config.write_text(
        config.read_text(encoding="utf-8").replace(header, f'{header}james_login_key = "{JAMES_LOGIN_KEY}"\n', 1),
        encoding="utf-8",
    )
    settings = load(config)
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    officer = casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]})
    pupil = demo.featured_pupil()
    login = sign_login(
        JAMES_LOGIN_KEY, controller=SCHOOL, store="school", person_key=str(pupil.person_id), email=pupil.email
    )
    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")
    try:
        with TestClient(create_app(settings, engine=engine)) as client:
            r = client.post(
                "/api/public/requests?lang=de",
                json={
                    "controller": SCHOOL,
                    "types": ["access"],
                    "first_name": pupil.first_name,
                    "last_name": pupil.last_name,
                    "email": "typed-in@example.org",
                    "james_login": login,
                },
            )
            assert r.status_code == 201, r.text
            assert r.json()["signed_in"] and not r.json()["verification_mail_sent"]
        reference = r.json()["reference"]
        while casefile.run_next(engine, handlers(settings)) is not None:  # the search the login queued
            pass
        [found] = candidates_of(engine, officer, reference)
        assert found.reference == candidate_reference(SCHOOL, "school", str(pupil.person_id))
        assert found.verified_by == "james_login" and found.may_confirm and found.email_on_file
        casefile.confirm_identity(engine, officer, reference, found.reference)
        assert casefile.plan_of(engine, officer, reference).route is Route.DOWNLOAD
    finally:
        engine.dispose()
