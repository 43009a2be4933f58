"""Short texts the letter prints for values and keys, read from ``letter_templates/wording.toml``.

Kept as data so a controller can edit them without touching code.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path

from dsr.errors import ConfigError

TEMPLATES = Path(__file__).resolve().parents[3] / "letter_templates"
WORDING = TEMPLATES / "wording.toml"
SECTIONS = (
    "values",
    "salutations",
    "roles",
    "categories",
    "channels",
    "identity_checks",
    "stores",
    "store_states",
    "withheld_kinds",
    "grounds",
)


def pick(text: Mapping[str, str] | None, language: str, fallback: str = "") -> str:
    """The text in ``language``, else German, else any language, else ``fallback``."""
    if not text:
        return fallback
    return text.get(language) or text.get("de") or next(iter(text.values()), fallback)


class Wording:
    def __init__(self, table: Mapping[str, Mapping[str, Mapping[str, str]]], language: str) -> None:
        self.table = table
        self.language = language

    def get(self, section: str, key: str | None, default: str | None = None) -> str:
        """Text for ``key`` in ``section``; ``default`` (or the key itself) when the key is unknown."""
        entry = self.table.get(section, {}).get(key or "")
        if entry is None:
            return default if default is not None else (key or "")
        return pick(entry, self.language)

    def value(self, key: str) -> str:
        return self.get("values", key)


@functools.cache
def _table(path: Path) -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    for section in SECTIONS:
        entries = raw.get(section)
        if not isinstance(entries, dict):
            raise ConfigError(path, section, "missing table")
        for key, text in entries.items():
            if not isinstance(text, dict) or not all(isinstance(text.get(lang), str) for lang in ("de", "en")):
                raise ConfigError(path, f"{section}.{key}", 'needs texts for "de" and "en"')
    return raw


def wording(language: str, path: Path = WORDING) -> Wording:
    return Wording(_table(path), language)
