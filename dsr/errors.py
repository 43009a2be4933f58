"""Exceptions raised by dsr.

    DSRError
    ├── ConfigError          settings or a mapping file are wrong (names the file or mapping, and the key)
    ├── ConnectorError       a store cannot be read (down, wrong credentials, schema drift)
    ├── IdentityError        the requester cannot be resolved to exactly one person
    │   ├── AmbiguousSubject
    │   └── UnknownSubject
    └── RenderError          a letter could not be produced

No message of any of these contains personal data: they are written to application logs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


class DSRError(Exception):
    """Base class of every error dsr raises on purpose."""


@dataclass(frozen=True)
class ConfigSource:
    """Where settings came from, as an error names it: a TOML file (keys read ``dsr.secret_key``)
    or a mapping in the host's code (keys read ``DSRConfig.settings["dsr"]["secret_key"]``), so
    that an error points at what the reader wrote, never at a file they do not have."""

    name: str
    #: the settings came from a mapping (a dict in code), not a file
    mapping: bool = False

    @classmethod
    def of(cls, value: ConfigSource | str | Path | None) -> ConfigSource | None:
        if value is None or isinstance(value, ConfigSource):
            return value
        return cls(str(value))

    def locate(self, key: str | None) -> str:
        """``key`` (dotted, with ``[i]`` for list items) as the reader wrote it, with the source."""
        if not self.mapping:
            return ": ".join(p for p in (self.name, key) if p)
        parts = _KEY_PART.findall(key or "")
        return self.name + "".join(p if p.startswith("[") else f"[{json.dumps(p, ensure_ascii=False)}]" for p in parts)


#: the parts of a dotted key: names, and list positions ``[0]``
_KEY_PART = re.compile(r"\[\d+\]|[^.\[]+")


class ConfigError(DSRError):
    """Settings or a mapping file are wrong. ``str()`` reads ``file: key: problem`` for a file,
    ``DSRConfig.settings["key"]: problem`` for settings given as a mapping (:class:`ConfigSource`)."""

    def __init__(self, source: ConfigSource | str | Path | None, key: str | None, problem: str) -> None:
        self.source = ConfigSource.of(source)
        self.file = self.source.name if self.source is not None else None
        self.key = key
        self.problem = problem
        super().__init__(self._text())

    def _text(self) -> str:
        where = self.source.locate(self.key) if self.source is not None else (self.key or "")
        return ": ".join(p for p in (where, self.problem) if p)


class ConfigErrors(ConfigError):
    """Several configuration problems found at once (``dsr check`` reports them all)."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.source, first.key, first.problem)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ConnectorError(DSRError):
    """A store could not be read. The message names the store, never a person."""

    def __init__(self, store: str, problem: str) -> None:
        self.store = store
        self.problem = problem
        super().__init__(f"store {store!r}: {problem}")


class IdentityError(DSRError):
    """The requester could not be resolved to exactly one person."""

    def __init__(self, message: str, references: tuple[str, ...] = ()) -> None:
        self.references = references
        super().__init__(message)


class AmbiguousSubject(IdentityError):
    """Several people, or only weak evidence, match: a human must decide."""


class UnknownSubject(IdentityError):
    """Nobody matches."""


class RenderError(DSRError):
    """A letter could not be produced."""
