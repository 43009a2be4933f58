"""``dsr check``: the demo configuration passes; a drifted database or mapping fails, naming file and key."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dsr.cli import main
from dsr.demo import generate


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, schools=1, readers_per_school=20, seed=3, loans_per_reader=3)
    return out


def test_demo_configuration_passes(demo: Path, capsys) -> None:
    assert main(["check", "--config", str(demo / "dsr.toml")]) == 0
    assert "match the live stores" in capsys.readouterr().out


def test_a_new_unclassified_column_fails_naming_the_mapping_key(demo: Path, tmp_path: Path, capsys) -> None:
    db = next(demo.glob("school-*.db"))
    copy = tmp_path / db.name
    copy.write_bytes(db.read_bytes())
    with sqlite3.connect(copy) as c:
        c.execute("ALTER TABLE person ADD COLUMN nickname VARCHAR(50)")
    config = tmp_path / "dsr.toml"
    config.write_text((demo / "dsr.toml").read_text().replace('path = "logs"', f'path = "{demo / "logs"}"'))
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "nickname" in err and "person" in err


def test_a_missing_store_fails(demo: Path, tmp_path: Path, capsys) -> None:
    config = tmp_path / "dsr.toml"
    config.write_text((demo / "dsr.toml").read_text())  # relative paths now point at nothing
    assert main(["check", "--config", str(config)]) == 2
    assert "stores" in capsys.readouterr().err
