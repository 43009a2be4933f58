"""requirements.lock: the exact version of every package of the dev install (scripts/lock)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from .osv import normalise_name


class LockError(Exception):
    """The lock file is missing or has a line that is not ``name==version``."""


@dataclass(frozen=True)
class Pin:
    name: str  # PEP 503 normalised, as advisories are matched
    display_name: str  # as written in the lock
    version: Version
    written: str  # the version as written


def read_lock(path: Path) -> list[Pin]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LockError(f"{path}: cannot be read ({error.strerror})") from error
    pins = []
    for number, line in enumerate(text.splitlines(), start=1):
        requirement = line.split("#", 1)[0].strip()
        if not requirement:
            continue
        name, sep, written = requirement.partition("==")
        written = written.split(";", 1)[0].strip()  # an environment marker does not change the version
        if not sep or not name.strip() or not written:
            raise LockError(f"{path}:{number}: not an exact pin (name==version): {line!r}")
        try:
            version = Version(written)
        except InvalidVersion as error:
            raise LockError(f"{path}:{number}: {written!r} is not a PEP 440 version") from error
        pins.append(Pin(normalise_name(name.strip().split("[", 1)[0]), name.strip(), version, written))
    if not pins:
        raise LockError(f"{path}: no pinned packages")
    return pins
