"""Controllers listed in a table instead of written out one by one: ``[registry]`` + ``[templates.*]``.

A vendor hosting hundreds of schools keeps them in its customer table already. Each row of that
table (or of a query) becomes one controller: the template's values with ``{column}`` replaced
by the row's values, validated exactly like a ``[controllers.<key>]`` table::

    [registry]
    url = "sqlite:///vendor.db"          # or postgresql://…; read once when the settings load
    table = "customer"                   # or: query = "SELECT … FROM customer WHERE …"
    key = "tenant_key"                   # the column whose value is the controller's key
    template = "school"

    [templates.school]
    name = "{school_name}"
    land = "{state_code}"
    ...
    [templates.school.stores.school]
    connector = "sql"
    url = "postgresql://james@db/james_{tenant_key}"
    mapping = "james-school"

A value that is one placeholder alone (``public = "{is_public}"``) takes the column's value as
it is (a boolean column gives a boolean); inside longer text it is written as text. An error
names the row by its key and the setting: ``registry[gym-xyz].stores.school.url``. A
``[controllers.<key>]`` written in the file wins over a row with the same key.

Only the registry is read on loading; no store is connected until a controller is used.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msgspec
import sqlalchemy as sa

from dsr.errors import ConfigError, ConfigSource

#: a controller key from a table: it becomes part of URLs, file names and error keys
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


class RegistrySettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[registry]``: where the list of controllers is (see the module docstring)."""

    #: SQLAlchemy URL of the database with the list (a relative SQLite file: next to the config)
    url: str
    #: a table read whole, or ``query``: a SELECT giving one row per controller (exactly one of the two)
    table: str = ""
    query: str = ""
    #: the column whose value is the controller's key (requests are addressed to it)
    key: str = "tenant_key"
    #: the ``[templates.<name>]`` each row fills in
    template: str


class Listed(msgspec.Struct, frozen=True, kw_only=True):
    """What the registry adds to the settings: controller tables ready for validation."""

    #: controller key → its table (the template filled in), in the registry's row order
    tables: dict[str, dict[str, Any]]
    #: problems found before validation (unreadable registry, bad placeholder, bad key)
    problems: list[ConfigError]


def origin(key: str) -> str:
    """How errors name a registry row: ``registry[gym-xyz]``."""
    return f"registry[{key}]"


def listed(
    settings: RegistrySettings,
    templates: dict[str, dict[str, Any]],
    source: ConfigSource,
    base_dir: Path,
    *,
    skip: frozenset[str],
) -> Listed:
    """The controller tables the ``[registry]`` lists, each ``templates[settings.template]``
    filled in (rows whose key is in ``skip`` are left out: a controller written in the file wins)."""
    if bool(settings.table) == bool(settings.query):
        raise ConfigError(source, "registry", 'give either table = "…" or query = "SELECT …", not both')
    if settings.template not in templates:
        known = ", ".join(sorted(templates)) or "none"
        raise ConfigError(source, "registry.template", f"no [templates.{settings.template}] (configured: {known})")
    template = templates[settings.template]
    columns, rows = _read(settings, source, base_dir)
    where = f"templates.{settings.template}"
    problems = _unknown_placeholders(template, set(columns), source, where)
    if settings.key not in columns:
        problems.append(
            ConfigError(source, "registry.key", f"no column {settings.key!r} (columns: {', '.join(columns)})")
        )
    if problems:
        return Listed(tables={}, problems=problems)
    tables: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows, 1):
        value = row[settings.key]
        key = "" if value is None else str(value).strip()
        if not KEY.fullmatch(key):
            # the row is named by position: its other values may be personal data
            problems.append(ConfigError(source, f"registry (row {i})", f"{settings.key} is not a usable key: {key!r}"))
            continue
        if key in skip:
            continue
        if key in tables:
            problems.append(ConfigError(source, origin(key), f"listed twice (column {settings.key})"))
            continue
        try:
            tables[key] = _fill(template, row, source, origin(key))
        except ConfigError as exc:
            problems.append(exc)
    return Listed(tables=tables, problems=problems)


