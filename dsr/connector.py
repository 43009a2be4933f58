"""The one extension point for stores: :class:`Connector`.

A connector has one job: given a resolved :class:`~dsr.model.Subject`, yield that subject's
:class:`~dsr.model.Record` s from one store. Everything else it *may* do has a safe default:

- ``candidates(descriptor)``: find people in the store who may be the requester (identify stage);
- ``identifiers(subject)``: identifiers this store contributes for the subject (its login names,
  addresses), so that stores that ``consume`` them can run after it;
- ``people()``: everyone the store knows, for the redaction gazetteer;
- ``collections()``: descriptions of the record kinds it yields, for the letter;
- ``guardians(subject)``: parents and guardians recorded for a pupil, to verify a parent
  asking on the child's behalf;
- ``check()``: configuration problems against the live store, for ``dsr check``;
- ``writer()``: the store's write side (:class:`dsr.writing.StoreWriter`) for erasure,
  restriction and rectification, where the mapping declares one.

Connectors are found through the entry-point group ``dsr.connectors``; the built-in ones
register the same way (see ``pyproject.toml``). :class:`dsr.testing.FakeConnector` is a
complete in-memory connector for tests of host applications.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from dsr.errors import ConfigError, ConfigSource
from dsr.model import (
    Candidate,
    CollectionSpec,
    Descriptor,
    Identifier,
    IdentifierKind,
    KnownPerson,
    Record,
    Subject,
)
from dsr.writing import StoreWriter

ENTRY_POINT_GROUP = "dsr.connectors"


@dataclass(frozen=True)
class StoreContext:
    """Where a store's settings came from, so connectors can report errors precisely."""

    #: where the settings came from: the configuration file, or the mapping (``DSRConfig.settings``)
    file: Path | ConfigSource
    key: str  #: the TOML key of the store's table, e.g. ``controllers.gym.stores.school``
    base_dir: Path  #: relative paths in the settings are relative to this folder
    controller: str  #: key of the controller the store belongs to

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, f"{self.key}.{key}" if key else self.key, problem)

    def path(self, value: str) -> Path:
        p = Path(os.path.expanduser(value))
        return p if p.is_absolute() else (self.base_dir / p)


class Connector(abc.ABC):
    """Reads one store for one controller. Subclass and implement :meth:`records`."""

    #: identifier kinds this connector needs before it can find the subject's records
    consumes: ClassVar[frozenset[IdentifierKind]] = frozenset()
    #: identifier kinds this connector can add to the subject for the connectors after it
    contributes: ClassVar[frozenset[IdentifierKind]] = frozenset()

    #: lines or rows skipped as unreadable during the last :meth:`records` call (reported on the case)
    malformed_lines: int = 0

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], context: StoreContext) -> Connector:
        """Build the connector from its TOML table. Raise :class:`ConfigError` via ``context.error``."""
        raise context.error("connector", f"connector {cls.__name__} cannot be configured from TOML")

    @abc.abstractmethod
    def records(self, subject: Subject) -> Iterator[Record]:
        """Yield every record of this store that concerns ``subject``."""

    def candidates(self, descriptor: Descriptor) -> list[Candidate]:
        """People in this store who match ``descriptor``, with evidence. Default: none."""
        return []

    def near_candidates(self, descriptor: Descriptor) -> list[Candidate]:
        """People whose stored name is a near miss of the request's (another spelling, one typo, first
        and last name swapped, day and month of birth swapped, or the same folded name born on another
        day): asked when no store found a candidate, or when a match rests on name and birth date
        alone, so that the request goes to an officer instead of the negative answer or a namesake.
        They carry no evidence. Default: none."""
        return []

    def identifiers(self, subject: Subject, wanted: frozenset[IdentifierKind] | None = None) -> frozenset[Identifier]:
        """Identifiers of ``subject`` that this store knows (see :attr:`contributes`).

        ``wanted`` names the kinds some store of the controller consumes (``None``: all); a
        connector may skip costly kinds nobody asked for.
        """
        return frozenset()

    def collections(self) -> list[CollectionSpec]:
        """Descriptions of the record kinds this connector yields."""
        return []

    def people(self) -> Iterator[KnownPerson]:
        """Everyone this store knows, for the redaction gazetteer. Default: nobody."""
        return iter(())

    def guardians(self, subject: Subject) -> list[KnownPerson]:
        """Parents and legal guardians this store records for ``subject`` (a pupil). Default: none.

        Used to verify a parent who asks for their child's data (:mod:`dsr.pipeline.representation`).
        """
        return []

    def check(self) -> list[ConfigError]:
        """Problems of the configuration against the live store. Default: none."""
        return []

    def writer(self) -> StoreWriter | None:
        """The store's write side (erasure, restriction, rectification). Default: read-only."""
        return None

    def close(self) -> None:  # noqa: B027  (a no-op by default: most stores hold nothing open)
        """Release connections."""


def load_connector_class(name: str) -> type[Connector]:
    """Load the connector class registered under ``name``. Raises KeyError if none is."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, Connector)):
                raise TypeError(f"entry point {name!r} is not a dsr Connector")
            return cls
    raise KeyError(name)


def ordered(connectors: Iterable[Connector]) -> list[Connector]:
    """Order connectors so each runs after every connector that contributes what it consumes.

    Stable: connectors with no dependency between them keep their configured order. A cycle
    falls back to configured order for the connectors in it (each still sees what was
    contributed before it).
    """
    pending = list(connectors)
    done: list[Connector] = []
    while pending:
        for c in pending:
            providers = [o for o in pending if o is not c and (o.contributes & c.consumes)]
            if not providers:
                done.append(c)
                pending.remove(c)
                break
        else:  # cycle: take the first one as configured
            done.append(pending.pop(0))
    return done
