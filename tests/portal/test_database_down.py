"""The portal database is unreachable: pages that need no database still work, everything else
answers 503 with Retry-After and a clear text in the visitor's language — never a 500 or a trace."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsr.config import load
from tests.portal.portal_setup import free_port, write_config

FORM = {
    "types": ["access"],
    "acting": "self",
    "first_name": "Zoraida",
    "last_name": "Quellhorst",
    "email": "zoraida@example.org",
    "date_of_birth": "2010-03-04",
    "card_number": "L-1001",
}


@pytest.fixture(params=["postgresql", "sqlite"])
def down_client(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from litestar.testing import TestClient

    from dsr.portal import create_app

    if request.param == "postgresql":  # a port where nothing listens: the connection is refused
        url = f"postgresql+psycopg://dsr:dsr@127.0.0.1:{free_port()}/dsr"
    else:  # a file in a folder that does not exist: SQLite cannot open it
        url = f"sqlite:///{tmp_path / 'gone' / 'portal.db'}"
    config = write_config(
        tmp_path,
        f'database_url = "{url}"\nmail = {{ backend = "file", directory = "mail", sender = "dsr@example.org" }}\n',
    )
    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")  # the job worker would only fail to connect, too
    with TestClient(create_app(load(config))) as client:
        yield client


def test_pages_without_the_database_still_work(down_client: Any) -> None:
    for path in ("/de/", "/en/request/gym-musterstadt", "/de/status", "/officer/login"):
        assert down_client.get(path).status_code == 200, path


def test_a_submission_gets_503_not_500_and_nothing_personal_is_logged(
    down_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        page = down_client.post("/de/request/gym-musterstadt", data=FORM)
        api = down_client.post(
            "/api/public/requests?lang=en",
            json={
                "controller": "gym-musterstadt",
                "types": ["access"],
                "first_name": "Zoraida",
                "last_name": "Quellhorst",
                "email": "zoraida@example.org",
            },
        )
    assert page.status_code == 503
    assert page.headers["retry-after"] == "120"
    assert "nicht gespeichert" in page.text and "in ein paar Minuten" in page.text
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert api.status_code == 503, api.text
    assert api.headers["retry-after"] == "120"
    assert api.json()["error"] == "unavailable"
    assert "Nothing you entered here was stored" in api.json()["message"]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "OperationalError" in logged  # the class, so an operator sees what happened
    assert "Zoraida" not in logged and "Quellhorst" not in logged and "zoraida@" not in logged
    assert not any(r.exc_info for r in caplog.records)  # no traceback with driver messages


def test_officer_login_gets_503_in_the_page_language(down_client: Any) -> None:
    login = {"username": "officer", "password": "correct horse battery staple"}
    german = down_client.post("/officer/login", data=login, headers={"accept-language": "de"})
    english = down_client.post("/officer/login", data=login, headers={"accept-language": "en"})
    api = down_client.post("/api/officer/login", json=login)
    assert german.status_code == english.status_code == api.status_code == 503
    assert german.headers["retry-after"] == english.headers["retry-after"] == api.headers["retry-after"] == "120"
    assert "Die Datenbank ist gerade nicht erreichbar" in german.text
    assert "The database cannot be reached right now, so nothing was saved" in english.text
    assert 'lang="en"' in english.text
    assert api.json()["error"] == "unavailable"
    # a request carrying a session cookie fails in the session check: still 503, not a 500
    down_client.cookies.set("dsr_officer", "some-token")
    assert down_client.get("/officer/").status_code == 503


def test_only_outages_are_503_a_broken_statement_stays_500() -> None:
    import sqlalchemy as sa

    from dsr.portal.errors import problem

    assert problem(sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")) == (503, "error.unavailable")
    assert problem(sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))) == (
        503,
        "error.unavailable",
    )
    gone = sa.exc.DBAPIError("SELECT 1", {}, Exception("terminated"), connection_invalidated=True)
    assert problem(gone) == (503, "error.unavailable")
    assert problem(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))) == (500, "error.internal")
    # SQLite reports both a file it cannot use and a missing table as OperationalError: only the first is an outage
    locked = sa.exc.OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))
    assert problem(locked) == (503, "error.unavailable")
    unmigrated = sa.exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: cases"))
    assert problem(unmigrated) == (500, "error.internal")
