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
