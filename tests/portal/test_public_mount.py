"""The portal inside a host app at a path of its choosing, and the [portal] settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dsr.config import load
from dsr.errors import ConfigError
from tests.portal.portal_setup import write_config


def test_a_host_app_mounts_the_portal_under_its_own_path(portal_settings: Any) -> None:
    from litestar import Litestar, get
    from litestar.testing import TestClient

    from dsr.portal import DSRPlugin

    @get("/")
    async def home() -> str:
        return "the school's own site"

    app = Litestar(route_handlers=[home], plugins=[DSRPlugin(portal_settings, path="/datenschutz")])
    with TestClient(app) as client:
        assert client.get("/").text == "the school's own site"
        assert client.get("/datenschutz/", follow_redirects=False).headers["location"] == "/datenschutz/de/"
        landing = client.get("/datenschutz/de/")
        assert 'href="/datenschutz/de/request/gym-musterstadt"' in landing.text
        assert 'href="/datenschutz/static/portal.css"' in landing.text
        assert client.get("/datenschutz/static/portal.css").status_code == 200
        form = client.get("/datenschutz/en/request/gym-musterstadt")
        assert 'action="/datenschutz/en/request/gym-musterstadt"' in form.text
        missing = client.get("/datenschutz/en/nope")
        assert missing.status_code == 404 and "This page does not exist." in missing.text


def test_portal_settings_have_defaults_and_errors_name_file_and_key(tmp_path: Path) -> None:
    settings = load(write_config(tmp_path, ""))
    assert settings.portal.mail.backend == "console" and settings.portal.rate_limits.submissions_per_hour == 60
    assert settings.portal_database_url == f"sqlite:///{tmp_path / 'dsr-portal.db'}"
    for body, key in (
        ('mail = { backend = "pigeon" }', "portal.mail.backend"),
        ('path = "datenschutz/"', "portal.path"),
        ('base_url = "portal.example/"', "portal.base_url"),
        ("rate_limits = { downloads_per_hour = 0 }", "portal.rate_limits.downloads_per_hour"),
        ('mial = { backend = "smtp" }', "portal.mial"),
    ):
        with pytest.raises(ConfigError) as caught:
            load(write_config(tmp_path, body))
        assert caught.value.key == key and caught.value.file and caught.value.file.endswith("dsr.toml")
