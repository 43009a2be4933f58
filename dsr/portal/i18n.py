"""German and English texts of the portal pages, from ``texts.toml`` (one table per key, de + en).

The language comes from the path (``/de/…``, ``/en/…``) or ``?lang=`` on the API, else from
Accept-Language; there is no cookie to remember it.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")
TEXTS = Path(__file__).with_name("texts.toml")


@cache
def _texts() -> dict[str, dict[str, str]]:
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, table: dict[str, object]) -> None:
        if "de" in table and "en" in table and isinstance(table["de"], str):
            flat[prefix] = {"de": str(table["de"]), "en": str(table["en"])}
            return
        for key, value in table.items():
            if isinstance(value, dict):
                walk(f"{prefix}.{key}" if prefix else key, value)

    walk("", tomllib.loads(TEXTS.read_text(encoding="utf-8")))
    return flat


def text(language: Language, key: str, *, informal: bool = False, **values: object) -> str:
    """The text ``key`` in ``language``; a missing key shows itself (caught by the tests).

    ``informal``: a child asking for themselves is addressed with "du" — the ``du.<key>`` twin
    is used where one exists (German only; English has one form of address).
    """
    entry = _texts().get(f"du.{key}") if informal else None
    entry = entry or _texts().get(key)
    if entry is None:
        return key
    return entry[language].format(**values) if values else entry[language]


def keys() -> set[str]:
    return set(_texts())


def language_of(value: str | None, accept_language: str | None = None) -> Language:
    """An explicit choice wins; otherwise the first of de/en in Accept-Language; German by default."""
    if value in LANGUAGES:
        return value  # type: ignore[return-value]
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((q, tag.strip().lower()[:2]))
    for _, tag in sorted(ranked, key=lambda r: -r[0]):
        if tag in LANGUAGES:
            return tag  # type: ignore[return-value]
    return "de"
