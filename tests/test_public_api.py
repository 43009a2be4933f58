"""The public API is what ``dsr.__all__`` says, and nothing in the core imports the web layer."""

from __future__ import annotations

import ast
from pathlib import Path

import dsr

ROOT = Path(__file__).resolve().parents[1]


def test_all_names_exist_and_are_sorted_unique() -> None:
    assert len(set(dsr.__all__)) == len(dsr.__all__)
    for name in dsr.__all__:
        assert hasattr(dsr, name), name


def test_every_public_import_is_exported() -> None:
    public = {n for n in vars(dsr) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if type(getattr(dsr, n)).__name__ == "module"}
    assert public - modules == set(dsr.__all__)


def test_core_does_not_import_the_web_layer() -> None:
    """Only ``dsr/portal`` imports Litestar; the CLI may, but only inside the command that serves."""
    offenders = []
    for path in (ROOT / "dsr").rglob("*.py"):
        if "portal" in path.relative_to(ROOT / "dsr").parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = tree.body if path.name == "cli.py" and path.parent.name == "dsr" else ast.walk(tree)
        for node in nodes:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "litestar" or n.startswith("litestar.") or n.startswith("dsr.portal") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_importing_dsr_and_its_cli_loads_no_web_framework() -> None:
    import subprocess
    import sys

    code = "import sys, dsr, dsr.cli, dsr.pipeline.answer; sys.exit('litestar' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
