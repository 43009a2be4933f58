"""``dsr retention``: records kept past the register's storage rules, counted per collection; the
counts agree with SQL over the demo store, and no personal data is printed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dsr.cli import main
from dsr.demo import DemoSummary, generate


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    out = tmp_path_factory.mktemp("retention")
    return generate(out, schools=1, readers_per_school=20, seed=3, loans_per_reader=6)


def _school(demo: DemoSummary) -> tuple[str, Path]:
    key, c = next((k, c) for k, c in demo.controllers.items() if c.kind == "school")
    return key, Path(demo.folder) / c.stores["school"]


def test_nothing_is_overdue_before_any_period_ran_out(demo: DemoSummary, capsys) -> None:
    key, _ = _school(demo)
    config = str(Path(demo.folder) / "dsr.toml")
    assert main(["retention", "--config", config, "--controller", key, "--on", "2019-01-01"]) == 0
    assert "no record is kept past" in capsys.readouterr().out


def test_loans_kept_without_consent_are_counted_like_sql_counts_them(demo: DemoSummary, tmp_path: Path, capsys) -> None:
    key, db = _school(demo)
    copy = tmp_path / db.name
    copy.write_bytes(db.read_bytes())
    with sqlite3.connect(copy) as c:
        c.execute("UPDATE person SET keep_loan_history = 0")
        names = {r[0] for r in c.execute("SELECT last_name FROM person")}
    config = tmp_path / "dsr.toml"
    config.write_text(
        (Path(demo.folder) / "dsr.toml").read_text().replace('path = "logs"', f'path = "{demo.folder}/logs"')
    )
    on = "2026-12-31"
    with sqlite3.connect(copy) as c:
        expected = c.execute(
            "SELECT COUNT(*), MIN(date(returned_at, '+6 months')) FROM loan l WHERE person_id IS NOT NULL "
            "AND returned_at IS NOT NULL AND date(returned_at, '+6 months') <= ? "
            "AND NOT EXISTS (SELECT 1 FROM fee f WHERE f.loan_id = l.id)",
            (on,),
        ).fetchone()
    assert expected[0] > 0, "the demo must hold old loans for this test to prove anything"
    assert main(["retention", "--config", str(config), "--controller", key, "--on", on]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "school.loan " in x)
    assert f"{expected[0]} record(s)" in line and f"oldest due {expected[1]}" in line
    assert not any(name in out for name in names)
