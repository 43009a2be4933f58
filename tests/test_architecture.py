"""The tree states the architecture: the pipeline has no database of its own and never reaches into
the case file, the service or the web layer; the case file knows nothing of the service or the web;
nothing imports the web layer but the CLI; and no module imports another that (through others)
imports it back.

The graph is read from the source (``ast``), not from ``sys.modules``: an import inside a function
counts as much as one at the top, since it is a dependency all the same.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dsr", "dsr_connectors", "dsr_letter_templates")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:  # Alembic scripts, loaded by Alembic only
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """The project modules ``name`` imports; ``from pkg import sub`` counts as an import of ``pkg.sub``."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # `import a.b.c` where a.b.c is a name in a.b
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


GRAPH = {name: set(_imports(name, path)) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "dsr":
        return parts[0]  # dsr_connectors, dsr_letter_templates
    if len(parts) == 1:
        return "api"  # dsr/__init__: the public API re-exports the pipeline
    if parts[1] in {"pipeline", "casefile", "service", "portal", "demo", "cli", "testing"}:
        return parts[1]
    if parts[1] == "erasure_cli":
        return "cli"  # dsr erase, holds, restricted (registered by dsr.cli)
    return "core"  # model, config, connector, errors


#: what each layer may import besides itself and dsr_letter_templates (templates and fonts); the rule for new code
ALLOWED = {
    "core": set(),
    "pipeline": {"core"},
    "dsr_connectors": {"core", "pipeline"},
    "dsr_letter_templates": set(),
    "casefile": {"core", "pipeline"},
    "service": {"core", "pipeline", "casefile"},
    "portal": {"core", "pipeline", "casefile", "service"},
    "testing": {"core", "pipeline"},
    "api": {"core", "pipeline"},
    "demo": {"core", "pipeline", "casefile", "service", "dsr_connectors", "api"},
    "cli": {"core", "pipeline", "casefile", "service", "portal", "demo", "api"},
}


def test_the_graph_is_read():
    # a reader that finds nothing would pass every rule below
    assert "dsr.pipeline.redact" in GRAPH["dsr.pipeline.answer"]
    assert "dsr.casefile.attachments" in GRAPH["dsr.casefile.workflow"]
    assert len(MODULES) > 100


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_a_cycle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_layers_import_only_what_lies_below():
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _layer(target) not in {_layer(module), "dsr_letter_templates"}
        and _layer(target) not in ALLOWED[_layer(module)]
    )
    assert wrong == []


@pytest.mark.parametrize("module", ["dsr.pipeline.answer", "dsr.pipeline.redact.stage", "dsr.casefile.workflow"])
def test_every_layer_is_checked(module):
    assert _layer(module) in ALLOWED and module in GRAPH


def test_the_readme_names_only_folders_and_files_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`((?:dsr|dsr_connectors|dsr_letter_templates|tests)/[\w/.-]*)`", section))
    assert len(named) > 10
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert missing == []


def test_the_readme_explains_every_extra():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    with (ROOT / "pyproject.toml").open("rb") as f:
        extras = tomllib.load(f)["project"]["optional-dependencies"]
    assert {"portal", "postgres", "mysql", "demo", "test"} <= set(extras)
    assert [e for e in extras if f"dsr[{e}]" not in readme] == []
