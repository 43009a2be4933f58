"""dsr inside a host app that has its own session cookie, CSRF check, CSP and access log.

The host ("James") mounts two portals, at ``/datenschutz`` and at ``/api/datenschutz``. Its
cookies must never reach dsr's public pages; the officer side keeps only dsr's own session
cookie; each mount finds its own portal; ``/api/…`` in the mount path does not make pages API
routes; link tokens do not reach a real uvicorn's access log.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar import Litestar, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.testing import TestClient
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from dsr import casefile
from dsr.config import Settings, load
from dsr.portal import DSRPlugin
from dsr.portal.config import DSRConfig
from dsr.portal.isolation import PORTALS, access_log_filter, redact_tokens
from tests.portal.portal_setup import free_port, write_config

PASSWORD = "host staff horse battery staple"
HOST_CSP = "default-src 'self' https://cdn.james.example"
FORM = {
    "types": ["access"],
    "acting": "self",
    "first_name": "Anna",
    "last_name": "Beispiel",
    "email": "anna@example.org",
    "dob_day": "4",
    "dob_month": "3",
    "dob_year": "2010",
}


class JamesSession:
    """The host's own session layer: a cookie on every response it sends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders(message).add("set-cookie", "james_session=abc123; Path=/; HttpOnly")
            await send(message)

        await self.app(scope, receive, wrapped)


