"""A host app that mounts the portal on a fresh or an old database: migrated at startup, or
stopped with a message saying what to run — never failing requests later."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsr import casefile
from dsr.cli import main as dsr_main
from dsr.config import load
from dsr.errors import ConfigError
from tests.portal.portal_setup import write_config


def _host(settings, **plugin):
    from litestar import Litestar

    from dsr.portal import DSRPlugin

    return Litestar(plugins=[DSRPlugin(settings, path="/datenschutz", **plugin)])


def _submit(client) -> int:
    form = {
        "types": "access",
        "acting": "self",
        "first_name": "Anna",
        "last_name": "Muster",
        "email": "anna@example.org",
        "consent": "on",
    }
    return client.post("/datenschutz/de/request/gym-musterstadt", data=form).status_code


def test_a_fresh_database_is_migrated_when_the_host_app_starts(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    settings = load(write_config(tmp_path, 'mail = { backend = "file" }'))
    with TestClient(_host(settings)) as client:
        assert _submit(client) == 200
    engine = casefile.open_engine(settings.portal_database_url)
    try:
        assert casefile.is_current(engine)
    finally:
        engine.dispose()


def test_without_migrating_an_old_schema_stops_the_app_naming_the_command(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    settings = load(write_config(tmp_path, ""))
    casefile.upgrade(settings.portal_database_url, revision="0002")
    with pytest.raises(BaseException) as caught, TestClient(_host(settings, migrate=False)):
        pass
    error = caught.value
    while isinstance(error, BaseExceptionGroup):  # the ASGI lifespan wraps startup errors
        error = error.exceptions[0]
    assert isinstance(error, ConfigError)
    assert error.key == "portal.database_url" and "dsr migrate" in str(error)


def test_dsr_migrate_brings_the_schema_to_the_newest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "")
    settings = load(config)
    casefile.upgrade(settings.portal_database_url, revision="0001")
    assert dsr_main(["migrate", "--config", str(config)]) == 0
    assert f"→ {casefile.head_revision()}" in capsys.readouterr().out
    engine = casefile.open_engine(settings.portal_database_url)
    try:
        assert casefile.is_current(engine)
    finally:
        engine.dispose()
