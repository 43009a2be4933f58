"""``dsr check``: validate a configuration and its mappings against the live stores."""

from __future__ import annotations

from pathlib import Path

from dsr.config import ControllerSettings, Settings, connect, load, secret_key_problem
from dsr.errors import ConfigError, ConfigErrors, ConnectorError
from dsr.pipeline import land_law, register
from dsr.pipeline.compose.du_texts import mapping_without_du, register_without_du
from dsr.pipeline.compose.keys import unworded


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
                # codes and relations the letter would print as keys (dsr.pipeline.compose.keys)
                mapping = getattr(connector, "mapping", None)
                problems.extend(
                    unworded(
                        connector.collections(),
                        getattr(mapping, "file", settings.file),
                        "" if mapping else f"controllers.{key}.stores.{connector.name}.",
                    )
                )
            except ConnectorError as exc:
                problems.append(ConfigError(settings.file, f"controllers.{key}.stores.{connector.name}", exc.problem))
            finally:
                connector.close()
    problems.extend(register_problems(settings))
    return problems


def register_problems(settings: Settings) -> list[ConfigError]:
    """Each controller's register must load, in every language its letters are written in (the
    portal answers in German and English): an English letter must not fall back to German."""
    problems = []
    for controller in settings.controllers.values():
        try:
            register.load(register_name(controller), base_dir=settings.base_dir)
        except ConfigError as exc:
            problems.append(exc)
        except ConfigErrors as exc:
            problems.extend(exc.errors)
    return problems


def warnings(path: str | Path) -> list[ConfigError]:
    """Findings that do not stop letters: recipients a register names only by their kind
    ("unsere Steuerberatung"): the actual recipients must be named (CJEU C-154/21); the Land law
    of a public controller that awaits review (``confidence = "review"`` in
    dsr/data/land_law.toml: its letters cite the acts by name only); a school's text in "Sie"
    without a `du` text, which a pupil's letter in "du" would print (dsr.pipeline.compose.du_texts)."""
    try:
        settings = load(path)
    except (ConfigError, ConfigErrors):
        return []  # check() reports these
    found: list[ConfigError] = []
    seen: set[str] = set()
    for controller in settings.controllers.values():
        name = register_name(controller)
        if name in seen:
            continue
        seen.add(name)
        try:
            loaded = register.load(name, base_dir=settings.base_dir)
        except (ConfigError, ConfigErrors):
            continue  # check() reports it
        found.extend(register.unnamed_recipients(loaded))
        if any(c.kind == "school" and register_name(c) == name for c in settings.controllers.values()):
            found.extend(register_without_du(loaded))
    found.extend(land_law.unchecked(c.land for c in settings.controllers.values() if c.public))
    found.extend(_pupil_mappings_without_du(settings))
    return found


def _pupil_mappings_without_du(settings: Settings) -> list[ConfigError]:
    """The mapping texts in "Sie" only of the schools' stores (their readers are pupils), each once
    (schools share a mapping)."""
    found: dict[str, ConfigError] = {}
    for key, controller in settings.controllers.items():
        if controller.kind != "school":
            continue
        try:
            connectors = connect(settings, key)
        except (ConfigError, ConfigErrors):
            continue  # check() reports it
        for connector in connectors:
            try:
                mapping = getattr(connector, "mapping", None)
                where = "" if mapping else f"controllers.{key}.stores.{connector.name}."
                for w in mapping_without_du(connector.collections(), getattr(mapping, "file", settings.file), where):
                    found.setdefault(str(w), w)
            except ConnectorError:
                continue  # check() reports it
            finally:
                connector.close()
    return list(found.values())


def register_name(controller: ControllerSettings) -> str:
    """The controller's register: configured, else the built-in one for its kind."""
    return controller.register or ("james-school" if controller.kind == "school" else "james-vendor")
