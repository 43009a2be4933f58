"""The write side of a dataset mapping: ``[collections.X.erase]``, ``[collections.X.restrict]``,
``rectify`` and ``holds``, parsed into :class:`dsr.writing.WriteRules` (docs/mapping.md, "Write side").

Checked here without a database: the columns named are the collection's, a key column is never
written, and collections sharing a table do not erase the same row two different ways. What needs
the live schema (columns exist, a column set to NULL may be NULL) is :func:`check_write_rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping as AbcMapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from dsr.config import convert
from dsr.errors import ConfigError
from dsr.writing import Erase, EraseAction, HoldRule, Restrict, RestrictHow, WriteRules

#: the values ``holds.when`` compares with besides a stored value
NULL, NOT_NULL = "null", "not null"
#: TOML values a column may be set to (TOML has no null: NULL is written by listing the column in ``columns``)
SETTABLE = (str, int, float, bool, dt.date, dt.datetime)


class EraseDecl(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action: EraseAction
    columns: list[str] = []  #: set to NULL
    set: dict[str, Any] = {}  #: column = value written
    stamp: list[str] = []  #: set to the time of the erasure
    note: dict[str, str] = {}
    expires_after_days: int | None = None


class RestrictDecl(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    how: RestrictHow = RestrictHow.LIST
    column: str | None = None
    value: Any = True
    lifted: Any = False


class HoldDecl(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: str
    when: dict[str, Any]
    reason: dict[str, str] = {}


class WriteDecl(msgspec.Struct, frozen=True, kw_only=True):
    """One collection's write declarations, as parsed (validated by :func:`validate`)."""

    erase: EraseDecl | None = None
    restrict: RestrictDecl | None = None
    rectify: list[str] = []
    holds: list[HoldDecl] = []

    def declared(self) -> bool:
        return bool(self.erase or self.restrict or self.rectify or self.holds)


WRITE_KEYS = ("erase", "restrict", "rectify", "holds")


def parse(raw: AbcMapping[str, Any], file: Path, where: str) -> WriteDecl:
    """The write keys of one collection's raw TOML table (``where`` = ``collections.X``)."""
    return WriteDecl(
        erase=convert(raw["erase"], EraseDecl, file, f"{where}.erase") if "erase" in raw else None,
        restrict=convert(raw["restrict"], RestrictDecl, file, f"{where}.restrict") if "restrict" in raw else None,
        rectify=convert(raw.get("rectify", []), list[str], file, f"{where}.rectify"),
        holds=convert(raw.get("holds", []), list[HoldDecl], file, f"{where}.holds"),
    )


def validate(
    file: Path,
    where: str,
    decl: WriteDecl,
    columns: Sequence[str],
    key: Sequence[str],
    texts: Any,
    errors: list[ConfigError],
) -> None:
    """Problems of one collection's declarations; ``texts(file, key, text, errors, required)`` checks a text."""
    if not decl.declared():
        return
    known = set(columns)

    def column(k: str, name: str, writes: bool = False) -> None:
        if name not in known:
            errors.append(ConfigError(file, k, f"{name!r} is not among the columns"))
        elif writes and name in key:
            errors.append(
                ConfigError(file, k, f"{name!r} is the collection's key: it tells the row apart, never written")
            )

    e = decl.erase
    if e is None:
        errors.append(ConfigError(file, f"{where}.erase", "restrict, rectify and holds need an erase table too"))
        return
    ek = f"{where}.erase"
    texts(file, f"{ek}.note", e.note, errors, False)
    writes = bool(e.columns or e.set or e.stamp)
    if e.action in (EraseAction.DELETE, EraseAction.NONE, EraseAction.EXPIRES) and writes:
        errors.append(ConfigError(file, ek, f"action {e.action.value!r} writes no columns (columns, set, stamp)"))
    if e.action is EraseAction.ANONYMISE and not e.columns:
        errors.append(ConfigError(file, f"{ek}.columns", "anonymise names the person reference(s) set to NULL"))
    if e.action is EraseAction.OVERWRITE and not (e.columns or e.set):
        errors.append(ConfigError(file, ek, "overwrite names columns set to NULL (columns) or to a value (set)"))
    if e.action is EraseAction.EXPIRES and (e.expires_after_days is None or e.expires_after_days < 1):
        errors.append(
            ConfigError(file, f"{ek}.expires_after_days", "expires needs the days after which the store forgets")
        )
    elif e.action is not EraseAction.EXPIRES and e.expires_after_days is not None:
        errors.append(ConfigError(file, f"{ek}.expires_after_days", 'only for action = "expires"'))
    seen: set[str] = set()
    for part, names in (("columns", e.columns), ("set", list(e.set)), ("stamp", e.stamp)):
        for i, name in enumerate(names):
            k = f"{ek}.{part}.{name}" if part == "set" else f"{ek}.{part}[{i}]"
            column(k, name, writes=True)
            if name in seen:
                errors.append(ConfigError(file, k, f"{name!r} is written twice"))
            seen.add(name)
    for name, value in e.set.items():
        if not isinstance(value, SETTABLE) or isinstance(value, dt.time):
            errors.append(ConfigError(file, f"{ek}.set.{name}", "a text, number, true/false, date or date-time"))
    r = decl.restrict
    if r is not None:
        rk = f"{where}.restrict"
        if r.how is RestrictHow.FLAG:
            if r.column is None:
                errors.append(ConfigError(file, f"{rk}.column", 'how = "flag" names the flag column'))
            else:
                column(f"{rk}.column", r.column, writes=True)
            if r.value == r.lifted:
                errors.append(ConfigError(file, f"{rk}.lifted", "must differ from value"))
        elif r.column is not None:
            errors.append(ConfigError(file, f"{rk}.column", 'only for how = "flag"'))
    for i, name in enumerate(decl.rectify):
        column(f"{where}.rectify[{i}]", name, writes=True)
    for i, h in enumerate(decl.holds):
        hk = f"{where}.holds[{i}]"
        if not h.kind.strip():
            errors.append(ConfigError(file, f"{hk}.kind", "name the kind of hold, e.g. open_loan"))
        if not h.when:
            errors.append(ConfigError(file, f"{hk}.when", 'name at least one column = "null" | "not null" | value'))
        for name, value in h.when.items():
            column(f"{hk}.when.{name}", name)
            if not isinstance(value, SETTABLE) or isinstance(value, dt.time):
                errors.append(ConfigError(file, f"{hk}.when.{name}", '"null", "not null" or a value'))
        texts(file, f"{hk}.reason", h.reason, errors, False)


