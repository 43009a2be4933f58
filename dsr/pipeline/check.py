"""``dsr check``: validate a configuration and its mappings against the live stores."""

from __future__ import annotations

from pathlib import Path

from dsr.config import connect, load, secret_key_problem
from dsr.errors import ConfigError, ConfigErrors, ConnectorError


def check(path: str | Path) -> list[ConfigError]:
    """Every problem found, each naming file and key. Empty when all is well.

    Reads the configuration, builds every controller's connectors and asks each to check
    itself against its live store (tables, columns, every column classified).
    """
    try:
        settings = load(path)
    except ConfigErrors as exc:
        return list(exc.errors)
    except ConfigError as exc:
        return [exc]
    problems: list[ConfigError] = [weak] if (weak := secret_key_problem(settings)) is not None else []
    for key in settings.controllers:
        try:
            connectors = connect(settings, key)
        except ConfigErrors as exc:
            problems.extend(exc.errors)
            continue
        except ConfigError as exc:
            problems.append(exc)
            continue
        for connector in connectors:
            try:
                problems.extend(connector.check())
            except ConnectorError as exc:
                problems.append(ConfigError(settings.file, f"controllers.{key}.stores.{connector.name}", exc.problem))
            finally:
                connector.close()
    return problems