async def james_tracker(message: Message, scope: Scope) -> None:
    """A host ``before_send`` hook that sets a cookie, too."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders(message).add("set-cookie", "james_tracker=1; Path=/")


@get("/", response_headers={"content-security-policy": HOST_CSP}, sync_to_thread=False)
def james_home() -> str:
    return "James – der Bibliotheks-Butler"


def james_app(settings: Settings, **extra: Any) -> Litestar:
    return Litestar(
        route_handlers=[james_home],
        middleware=[
            CookieBackendConfig(secret=b"j" * 16, key="james_real_session").middleware,
            DefineMiddleware(JamesSession),
        ],
        before_send=[james_tracker],
        csrf_config=CSRFConfig(secret="james-csrf-secret", cookie_name="james_csrf"),
        plugins=[
            DSRPlugin(DSRConfig(settings=settings, path="/datenschutz", run_worker=False)),
            DSRPlugin(DSRConfig(settings=settings, path="/api/datenschutz", run_worker=False)),
        ],
        logging_config=None,
        **extra,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    loaded = load(write_config(tmp_path, 'mail = { backend = "file", directory = "mail" }\n'))
    casefile.upgrade(loaded.portal_database_url)
    engine = casefile.open_engine(loaded.portal_database_url)
    casefile.create_user(engine, "officer", PASSWORD, {"gym-musterstadt": ["officer"]})
    engine.dispose()
    return loaded


@pytest.fixture
def james(settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(james_app(settings)) as client:
        yield client


def cookie_names(response: Any) -> set[str]:
    return {value.split("=", 1)[0] for value in response.headers.get_list("set-cookie")}


def test_the_host_keeps_its_cookies_and_csp_on_its_own_pages(james: TestClient[Litestar]) -> None:
    home = james.get("/")
    # the host's layers are real: without the guard they would be on dsr's pages too
    assert {"james_session", "james_tracker", "james_csrf"} <= cookie_names(home)
    assert home.headers["content-security-policy"] == HOST_CSP


@pytest.mark.parametrize("mount", ["/datenschutz", "/api/datenschutz"])
def test_no_host_cookie_on_any_public_response(james: TestClient[Litestar], mount: str) -> None:
    responses = {
        "landing": james.get(f"{mount}/de/"),
        "redirect": james.get(f"{mount}/", follow_redirects=False),
        "form": james.get(f"{mount}/de/request/gym-musterstadt"),
        # the host's CSRF check would refuse dsr's forms: dsr's routes opt out of it
        "receipt": james.post(f"{mount}/de/request/gym-musterstadt", data=FORM),
        "static": james.get(f"{mount}/static/portal.css"),
        "unknown page": james.get(f"{mount}/de/gibt-es-nicht"),
        "api": james.get(f"{mount}/api/public/controllers"),
        "api error": james.post(f"{mount}/api/public/status", json={"reference": "X", "status_secret": "Y"}),
    }
    for name, response in responses.items():
        assert response.status_code < 500, name
        assert "set-cookie" not in response.headers, f"{name}: {response.headers.get_list('set-cookie')}"
    assert responses["receipt"].status_code == 200 and 'id="reference"' in responses["receipt"].text
    assert responses["unknown page"].status_code == 404
    assert "frame-ancestors 'none'" in responses["landing"].headers["content-security-policy"]


def test_the_officer_side_keeps_only_dsrs_session_cookie(james: TestClient[Litestar]) -> None:
    login = james.post(
        "/datenschutz/officer/login", data={"username": "officer", "password": PASSWORD}, follow_redirects=False
    )
    assert login.status_code == 303 and cookie_names(login) == {"dsr_officer"}
    cases = james.get("/datenschutz/officer/")
    assert cases.status_code == 200 and "set-cookie" not in cases.headers
    api = james.post("/datenschutz/api/officer/login", json={"username": "officer", "password": PASSWORD})
    assert api.status_code in (200, 201) and cookie_names(api) == {"dsr_officer"}


def test_a_mount_under_api_still_redirects_pages_to_the_login(james: TestClient[Litestar]) -> None:
    page = james.get("/api/datenschutz/officer/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/api/datenschutz/officer/login"
    api = james.get("/api/datenschutz/api/officer/cases")
    assert api.status_code == 401 and api.json()["error"] == "not_logged_in"
    # errors: a page for pages, JSON for the API, under either mount
    missing_page = james.get("/api/datenschutz/de/gibt-es-nicht")
    assert missing_page.status_code == 404 and missing_page.headers["content-type"].startswith("text/html")
    wrong_code = james.post("/api/datenschutz/api/public/verifications/x?lang=en", json={"code": "AAAA2222"})
    assert wrong_code.status_code == 400 and wrong_code.json()["error"] == "code_invalid"


def test_each_mount_finds_its_own_portal(james: TestClient[Litestar]) -> None:
    assert set(james.app.state[PORTALS]) == {"/datenschutz", "/api/datenschutz"}
    for mount in ("/datenschutz", "/api/datenschutz"):
        # the 404 page and the language switch link inside its own mount
        page = james.get(f"{mount}/en/gibt-es-nicht").text
        links = set(re.findall(r'href="(/[^"]*)"', page))
        assert links and all(link.startswith(f"{mount}/") for link in links), links
        login = james.get(f"{mount}/officer/", follow_redirects=False)
        assert login.headers["location"] == f"{mount}/officer/login"


def test_startup_warns_about_host_session_and_csrf_middleware(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="dsr.portal.plugin"):
        james_app(settings)
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("session middleware" in m and "'/datenschutz'" in m for m in said), said
    assert any("CSRFConfig" in m and "'/api/datenschutz'" in m for m in said), said
    caplog.clear()
    excluded = Litestar(
        middleware=[CookieBackendConfig(secret=b"j" * 16, exclude=["^/datenschutz/"]).middleware],
        csrf_config=CSRFConfig(secret="s", exclude=["^/datenschutz/"]),
        plugins=[DSRPlugin(DSRConfig(settings=settings, path="/datenschutz", run_worker=False))],
        logging_config=None,
    )
    assert excluded and not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --------------------------------------------------------------------------- access logs

TOKEN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=32, max_size=32)


@given(token=TOKEN, mount=st.sampled_from(["", "/datenschutz", "/api/datenschutz"]))
def test_the_access_log_filter_removes_every_link_token(token: str, mount: str) -> None:
    for path in (
        f"{mount}/de/verify/{token}",
        f"{mount}/en/download/{token}/code",
        f"{mount}/api/public/verifications/{token}?lang=en",
        f"{mount}/api/public/downloads/{token}",
        f"{mount}/de/request/gym?james_login={token}.sig",
    ):
        record = logging.LogRecord(
            "uvicorn.access",
            logging.INFO,
            "",
            0,
            '%s - "%s %s HTTP/%s" %d',
            ("1.2.3.4:5", "GET", path, "1.1", 200),
            None,
        )
        assert access_log_filter.filter(record)
        line = record.getMessage()
        assert token not in line and "[token]" in line and "1.2.3.4" in line


def test_the_filter_leaves_the_hosts_own_paths_alone() -> None:
    for path in ("/downloads/handbuch.pdf", "/de/download/", "/katalog/verify/abc", "/de/verify"):
        assert redact_tokens(path) == path


def test_a_real_uvicorn_access_log_records_no_token(settings: Settings) -> None:
    import uvicorn

    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    access = logging.getLogger("uvicorn.access")
    handler = Collect()
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)  # as a host's logging config would
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(james_app(settings), host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        token = "Vq3xZ8kP0wLm2Rt7Yb4Nc6Hd9Jf1Gs5A"
        for path in (f"/datenschutz/de/verify/{token}", f"/api/datenschutz/de/download/{token}"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).close()
            except urllib.error.HTTPError:
                pass  # an unknown download is a 404: the line is logged all the same
        deadline = time.monotonic() + 5
        while len([line for line in lines if "/datenschutz/" in line]) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access.removeHandler(handler)
        access.setLevel(level)
    logged = [line for line in lines if "/datenschutz/" in line]
    assert len(logged) == 2 and all("[token]" in line for line in logged), logged
    assert not any(token in line for line in lines)
