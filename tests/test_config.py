"""Configuration errors name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsr import ConfigError, load
from dsr.config import connect
from tests.settings import controller_toml

GOOD = controller_toml()


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "dsr.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file_loads(tmp_path: Path) -> None:
    s = load(write(tmp_path, GOOD))
    assert s.controller("gym").land == "BY"
    assert s.controller("gym").key == "gym"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('land = "BY"', 'land = "XX"'), "controllers.gym.land"),
        (("public = true", 'public = "yes"'), "controllers.gym.public"),
        (('kind = "school"', 'kind = "shop"'), "controllers.gym.kind"),
        (('name = "Gymnasium Musterstadt"', 'name = "G"\ncolour = "red"'), "controllers.gym"),
        (('connector = "sql"\n', ""), "controllers.gym.stores.school.connector"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(path) in str(info.value)
    assert key in str(info.value)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(write(tmp_path, "[controllers\n"))
    with pytest.raises(ConfigError, match="file not found"):
        load(tmp_path / "nope.toml")


def test_unknown_controller_and_connector(tmp_path: Path) -> None:
    s = load(write(tmp_path, GOOD.replace('connector = "sql"', 'connector = "nosuch"')))
    with pytest.raises(ConfigError, match="controllers.other"):
        s.controller("other")
    with pytest.raises(ConfigError, match=r"controllers\.gym\.stores\.school\.connector.*nosuch"):
        connect(s, "gym")


def test_trusted_proxies_are_addresses_or_networks_and_errors_name_the_entry(tmp_path: Path) -> None:
    proxies = '["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]'
    good = load(write(tmp_path, GOOD + f"\n[portal]\ntrusted_proxies = {proxies}\n"))
    assert good.portal.trusted_proxies == ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]
    assert load(write(tmp_path, GOOD)).portal.trusted_proxies == []  # not configured: `dsr serve` uses 127.0.0.1
    for entry, index, says in [
        ("proxy.example.org", 1, "not an IP address or network"),
        ("10.0.0.1/8", 1, "not an IP address or network"),  # host bits set: uvicorn would never match it
        ("*", 1, "every client"),
        ("300.1.1.1", 1, "not an IP address"),
    ]:
        path = write(tmp_path, GOOD + f'\n[portal]\ntrusted_proxies = ["127.0.0.1", "{entry}"]\n')
        with pytest.raises(ConfigError) as info:
            load(path)
        assert str(path) in str(info.value) and f"portal.trusted_proxies[{index}]" in str(info.value), info.value
        assert says in str(info.value)
    with pytest.raises(ConfigError, match=r"portal\.trusted_proxies"):
        load(write(tmp_path, GOOD + '\n[portal]\ntrusted_proxies = "127.0.0.1"\n'))  # a list, not a string


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('young_readers_address = "ihr"', "controllers.gym.young_readers_address"),
        ('not_searched = [{ de = "Papier" }]', "controllers.gym.not_searched[0]"),
        ('not_searched = [{ de = "Papier", en = "  " }]', "controllers.gym.not_searched[0].en"),
        ('not_searched = [{ de = "Papier", en = "paper", fr = "papier" }]', "controllers.gym.not_searched[0].fr"),
    ],
)
def test_letter_settings_errors_name_file_and_key(tmp_path: Path, extra: str, key: str) -> None:
    path = write(tmp_path, GOOD.replace("public = true", f"public = true\n{extra}"))
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(path) in str(info.value) and key in str(info.value)


def test_letter_settings_default_and_load(tmp_path: Path) -> None:
    default = load(write(tmp_path, GOOD)).controller("gym")
    assert default.young_readers_address == "sie" and default.not_searched is None
    text = GOOD.replace("public = true", 'public = true\nyoung_readers_address = "du"\nnot_searched = []')
    chosen = load(write(tmp_path, text)).controller("gym")
    assert chosen.young_readers_address == "du" and chosen.not_searched == []
