"""Which supervisory authority is competent for a controller (Art. 15(1)(f), Art. 77 GDPR).

The list is data (``dsr/data/authorities.toml``) so that a renamed or moved authority can be
corrected without a release. The Land and whether the controller is a public body pick the
entry: every Land has one authority for both sectors except Bavaria (BayLfD for public bodies,
BayLDA for private ones). The federal BfDI is never picked for a Land controller.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from pathlib import Path
from typing import Literal

import msgspec

from dsr.config import convert
from dsr.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data" / "authorities.toml"


class AuthorityEntry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    land: str
    sector: Literal["both", "public", "private"]
    name: str
    street: str
    postal_code: str
    city: str
    website: str
    verified: dt.date


class _File(msgspec.Struct, forbid_unknown_fields=True):
    authority: list[AuthorityEntry]


@functools.cache
def load(path: Path = DATA) -> tuple[AuthorityEntry, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    return tuple(convert(raw, _File, path, "").authority)


def competent(land: str, public: bool, path: Path = DATA) -> AuthorityEntry:
    """The authority competent for a controller seated in ``land``."""
    sector = "public" if public else "private"
    for entry in load(path):
        if entry.land == land and entry.sector in ("both", sector):
            return entry
    raise ConfigError(path, "authority", f"no authority for Land {land!r} ({sector} sector)")
