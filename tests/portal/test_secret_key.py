"""The portal keys every code, link and reference with ``[dsr] secret_key``: without a strong one it does
not start, and ``dsr check`` says so, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsr import ConfigError, load
from dsr.pipeline.check import check
from dsr.portal import DSRPlugin
from tests.settings import controller_toml

STRONG = "3f9c2a7d5e8b1046c9d2e7f3a1b5c8d0e4f6a2b9c7d1e3f5"


def _config(tmp_path: Path, secret: str | None) -> Path:
    general = "" if secret is None else f'[dsr]\nsecret_key = "{secret}"\n'
    path = tmp_path / "dsr.toml"
    path.write_text(general + controller_toml(), encoding="utf-8")
    return path


@pytest.mark.parametrize("secret", [None, "", "k", "geheim-geheim-geheim-geheim-geheim", "a" * 64])
def test_the_portal_refuses_to_start_without_a_strong_secret_key(tmp_path: Path, secret: str | None) -> None:
    config = _config(tmp_path, secret)
    with pytest.raises(ConfigError) as refused:
        DSRPlugin(load(config), engine="sqlite://")
    assert refused.value.key == "dsr.secret_key" and str(config) in str(refused.value)
    assert any(p.key == "dsr.secret_key" for p in check(config))


def test_a_strong_secret_key_passes(tmp_path: Path) -> None:
    config = _config(tmp_path, STRONG)
    DSRPlugin(load(config), engine="sqlite://")
    assert not any(p.key == "dsr.secret_key" for p in check(config))
