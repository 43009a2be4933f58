"""``dsr check --all``: every controller (those the ``[registry]`` lists included) checked against
its live stores, one line per controller, in parallel threads (the work is waiting on databases).

The same checks as ``dsr check`` (:mod:`dsr.pipeline.check`), told per controller so that one
broken school among 500 is found by name; the warnings ``dsr check`` adds are left out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec

from dsr.config import Settings, connect, load, secret_key_problem
from dsr.errors import ConfigError, ConfigErrors, ConnectorError
from dsr.pipeline import register
from dsr.pipeline.check import register_name
from dsr.pipeline.compose.keys import unworded


class ControllerCheck(msgspec.Struct, frozen=True, kw_only=True):
    """One controller's outcome: which stores answered as configured, and every problem."""

    controller: str
    stores_ok: list[str]
    stores_failed: list[str]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


class CheckAll(msgspec.Struct, frozen=True, kw_only=True):
    #: problems of the whole configuration (unreadable file, registry, weak secret key)
    problems: list[str]
    controllers: list[ControllerCheck]

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.ok for c in self.controllers)


def check_all(path: str | Path, jobs: int = 1) -> CheckAll:
    """Check every controller of the configuration at ``path`` with ``jobs`` threads."""
    try:
        settings = load(path)
    except ConfigErrors as exc:
        return CheckAll(problems=[str(e) for e in exc.errors], controllers=[])
    except ConfigError as exc:
        return CheckAll(problems=[str(exc)], controllers=[])
    general = [str(weak)] if (weak := secret_key_problem(settings)) is not None else []

    @functools.cache  # schools share a register: loaded once
    def registers(name: str) -> list[str]:
        return _register_problems(name, settings.base_dir)

    run = functools.partial(check_controller, settings, registers=registers)
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        found = list(pool.map(run, settings.controllers))
    return CheckAll(problems=general, controllers=found)


def check_controller(
    settings: Settings, key: str, *, registers: Callable[[str], list[str]] | None = None
) -> ControllerCheck:
    """One controller's stores against the live databases, and its register."""
    ok: list[str] = []
    failed: list[str] = []
    problems: list[str] = []
    try:
        connectors = connect(settings, key)
    except ConfigErrors as exc:
        connectors, problems = [], [str(e) for e in exc.errors]
    except ConfigError as exc:
        connectors, problems = [], [str(exc)]
    if not connectors:
        failed = list(settings.controller(key).stores)
    for connector in connectors:
        where = f"{settings.where(key)}.stores.{connector.name}"
        try:
            found = connector.check()
            mapping = getattr(connector, "mapping", None)
            found += unworded(
                connector.collections(), getattr(mapping, "file", settings.file), "" if mapping else f"{where}."
            )
        except ConnectorError as exc:
            found = [ConfigError(settings.source, where, exc.problem)]
        finally:
            connector.close()
        (failed if found else ok).append(connector.name)
        problems += [str(p) for p in found]
    name = register_name(settings.controller(key))
    problems += registers(name) if registers is not None else _register_problems(name, settings.base_dir)
    return ControllerCheck(controller=key, stores_ok=ok, stores_failed=failed, problems=problems)


def _register_problems(name: str, base_dir: Path) -> list[str]:
    try:
        register.load(name, base_dir=base_dir)
    except ConfigErrors as exc:
        return [str(e) for e in exc.errors]
    except ConfigError as exc:
        return [str(exc)]
    return []
