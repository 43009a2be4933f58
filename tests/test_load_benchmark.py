"""benchmarks/load.py, briefly: 3 seconds at 5 submissions/s against one SQLite `dsr serve`.

Oracles: the generator's record of each answer's status, its printed table, and the portal
database itself — one case per request sent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.schema import cases
from dsr.demo import DemoSummary

ROOT = Path(__file__).resolve().parents[1]


def test_load_generator_gets_every_submission_accepted_and_prints_the_table(demo: DemoSummary, tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--setups", "sqlite:1", "--rate", "5"]
    command += ["--seconds", "3", "--warmup", "0", "--no-ramp", "--demo", str(demo.config.parent)]
    command += ["--work", str(tmp_path), "--json", str(tmp_path / "load.json")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr

    [result] = msgspec.json.decode((tmp_path / "load.json").read_bytes(), type=list[dict[str, Any]])
    fixed = result["fixed"]
    assert fixed["sent"] == 15
    assert sum(fixed["statuses"].values()) == 15
    assert all(200 <= int(status) < 400 for status in fixed["statuses"]), fixed["statuses"]

    assert "submissions at a fixed rate" in done.stdout
    for column in ("achieved /s", "p50 ms", "p99 ms", "max ms", "errors"):
        assert column in done.stdout
    assert "rate limits not measured" in done.stdout

    engine = casefile.open_engine(result["database_url"])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar_one() == 15
    engine.dispose()
