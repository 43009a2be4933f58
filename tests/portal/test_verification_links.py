"""A stranger cannot lock a requester out of e-mail verification.

Verification links used to carry the code's row id (/de/verify/17): ids count up, so anyone could
spend another person's five attempts. The link now carries a random token of which only the
sha256 is stored. Real portal databases on SQLite, PostgreSQL and MariaDB (``db_url``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from dsr import casefile
from dsr.casefile.schema import codes, parties
from dsr.config import load
from dsr.portal import create_app
from tests.portal.portal_setup import code_in, read_mail, write_config

FORM = {
    "types": ["access"],
    "acting": "self",
    "first_name": "Anna",
    "last_name": "Beispiel",
    "email": "anna@example.org",
    "date_of_birth": "2010-03-04",
}


@pytest.fixture
def portal(tmp_path: Path, db_url: str) -> Iterator[tuple[Any, sa.Engine, Path]]:
    """(TestClient, engine, mail folder) of a portal on a fresh database of each dialect."""
    settings = load(
        write_config(tmp_path, f'database_url = "{db_url}"\nmail = {{ backend = "file", directory = "mail" }}\n')
    )
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client, engine, tmp_path / "mail"
    engine.dispose()


def test_the_verification_link_names_the_code_by_a_random_token_and_strangers_cannot_spend_its_attempts(
    portal: tuple[Any, sa.Engine, Path],
) -> None:
    client, engine, mail = portal
    receipt = client.post("/de/request/gym-musterstadt", data={**FORM, "email": "anna@example.org"})
    assert receipt.status_code == 200
    [message] = read_mail(mail)
    body = message.get_body(("plain",)).get_content()
    token = re.search(r"/de/verify/([A-Za-z0-9_-]+)#code=", body).group(1)
    with engine.connect() as conn:
        row = conn.execute(sa.select(codes)).one()
    # the token is neither the row id nor stored as such: only its sha256
    assert len(token) == 32 and str(row.id) != token and row.link_hash == hashlib.sha256(token.encode()).hexdigest()
    assert f'/de/verify/{token}"' in receipt.text and f'/verify/{row.id}"' not in receipt.text

    # a stranger counting ids tries Anna's code id on the page and the API, many times
    for _ in range(casefile.CodePolicy().max_attempts + 2):
        page = client.post(f"/de/verify/{row.id}", data={"code": "AAAA2222"})
        assert page.status_code == 400 and "Dieser Code gilt nicht mehr" in page.text
        api = client.post(f"/api/public/verifications/{row.id}?lang=en", json={"code": "AAAA2222"})
        assert api.status_code == 400 and api.json()["error"] == "code_invalid"
    with engine.connect() as conn:
        assert conn.execute(sa.select(codes.c.attempts)).scalar_one() == 0

    # Anna's link still works
    done = client.post(f"/de/verify/{token}", data={"code": code_in(message)})
    assert done.status_code == 200 and "bestätigt" in done.text
    with engine.connect() as conn:
        assert conn.execute(sa.select(parties.c.email_verified_at)).scalar_one() is not None


def test_the_api_hands_out_the_token_and_a_resend_gives_a_new_one(portal: tuple[Any, sa.Engine, Path]) -> None:
    client, engine, mail = portal
    made = client.post(
        "/api/public/requests",
        json={
            "controller": "gym-musterstadt",
            "types": ["access"],
            "first_name": "Anna",
            "last_name": "Beispiel",
            "email": "anna@example.org",
        },
    ).json()
    assert "verification_code_id" not in made and made["verification_mail_sent"] is True
    first = made["verification_token"]
    assert f"/verify/{first}#code=" in read_mail(mail)[0].get_body(("plain",)).get_content()
    resent = client.post(
        "/api/public/verifications", json={"reference": made["reference"], "status_secret": made["status_secret"]}
    )
    assert resent.status_code == 200
    second = resent.json()["verification_token"]
    assert second != first
    # the new code voids the old one; the old link says so
    stale = client.post(f"/api/public/verifications/{first}?lang=en", json={"code": code_in(read_mail(mail)[0])})
    assert stale.status_code == 400 and stale.json()["error"] == "code_invalid"
    ok = client.post(f"/api/public/verifications/{second}", json={"code": code_in(read_mail(mail)[-1])})
    assert ok.status_code == 200 and ok.json() == {"reference": made["reference"]}
    schema = client.get("/api/schema/openapi.json").json()
    assert "/api/public/verifications/{token}" in schema["paths"]
    assert "verification_token" in schema["components"]["schemas"]["RequestOut"]["properties"]
