"""The deployment files name commands that exist: every ``dsr …`` in the systemd units, the
Dockerfile and docs/deployment.md is run as ``dsr <subcommand> --help`` with the installed
console script, and each option it uses must be in that help. The image installs the Debian
packages scripts/install does for rendering letters (not the test tools)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("dsr-*.service"))
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
GUIDE = ROOT / "docs" / "deployment.md"
DSR = Path(sys.executable).with_name("dsr")
#: what scripts/install installs for the tests only
TEST_TOOLS = {"chromium", "libreoffice-writer-nogui", "poppler-utils"}

Command = tuple[tuple[str, ...], tuple[str, ...]]  # (subcommand words, options)


def commands_in(argv: list[str]) -> list[Command]:
    """Each ``dsr`` (or ``…/bin/dsr``) in a command line: the words after it up to the first
    option or value, and the options (``--name``) that follow."""
    found = []
    for i, token in enumerate(argv):
        if token != "dsr" and not token.endswith("/bin/dsr"):
            continue
        words: list[str] = []
        rest = argv[i + 1 :]
        while rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]) and len(words) < 2:
            words.append(rest.pop(0))
        if words:
            options = tuple(t.split("=", 1)[0] for t in rest if t.startswith("--"))
            found.append((tuple(words), options))
    return found


def split(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return line.split()


def unit_commands(unit: Path) -> list[Command]:
    lines = [line.split("=", 1)[1] for line in unit.read_text().splitlines() if re.match(r"Exec\w*=", line)]
    return [c for line in lines for c in commands_in(split(line))]


def docker_commands() -> list[Command]:
    text = DOCKERFILE.read_text()
    entry = json.loads(re.search(r"^ENTRYPOINT (.+)$", text, re.M).group(1))  # type: ignore[union-attr]
    cmd = json.loads(re.search(r"^CMD (.+)$", text, re.M).group(1))  # type: ignore[union-attr]
    assert entry == ["dsr"]
    # the usage in the header comment (docker run … dsr worker …) and the default command
    runs = [
        line[1:] for line in text.replace("\\\n#", " ").splitlines() if line.startswith("#") and "docker run" in line
    ]
    usage = [c for line in runs for c in commands_in(split(line))]
    return [*commands_in([*entry, *cmd]), *usage]


def guide_commands() -> list[Command]:
    text = GUIDE.read_text()
    blocks = re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S)
    spans = re.findall(r"(?<!`)`([^`\n]+(?:\n[^`\n]+)?)`(?!`)", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()] + spans
    return [c for line in lines for c in commands_in(split(line.replace("\n", " ")))]


@cache
def help_of(words: tuple[str, ...]) -> str:
    run = subprocess.run([str(DSR), *words, "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"dsr {' '.join(words)} --help: {run.stderr}"
    return run.stdout


def check(commands: list[Command]) -> None:
    assert commands
    for words, options in commands:
        usage = help_of(words)
        unknown = [o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", usage)]
        assert not unknown, f"dsr {' '.join(words)} has no option {unknown}"


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_systemd_unit_runs_a_dsr_command_that_exists(unit: Path) -> None:
    commands = unit_commands(unit)
    check(commands)
    assert "User=dsr" in unit.read_text()


def test_the_units_are_the_server_the_worker_and_the_daily_housekeeping() -> None:
    ran = {words for unit in UNITS for words, _ in unit_commands(unit)}
    assert {("serve",), ("worker",), ("housekeeping",), ("audit", "verify")} <= ran
    timer = (ROOT / "deploy" / "systemd" / "dsr-housekeeping.timer").read_text()
    assert "OnCalendar=" in timer and "Persistent=true" in timer


def test_the_container_image_runs_dsr_commands_that_exist() -> None:
    commands = docker_commands()
    check(commands)
    assert {("serve",), ("worker",), ("migrate",)} <= {words for words, _ in commands}
    assert re.search(r"^USER dsr$", DOCKERFILE.read_text(), re.M)  # not root


def test_every_dsr_command_in_the_deployment_guide_exists() -> None:
    commands = guide_commands()
    check(commands)
    named = {words for words, _ in commands}
    assert {("migrate",), ("audit", "verify"), ("audit", "checkpoint"), ("user", "add")} <= named


def test_the_image_installs_the_rendering_packages_scripts_install_does() -> None:
    install = (ROOT / "scripts" / "install").read_text()
    listed = re.search(r"DEBIAN_PACKAGES=\((.*?)\n\)", install, re.S).group(1)  # type: ignore[union-attr]
    wanted = {w for line in listed.splitlines() for w in line.split("#")[0].split()} - TEST_TOOLS
    run = re.search(r"apt-get install -y --no-install-recommends(.*?)&&", DOCKERFILE.read_text(), re.S)
    image = set(run.group(1).replace("\\", " ").split())  # type: ignore[union-attr]
    assert image == wanted
    assert wanted <= set(GUIDE.read_text().replace("\\", " ").split())  # the guide's apt-get line too
