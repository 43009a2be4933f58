"""Exceptions raised by dsr.

    DSRError
    ├── ConfigError          a configuration or mapping file is wrong (names file and key)
    ├── ConnectorError       a store cannot be read (down, wrong credentials, schema drift)
    ├── IdentityError        the requester cannot be resolved to exactly one person
    │   ├── AmbiguousSubject
    │   └── UnknownSubject
    └── RenderError          a letter could not be produced

No message of any of these contains personal data: they are written to application logs.
"""

from __future__ import annotations

from pathlib import Path


class DSRError(Exception):
    """Base class of every error dsr raises on purpose."""


class ConfigError(DSRError):
    """A configuration or mapping file is wrong. ``str()`` reads ``file: key: problem``."""

    def __init__(self, file: str | Path | None, key: str | None, problem: str) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.problem = problem
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        return ": ".join([*parts, self.problem])


class ConfigErrors(ConfigError):
    """Several configuration problems found at once (``dsr check`` reports them all)."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.file, first.key, first.problem)

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
