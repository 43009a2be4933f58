"""Portal fixtures, shared by the public and officer tests.

* ``portal_config`` — a dsr.toml (two controllers, portal DB in tmp, file mail backend)
* ``portal_settings`` / ``portal_engine`` — loaded settings and the migrated portal DB
* ``mail_dir`` + ``outbox`` — messages the file mail backend wrote (for TestClient tests)
* ``client`` — Litestar TestClient on ``create_app`` (fast, no sockets)
* ``smtp`` — an aiosmtpd server on loopback collecting messages (session-wide)
* ``server`` — `dsr serve` in a subprocess on a free loopback port, mailing to ``smtp``
* ``browser`` — one headless Chromium for the whole session (Playwright, /usr/bin/chromium)
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsr import casefile
from dsr.config import Settings, load
from tests.portal.portal_setup import (
    Server,
    SMTPSink,
    free_port,
    migrate,
    read_mail,
    serving,
    write_config,
)


@pytest.fixture
def portal_config(tmp_path: Path) -> Path:
    return write_config(tmp_path, 'mail = { backend = "file", directory = "mail", sender = "dsr@example.org" }\n')


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite portal DB per session; tests get copies (migrating takes ~0.5 s)."""
    path = tmp_path_factory.mktemp("portal-template") / "dsr-portal.db"
    casefile.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def portal_settings(portal_config: Path, migrated_sqlite: Path) -> Settings:
    settings = load(portal_config)
    migrate(settings, migrated_sqlite)
    return settings


@pytest.fixture
def portal_engine(portal_settings: Settings) -> Iterator[object]:
    engine = casefile.open_engine(portal_settings.portal_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def outbox(portal_settings: Settings) -> callable:  # type: ignore[valid-type]
    return lambda: read_mail(portal_settings.base_dir / "mail")


@pytest.fixture
def client(portal_settings: Settings) -> Iterator[object]:
    from litestar.testing import TestClient

    from dsr.portal import create_app

    with TestClient(create_app(portal_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def smtp() -> Iterator[SMTPSink]:
    from aiosmtpd.controller import Controller

    sink = SMTPSink("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
            with sink.lock:
                sink.messages.append(message)  # type: ignore[arg-type]
            return "250 OK"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def server(smtp: SMTPSink, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`dsr serve` on a free loopback port, mailing through ``smtp``."""
    folder = tmp_path_factory.mktemp("portal-server")
    port = free_port()
    config = write_config(
        folder,
        f'base_url = "http://127.0.0.1:{port}"\n'
        f'mail = {{ backend = "smtp", host = "{smtp.host}", port = {smtp.port}, sender = "dsr@example.org" }}\n',
    )
    settings = load(config)
    casefile.upgrade(settings.portal_database_url)
    with serving(config, port, folder) as url:
        yield Server(url, config, settings)


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="de-DE")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()