def _read(settings: RegistrySettings, source: ConfigSource, base_dir: Path) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        url = sa.make_url(settings.url)
    except sa.exc.ArgumentError:
        raise ConfigError(source, "registry.url", "not a database URL (e.g. sqlite:///vendor.db)") from None
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.exists():  # opened read-only: SQLite would otherwise create it empty
            raise ConfigError(source, "registry.url", f"the SQLite file {path} does not exist")
        url = url.set(database=f"file:{quote(str(path.resolve()))}", query={**url.query, "mode": "ro", "uri": "true"})
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
        raise ConfigError(source, "registry.url", f"cannot use this database URL ({type(exc).__name__})") from None
    try:
        with engine.connect() as conn:
            if settings.query:
                result = conn.execute(sa.text(settings.query))
            else:
                schema, _, name = settings.table.rpartition(".")
                table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=conn)
                result = conn.execute(sa.select(table))
            columns = list(result.keys())
            rows = [dict(r) for r in result.mappings()]
    except sa.exc.NoSuchTableError:
        raise ConfigError(source, "registry.table", f"no table {settings.table!r} in the registry's database") from None
    except sa.exc.SQLAlchemyError as exc:
        # the exception text may carry row values: only its kind is told
        what = "registry.query" if settings.query else "registry.url"
        raise ConfigError(source, what, f"cannot read the registry ({type(exc).__name__})") from None
    finally:
        engine.dispose()
    return columns, rows


_FORMATTER = string.Formatter()


def _placeholders(text: str) -> list[str]:
    try:
        return [field for _, field, _, _ in _FORMATTER.parse(text) if field is not None]
    except ValueError as exc:  # a lone "{" or "}"
        raise ValueError(f"{exc} (write {{{{ and }}}} for braces)") from None


def _unknown_placeholders(value: Any, columns: set[str], source: ConfigSource, where: str) -> list[ConfigError]:
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _unknown_placeholders(v, columns, source, f"{where}.{k}")]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _unknown_placeholders(v, columns, source, f"{where}[{i}]")]
    if not isinstance(value, str):
        return []
    try:
        fields = _placeholders(value)
    except ValueError as exc:
        return [ConfigError(source, where, str(exc))]
    return [
        ConfigError(source, where, f"{{{f}}} is no column of the registry (columns: {', '.join(sorted(columns))})")
        for f in fields
        if f not in columns
    ]


def _fill(value: Any, row: Mapping[str, Any], source: ConfigSource, where: str) -> Any:
    """The template ``value`` with the row's columns in its placeholders."""
    if isinstance(value, dict):
        return {k: _fill(v, row, source, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, row, source, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    parsed = list(_FORMATTER.parse(value))
    if len(parsed) == 1 and not parsed[0][0] and parsed[0][1]:
        got = row[parsed[0][1]]  # one placeholder alone: the column's value, NULL as none
        return got if got is None or isinstance(got, bool) else str(got)
    out = []
    for literal, field, _spec, _conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        if row[field] is None:
            raise ConfigError(source, where, f"the registry's column {field} is empty in this row")
        out.append(str(row[field]))
    return "".join(out)


def summarised(errors: list[ConfigError]) -> list[ConfigError]:
    """One error per template mistake: the same problem at the same key in many rows (a template
    misspelt for 500 schools) is told once, with how many more rows have it."""
    groups: dict[tuple[str, str], list[ConfigError]] = {}
    for e in errors:
        key = e.key or ""
        row = _ROW.match(key)
        groups.setdefault((key[row.end() :] if row else key, e.problem), []).append(e)
    out = []
    for (_, problem), found in groups.items():
        first = found[0]
        more = f" (and {len(found) - 1} more rows of the registry)" if len(found) > 1 else ""
        out.append(ConfigError(first.source, first.key, problem + more) if more else first)
    return out


_ROW = re.compile(r"registry\[[^\]]*\]")