def conflicts(file: Path, tables: AbcMapping[str, Sequence[tuple[str, WriteDecl]]]) -> list[ConfigError]:
    """Collections on one table that would erase the same row two different ways: one deletes rows
    another keeps and writes, or two write one column differently (a row reached through both
    would end up as whichever ran last)."""
    errors: list[ConfigError] = []
    for table, decls in tables.items():
        erasing = [(n, d.erase) for n, d in decls if d.erase is not None and _writes_rows(d.erase.action)]
        first_name, first = erasing[0] if erasing else ("", None)
        written: dict[str, tuple[str, object]] = {}
        for name, e in erasing:
            assert e is not None and first is not None
            if (e.action is EraseAction.DELETE) != (first.action is EraseAction.DELETE):
                errors.append(
                    ConfigError(
                        file,
                        f"collections.{name}.erase.action",
                        f"erases rows of table {table!r} another way than collections.{first_name} "
                        f"({first.action.value}): a row reached through both would be erased two ways",
                    )
                )
                continue
            for col, value in _written(e).items():
                other = written.setdefault(col, (name, value))
                if other[1] != value:
                    errors.append(
                        ConfigError(
                            file,
                            f"collections.{name}.erase",
                            f"writes {table}.{col} otherwise than collections.{other[0]}: "
                            "a row reached through both would be erased two ways",
                        )
                    )
    return errors


def _writes_rows(action: EraseAction) -> bool:
    return action in (EraseAction.DELETE, EraseAction.ANONYMISE, EraseAction.OVERWRITE)


def _written(e: EraseDecl) -> dict[str, object]:
    out: dict[str, object] = {c: None for c in e.columns}
    out.update({c: ("value", type(v).__name__, v) for c, v in e.set.items()})
    out.update({c: ("stamp",) for c in e.stamp})
    return out


def write_rules(store: str, collection: str, decl: WriteDecl) -> WriteRules | None:
    """The :class:`WriteRules` of a validated declaration (None: the collection declares none)."""
    e = decl.erase
    if e is None:
        return None
    r = decl.restrict or RestrictDecl()
    return WriteRules(
        store=store,
        collection=collection,
        erase=Erase(
            action=e.action,
            columns={**dict.fromkeys(e.columns), **e.set},
            expires_after_days=e.expires_after_days,
            note=e.note,
            stamp=tuple(e.stamp),
        ),
        restrict=Restrict(how=r.how, column=r.column, value=r.value, lifted=r.lifted),
        rectify=tuple(decl.rectify),
        holds=tuple(HoldRule(kind=h.kind, when=h.when, reason=h.reason) for h in decl.holds),
    )
