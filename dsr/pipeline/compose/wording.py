"""Short texts the letter prints for values and keys, read from ``dsr_letter_templates/wording.toml``.

Kept as data so a controller can edit them without touching code.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from dsr.config import DEFAULT_ZONE
from dsr.errors import ConfigError

TEMPLATES = Path(__file__).resolve().parents[3] / "dsr_letter_templates"
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
    """The texts in one language; ``form`` "du" (a young reader addressed in "du", see
    ``compose.disclosure.address_of``) prefers an entry's ``du`` text to its German one
    ("deine Mutter" for "Ihre Mutter"). English has one form. ``zone`` is the reader's clock
    (``[dsr] timezone``): the letter prints a stored time as it was there."""

    def __init__(
        self,
        table: Mapping[str, Mapping[str, Mapping[str, str]]],
        language: str,
        form: str = "sie",
        zone: ZoneInfo = DEFAULT_ZONE,
    ) -> None:
        self.table = table
        self.language = language
        self.form = form
        self.zone = zone

    def get(self, section: str, key: str | None, default: str | None = None) -> str:
        """Text for ``key`` in ``section``; ``default`` (or the key itself) when the key is unknown."""
        entry = self.table.get(section, {}).get(key or "")
        if entry is None:
            return default if default is not None else (key or "")
        return self.pick(entry)

    def pick(self, text: Mapping[str, str] | None, fallback: str = "") -> str:
        """:func:`pick` in this language and form of address (a register's text, too)."""
        if text and self.form == "du" and self.language == "de" and text.get("du"):
            return text["du"]
        return pick(text, self.language, fallback)

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


#: the formal address in a German text ("Sie", "Ihnen", "Ihre" …, capitalised as words)
_FORMAL = re.compile(r"\b(?:Sie|Ihnen|Ihr(?:e[mnrs]?)?)\b")


def formal(text: object) -> bool:
    """Whether a German text addresses its reader as "Sie" (a sentence starting with "Sie" for
    "they" counts too: a letter in "du" cannot tell them apart and keeps such a text in its box)."""
    return isinstance(text, str) and _FORMAL.search(text) is not None


def wording(language: str, path: Path = WORDING, form: str = "sie", zone: ZoneInfo = DEFAULT_ZONE) -> Wording:
    """The texts in ``language``; ``form`` "du" for a reader addressed in "du"; ``zone`` the
    reader's clock (``Wording``)."""
    return Wording(_table(path), language, form, zone)


def form_of(address: str) -> str:
    """The form of address of a letter's ``address`` ("child", "du", "sie"): "du" or "sie"."""
    return "sie" if address == "sie" else "du"
