"""The example host app (examples/james_host): James with its own pages, session cookie, CSP and
staff login, dsr mounted at /datenschutz inside James' database — served by uvicorn with two
workers on a fresh SQLite file and a fresh PostgreSQL database, driven over HTTP, by Chromium and
through the host's CLI (`litestar dsr …`)."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from dsr import casefile
from tests.databases import fresh_database
from tests.portal.portal_setup import free_port

ROOT = Path(__file__).resolve().parents[1]
APP = "examples.james_host.app:app"
HOST_CSP = "default-src 'self'; form-action 'self'; frame-ancestors 'none'"
BERG = {"login": "berg", "password": "bibliothek-demo-2026"}
KOCH = {"login": "koch", "password": "schulleitung-demo-2026"}


def host_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url,
        "JAMES_SESSION_SECRET": secrets.token_hex(16),
        "DSR_SECRET_KEY": secrets.token_hex(32),
    }


@dataclass
class James:
    url: str
    database_url: str
    log: Path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def james(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[James]:
    """The example app under `uvicorn --workers 2` on a fresh database (both workers start at once)."""
    folder = tmp_path_factory.mktemp(f"james-{request.param}")
    databases = fresh_database(request.param, folder)
    database_url = next(databases)
    port = free_port()
    log_path = folder / "uvicorn.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", APP, "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=host_env(database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while log_path.read_text(errors="replace").count("Application startup complete") < 2:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the James app did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.2)
        urllib.request.urlopen(f"{url}/", timeout=5).close()
        yield James(url, database_url, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        next(databases, None)  # drops the PostgreSQL database


def test_both_workers_start_on_a_fresh_database_and_dsr_lives_beside_james_tables(james: James) -> None:
    log = james.log.read_text(errors="replace")
    assert log.count("Application startup complete") == 2
    assert "Traceback" not in log and "unreachable" not in log and "ERROR" not in log
    engine = casefile.open_engine(james.database_url)
    try:
        assert casefile.current_revision(engine) == casefile.head_revision()  # migrated once, to the newest
        tables = set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            staff = conn.execute(sa.text("SELECT login FROM james_staff ORDER BY login")).scalars().all()
    finally:
        engine.dispose()
    assert staff == ["berg", "koch"]  # James' own table, seeded once although both workers tried
    assert "dsr_cases" in tables and "dsr_users" in tables and "cases" not in tables


def test_james_pages_keep_their_csp_and_dsr_pages_theirs(james: James) -> None:
    catalogue = httpx.get(f"{james.url}/katalog")
    assert catalogue.status_code == 200 and catalogue.headers["content-security-policy"] == HOST_CSP
    portal = httpx.get(f"{james.url}/datenschutz/de/")
    assert portal.status_code == 200 and "Ihre Rechte" in portal.text
    assert portal.headers["content-security-policy"] != HOST_CSP


def test_staff_log_in_at_james_and_reach_the_officer_cases(james: James) -> None:
    with httpx.Client(base_url=james.url) as client:
        sent = client.get("/datenschutz/officer/")
        assert sent.status_code == 303 and sent.headers["location"].startswith("/login?next=")
        assert client.get("/datenschutz/api/officer/cases").status_code == 401

        wrong = client.post("/login", data={**BERG, "password": "falsch"})
        assert wrong.status_code == 400 and "james_session" not in client.cookies

        login = client.post("/login", data={**BERG, "next": "/datenschutz/officer/"})
        assert login.status_code == 303 and login.headers["location"] == "/datenschutz/officer/"
        assert "james_session" in client.cookies

        cases = client.get("/datenschutz/officer/")
        assert cases.status_code == 200 and "<h1>Fälle</h1>" in cases.text
        assert "Anna Berg" in cases.text  # the name James gave, in dsr's page header
        assert client.get("/datenschutz/api/officer/me").json()["roles"] == {"gym-musterstadt": ["officer"]}

        public = client.get("/datenschutz/de/")
        assert public.status_code == 200
        assert "james_session" not in public.headers.get("set-cookie", "")  # James' cookie stays James'

        client.post("/logout")
        assert client.get("/datenschutz/officer/").status_code == 303  # logged out at James: out of dsr too


def test_dsr_removes_james_cookie_from_its_public_pages_even_without_exclude(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The isolation part (another change of issue 15): James' session middleware running on dsr's
    public pages too (no ``exclude``), dsr still sends them without James' cookie."""
    from litestar.testing import TestClient

    for key, value in host_env(f"sqlite:///{tmp_path / 'james.db'}").items():
        monkeypatch.setenv(key, value)
    example = importlib.reload(importlib.import_module("examples.james_host.app"))
    with TestClient(example.create_app(exclude_dsr_public=False)) as client:
        assert client.post("/login", data=BERG, follow_redirects=False).status_code == 303
        assert "james_session" in client.get("/katalog").headers.get("set-cookie", "")  # James' pages set it
        public = client.get("/datenschutz/de/")
        assert public.status_code == 200
        assert "james_session" not in public.headers.get("set-cookie", ""), "isolation: host cookie on dsr's page"
        assert client.get("/datenschutz/officer/").status_code == 200  # the officer side still reads it


def test_a_james_staff_member_opens_the_cases_in_chromium(james: James, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{james.url}/")
        page.get_by_role("link", name="Datenschutz (Mitarbeiter)").click()
        expect(page).to_have_url(re.compile(r"/login\?next="))  # James' login, not dsr's
        page.get_by_label("Kennung").fill(KOCH["login"])
        page.get_by_label("Passwort").fill(KOCH["password"])
        page.get_by_role("button", name="Anmelden").click()
        expect(page).to_have_url(re.compile(r"/datenschutz/officer/?$"))  # back where it started
        expect(page.get_by_role("heading", level=1)).to_have_text("Fälle")
        expect(page.locator("header")).to_contain_text("Ben Koch")
    finally:
        context.close()


def host_cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`litestar --app examples.james_host.app:app dsr …`"""
    return subprocess.run(
        [sys.executable, "-m", "litestar", "--app", APP, "dsr", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_host_cli_migrates_and_adds_a_dsr_account_with_the_plugins_configuration(
    dialect: str, tmp_path: Path
) -> None:
    for database_url in fresh_database(dialect, tmp_path):
        env = host_env(database_url)
        first = host_cli(env, tmp_path, "migrate")
        assert first.returncode == 0, first.stderr
        assert f"schema none → {casefile.head_revision()} (newest)" in first.stdout
        again = host_cli(env, tmp_path, "migrate")
        assert again.returncode == 0 and f"schema {casefile.head_revision()} → " in again.stdout

        added = host_cli(
            env, tmp_path, "user", "add", "--username", "dsb", "--role", "admin", "--controller", "gym-musterstadt"
        )
        assert added.returncode == 0, added.stderr
        password = re.search(r"password \(shown only now\): (\S+)", added.stdout)
        assert password is not None
        unknown = host_cli(
            env, tmp_path, "user", "add", "--username", "x", "--role", "officer", "--controller", "nowhere"
        )
        assert unknown.returncode == 2 and "nowhere" in unknown.stderr

        engine = casefile.open_engine(database_url)
        try:  # in James' database, where the app's DSRConfig puts dsr's tables
            assert casefile.login(engine, "dsb", password.group(1)).user.roles == {
                "gym-musterstadt": frozenset({"admin"})
            }
        finally:
            engine.dispose()
