"""Texts a letter in "du" would print in "Sie": a German text of a mapping or register that
addresses the reader ("Ihr Benutzerkonto", "damit Sie …") and has no ``du`` text beside it.

A pupil's letter takes an entry's ``du`` text where there is one (``Wording.pick``); without it
the copy's headings and the box's purposes speak to a ten-year-old as "Sie". ``dsr check`` warns
for the controllers whose readers are pupils (:mod:`dsr.pipeline.check`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from dsr.errors import ConfigError
from dsr.model import CollectionSpec
from dsr.pipeline.compose.wording import formal
from dsr.pipeline.register import Register

_WHY = 'addresses the reader as "Sie" without a `du` text: a pupil\'s letter in "du" would print it'


def formal_only(text: Mapping[str, str] | None) -> bool:
    """A German text in the polite form with no ``du`` text for a young reader."""
    return text is not None and formal(text.get("de")) and not text.get("du")


def mapping_without_du(specs: Iterable[CollectionSpec], file: str | Path | None, where: str) -> list[ConfigError]:
    """The titles, descriptions, labels, explanations and code texts of a store's collections
    that have only a "Sie" form. ``file`` and ``where`` name the store's mapping."""
    found = []
    for spec in specs:
        key = f"{where}collections.{spec.name}"
        texts: list[tuple[str, Mapping[str, str]]] = [
            (f"{key}.title", spec.title),
            (f"{key}.description", spec.description),
        ]
        for f in spec.fields:
            texts += [(f"{key}.columns.{f.name}.label", f.label), (f"{key}.columns.{f.name}.explain", f.explain)]
            texts += [(f"{key}.columns.{f.name}.codes.{code}", text) for code, text in f.codes.items()]
        found += [ConfigError(file, k, _WHY) for k, text in texts if formal_only(text)]
    return found


def register_without_du(register: Register) -> list[ConfigError]:
    """Every text of a register (purposes, sources, retention, rights, recipients …) that has
    only a "Sie" form."""
    found: list[ConfigError] = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            if formal_only(value) and all(isinstance(v, str) for v in value.values()):
                found.append(ConfigError(register.file, key, _WHY))
                return
            for k, v in value.items():
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{key}[{i}]")

    raw = msgspec.to_builtins(register)
    for section in ("defaults", "categories", "activities"):
        walk(raw.get(section, {}), section)
    return found
