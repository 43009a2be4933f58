"""security/audit-ignore.toml: findings accepted for a time, each with its reason and an end date.

An entry names the advisory (its id or one of its aliases) and the package; after ``until`` it no
longer hides the finding and fails the check itself, so that someone looks again.
"""

from __future__ import annotations

import datetime
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .osv import Advisory, MalformedRecord, normalise_name


@dataclass(frozen=True)
class Ignore:
    id: str
    package: str  # PEP 503 normalised
    reason: str
    until: datetime.date

    def expired(self, today: datetime.date) -> bool:
        return self.until < today

    def covers(self, advisory: Advisory, package: str) -> bool:
        return package == self.package and self.id in {advisory.id, *advisory.aliases}


def read_ignores(path: Path) -> list[Ignore]:
    """The entries, or MalformedRecord naming the entry and the key; no file means no entries."""
    if not path.exists():
        return []
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MalformedRecord(str(path), "(file)", str(error)) from error
    entries = document.get("ignore", [])
    if not isinstance(entries, list):
        raise MalformedRecord(str(path), "ignore", "must be an array of tables ([[ignore]])")
    ignores = []
    for i, entry in enumerate(entries):
        key = f"ignore[{i}]"
        if not isinstance(entry, dict):
            raise MalformedRecord(str(path), key, "not a table")
        for name in ("id", "package", "reason"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise MalformedRecord(str(path), f"{key}.{name}", "missing or empty")
        until = entry.get("until")
        if not isinstance(until, datetime.date) or isinstance(until, datetime.datetime):
            raise MalformedRecord(str(path), f"{key}.until", "missing or not a date (until = 2027-03-31)")
        ignores.append(Ignore(entry["id"], normalise_name(entry["package"]), entry["reason"].strip(), until))
    return ignores
