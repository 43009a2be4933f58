"""The write side of a store: what erasure, restriction and rectification may do, and doing it.

A :class:`~dsr.connector.Connector` reads; a store that can also be changed hands out a
:class:`StoreWriter` (``Connector.writer()``). The writer's one job is to apply a list of
:class:`Step` s to its store in **one transaction** — all of them or none — and to say, per
step, whether it changed anything (running the same steps twice changes nothing more).

What a writer may do is declared per collection in the store's mapping, never decided here:
:class:`WriteRules` — how to erase a record (delete the row, anonymise it by clearing the person
reference, overwrite named columns with stated values, or: the store forgets by itself, e.g. web
logs by rotation), how to restrict it (a flag column, or dsr's own restriction list), which
columns a rectification may change, and which states of a record block its erasure (an open
loan, an unpaid fee: :class:`HoldRule`).

:class:`dsr.testing.FakeConnector` carries an in-memory writer with the same behaviour.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping, Sequence

import msgspec

from dsr.model import Text, Value


class EraseAction(enum.StrEnum):
    DELETE = "delete"  #: delete the row
    ANONYMISE = "anonymise"  #: set the person reference(s) to NULL (James does this for returned loans)
    OVERWRITE = "overwrite"  #: overwrite named columns with stated values (the row must stay: others point at it)
    EXPIRES = "expires"  #: the store forgets by itself (log rotation); dsr cannot erase earlier
    NONE = "none"  #: the store offers no way to erase (stated in the plan, with the reason)


class RestrictHow(enum.StrEnum):
    FLAG = "flag"  #: set a column of the row (``column`` = ``value``); lifting sets ``lifted``
    LIST = "list"  #: dsr keeps the record on its restriction list (honoured by gather, exported by ``dsr restricted``)


class StepAction(enum.StrEnum):
    ERASE = "erase"  #: as the collection's :class:`Erase` says
    RESTRICT = "restrict"
    LIFT = "lift"  #: lift a restriction (flag stores only; list restrictions are dsr's own)
    RECTIFY = "rectify"  #: set the columns in ``Step.values`` (only those in ``WriteRules.rectify``)


class Erase(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action: EraseAction
    #: anonymise: the columns set to NULL; overwrite: column -> the value written (None: NULL)
    columns: Mapping[str, Value] = {}
    #: expires: after how many days the store forgets a record by itself (rotation)
    expires_after_days: int | None = None
    #: why a record is erased this way (printed in the plan), e.g. "other rows point at the account"
    note: Text = {}
    #: anonymise/overwrite: columns set to the time of the erasure (James's ``loan.anonymized_at``)
    stamp: tuple[str, ...] = ()


class Restrict(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    how: RestrictHow = RestrictHow.LIST
    column: str | None = None  #: flag: the column
    value: Value = True  #: flag: the value that means "restricted"
    lifted: Value = False  #: flag: the value that means "not restricted"


class HoldRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A state of a record that blocks its erasure while it lasts: ``when`` maps columns to
    ``"null"``, ``"not null"`` or a value; every entry must match for the hold to apply."""

    kind: str  #: e.g. "open_loan", "unpaid_fee" (words in the plan and letter come from the kind)
    when: Mapping[str, Value]
    reason: Text = {}


class WriteRules(msgspec.Struct, frozen=True, kw_only=True):
    """What the write side may do to the records of one collection (declared in the mapping)."""

    store: str
    collection: str
    erase: Erase
    restrict: Restrict = Restrict()
    rectify: tuple[str, ...] = ()  #: columns a rectification may change
    holds: tuple[HoldRule, ...] = ()


class Target(msgspec.Struct, frozen=True, order=True):
    """One record of a store, as ``Record.store``/``collection``/``key`` name it. Safe to log:
    ids only, no personal data."""

    store: str
    collection: str
    key: str


class Step(msgspec.Struct, frozen=True, kw_only=True):
    target: Target
    action: StepAction
    #: rectify: column -> new value. Never logged (personal data).
    values: Mapping[str, Value] = {}


class Applied(msgspec.Struct, frozen=True, kw_only=True):
    step: Step
    changed: bool  #: False when the record was already in the target state (idempotent re-run)
    missing: bool = False  #: the record is gone (erased earlier, or by the store itself)


class WriteError(Exception):
    """A step the store refused; the transaction was rolled back (nothing of the batch applied).
    The message names store, collection and key, never values."""


class StoreWriter(abc.ABC):
    """Changes one store. Subclass and implement :meth:`rules` and :meth:`apply`."""

    def __init__(self, store: str) -> None:
        self.store = store

    @abc.abstractmethod
    def rules(self) -> Mapping[str, WriteRules]:
        """The declared write rules, by collection name."""

    @abc.abstractmethod
    def apply(self, steps: Sequence[Step]) -> list[Applied]:
        """Apply every step in one transaction: all or none (raise :class:`WriteError`)."""

    def holds(self, targets: Sequence[Target]) -> dict[Target, tuple[str, ...]]:
        """The hold kinds (:class:`HoldRule.kind`) that apply to each target *now* (read from the
        store, not from a gathered copy). Targets without a hold are left out. Default: none."""
        return {}

    def current(self, target: Target, columns: Sequence[str]) -> dict[str, Value]:
        """The stored values of ``columns`` (for a rectification's "before"). Default: none known."""
        return {}
