"""James embeds the core: ``pip install dsr`` without extras answers a request from a store, and pulls
in no web framework, mail client, password hasher, migration tool, demo generator or database driver.

The wheel is built from this checkout and installed into a fresh virtualenv (packages come from the
package index or pip's cache); the demo stores are written by the test environment, which has the
``demo`` extra, and answered by the lean installation.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from dsr.demo import generate

ROOT = Path(__file__).resolve().parents[1]

#: modules of the extras (portal, postgres, mysql, demo): none may be installed or imported by the core
EXTRA_MODULES = (
    "litestar",
    "uvicorn",
    "aiosmtplib",
    "argon2",
    "alembic",
    "faker",
    "psycopg",
    "pymysql",
    "procrastinate",
)


def _run(*cmd: str | Path, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=900
    )


@pytest.fixture(scope="session")
def lean(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A fresh virtualenv with the dsr wheel and its core dependencies only; returns its bin folder.

    Built once per test run: pytest-xdist workers share the folder above their own temporary
    folders, and the first to take the lock builds it (the pattern of pytest-xdist's docs)."""
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    where = shared / "lean-install"
    where.mkdir(exist_ok=True)
    with open(where / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        bin_dir = where / "venv" / "bin"
        if not (where / "done").exists():
            wheels = where / "wheels"
            _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, ROOT)
            (wheel,) = wheels.glob("dsr-*.whl")
            venv.create(where / "venv", with_pip=True, clear=True)
            _run(bin_dir / "python", "-m", "pip", "install", "-q", wheel)
            (where / "done").touch()
    return bin_dir


@pytest.mark.slow
def test_the_core_installs_without_the_extras(lean: Path) -> None:
    installed = _run(lean / "python", "-m", "pip", "list", "--format=json").stdout
    names = {p["name"].lower() for p in json.loads(installed)}
    assert "dsr" in names and "weasyprint" in names and "sqlalchemy" in names
    assert names.isdisjoint(
        {"litestar", "uvicorn", "aiosmtplib", "argon2-cffi", "alembic", "faker", "pymysql", "procrastinate"}
    )
    assert not any(n.startswith("psycopg") for n in names)


@pytest.mark.slow
def test_nothing_is_installed_under_a_name_a_host_could_use_and_everything_is_typed(lean: Path) -> None:
    # a host (James) has its own top-level modules: dsr's must all carry dsr's name (issue 15)
    probe = "import importlib.metadata as m, json\nfiles = [str(f) for f in m.files('dsr')]\nprint(json.dumps(files))\n"
    files = json.loads(_run(lean / "python", "-c", probe).stdout)
    packages = {f.split("/")[0] for f in files if f.endswith(".py")}
    assert packages == {"dsr", "dsr_connectors", "dsr_letter_templates"}, packages
    assert {f"{p}/py.typed" for p in packages} <= set(files)


@pytest.mark.slow
def test_importing_the_core_imports_no_web_framework(lean: Path) -> None:
    probe = (
        "import sys, dsr, dsr.pipeline.answer, dsr.testing, dsr_connectors.sql, dsr_connectors.weblog\n"
        f"print(sorted(m for m in sys.modules if m.partition('.')[0] in {EXTRA_MODULES!r}))\n"
    )
    assert _run(lean / "python", "-c", probe).stdout.strip() == "[]"


@pytest.mark.slow
def test_the_lean_install_answers_a_request(lean: Path, tmp_path: Path) -> None:
    summary = generate(tmp_path / "demo", schools=1, readers_per_school=20, seed=5, loans_per_reader=3)
    school = next(key for key, c in summary.controllers.items() if c.kind == "school")
    (db,) = (tmp_path / "demo").glob("school-*.db")
    with sqlite3.connect(db) as conn:
        card, last_name = conn.execute(
            "SELECT card_number, last_name FROM person WHERE card_number IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
    out = tmp_path / "answer"
    done = _run(
        lean / "dsr",
        "disclose",
        "--config",
        summary.config,
        "--controller",
        school,
        "--card",
        card,
        "--out",
        out,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {"disclosure.pdf", "disclosure.json", "disclosure.docx"} <= {p.name for p in out.iterdir()}
    text = _run("pdftotext", out / "disclosure.pdf", "-").stdout
    assert last_name in text


@pytest.mark.slow
def test_a_command_of_an_extra_names_the_extra_to_install(lean: Path, tmp_path: Path) -> None:
    config = tmp_path / "dsr.toml"
    config.write_text('[dsr]\nsecret_key = "k"\n', encoding="utf-8")
    served = _run(lean / "dsr", "serve", "--config", config, check=False)
    assert served.returncode == 2
    assert "pip install 'dsr[portal]'" in served.stderr
    assert "Traceback" not in served.stderr
