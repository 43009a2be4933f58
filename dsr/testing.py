"""Fakes for tests of dsr and of host applications (like httpx's MockTransport).

fake = FakeConnector("school", people=[FakePerson(key="1", card="L1", first_name="Anna", ...)],
                     records={"1": [record, ...]})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import msgspec

from dsr.connector import Connector
from dsr.errors import ConnectorError
from dsr.model import (
    Candidate,
    CollectionSpec,
    Descriptor,
    Evidence,
    Identifier,
    IdentifierKind,
    KnownPerson,
    Profile,
    Record,
    Subject,
    Value,
)
from dsr.pipeline.identify import candidate_reference, descriptor_identifiers, normalise_name
from dsr.pipeline.names import near, same, swapped_day_and_month
from dsr.writing import Applied, EraseAction, Step, StepAction, StoreWriter, Target, WriteError, WriteRules


@dataclass
class FakePerson:
    key: str
    first_name: str
    last_name: str
    card: str | None = None
    login: str | None = None
    email: str | None = None
    date_of_birth: str | None = None  #: ISO date
    role: str = "student"

    def identifiers(self, store: str) -> frozenset[Identifier]:
        ids = {Identifier(IdentifierKind.KEY, self.key, store)}
        if self.card:
            ids.add(Identifier(IdentifierKind.CARD, self.card))
        if self.login:
            ids.add(Identifier(IdentifierKind.LOGIN, self.login))
        if self.email:
            ids.add(Identifier(IdentifierKind.EMAIL, self.email.lower()))
        ids.add(Identifier(IdentifierKind.NAME, normalise_name(self.first_name, self.last_name)))
        if self.date_of_birth:
            ids.add(Identifier(IdentifierKind.DATE_OF_BIRTH, self.date_of_birth))
        return frozenset(ids)


class FakeConnector(Connector):
    """An in-memory store: people to identify, and records per person key.

    ``fail=True`` makes every call raise :class:`ConnectorError`, like a store that is down.
    """

    contributes = frozenset({IdentifierKind.KEY, IdentifierKind.CARD, IdentifierKind.LOGIN, IdentifierKind.EMAIL})

    def __init__(
        self,
        name: str,
        people: Sequence[FakePerson] = (),
        records: Mapping[str, Sequence[Record]] | None = None,
        collections: Sequence[CollectionSpec] = (),
        fail: bool = False,
        controller: str = "fake",
        writer: StoreWriter | None = None,
    ) -> None:
        super().__init__(name)
        self.people_ = people
        self.records_ = records or {}
        self.collections_ = collections
        self.fail = fail
        self.controller = controller
        #: the write side :meth:`writer` hands out (see :meth:`attach_writer`); None: read-only
        self.writer_ = writer

    def writer(self) -> StoreWriter | None:
        return self.writer_

    def attach_writer(
        self,
        rules: Mapping[str, WriteRules],
        held: Mapping[str, Sequence[str]] | None = None,
        fail_on: Target | None = None,
    ) -> FakeWriter:
        """Give this store an in-memory write side (:class:`FakeWriter`) and return it."""
        self.writer_ = FakeWriter(self, rules, held=held, fail_on=fail_on)
        return self.writer_

    def _check_up(self) -> None:
        if self.fail:
            raise ConnectorError(self.name, "store is down (fake)")

    def records(self, subject: Subject) -> Iterator[Record]:
        self._check_up()
        for key in subject.keys(self.name):
            yield from self.records_.get(key, ())

    def candidates(self, descriptor: Descriptor) -> list[Candidate]:
        self._check_up()
        wanted = descriptor_identifiers(descriptor)
        found = []
        for p in self.people_:
            ids = p.identifiers(self.name)
            hits = wanted & ids
            if {h.kind for h in hits} <= {IdentifierKind.DATE_OF_BIRTH}:
                continue  # like the SQL connector, which looks people up by name and numbers, never by birthday
            evidence = tuple(
                Evidence(self.name, h.kind, h.kind in (IdentifierKind.CARD, IdentifierKind.LOGIN, IdentifierKind.EMAIL))
                for h in sorted(hits)
            )
            conflicts = self._conflicts(p, descriptor)
            if IdentifierKind.DATE_OF_BIRTH in conflicts and {h.kind for h in hits} <= {IdentifierKind.NAME}:
                continue  # like the SQL connector: a namesake born on another day is no candidate (a near miss)
            found.append(self._candidate(p, evidence, conflicts))
        return found

    def _conflicts(self, p: FakePerson, descriptor: Descriptor) -> tuple[IdentifierKind, ...]:
        """What the person's row contradicts of the descriptor (another date of birth or name), like SQL."""
        wanted = {i.kind: i for i in descriptor_identifiers(descriptor)}
        held = {i.kind: i for i in p.identifiers(self.name)}
        conflicts = []
        if (
            IdentifierKind.DATE_OF_BIRTH in wanted
            and p.date_of_birth
            and wanted[IdentifierKind.DATE_OF_BIRTH] != held[IdentifierKind.DATE_OF_BIRTH]
        ):
            conflicts.append(IdentifierKind.DATE_OF_BIRTH)
        if (
            descriptor.first_name
            and descriptor.last_name
            and not same(descriptor.first_name, descriptor.last_name, p.first_name, p.last_name)
        ):
            conflicts.append(IdentifierKind.NAME)  # "Mueller" for "Müller" contradicts nothing; "Meier" does
        return tuple(conflicts)

    def _candidate(
        self, p: FakePerson, evidence: tuple[Evidence, ...], conflicts: tuple[IdentifierKind, ...] = ()
    ) -> Candidate:
        return Candidate(
            reference=candidate_reference(self.controller, self.name, p.key),
            store=self.name,
            key=p.key,
            evidence=evidence,
            identifiers=p.identifiers(self.name),
            conflicts=conflicts,
            profile=Profile(first_name=p.first_name, last_name=p.last_name, email=p.email),
        )

    def near_candidates(self, descriptor: Descriptor) -> list[Candidate]:
        self._check_up()
        days = {descriptor.date_of_birth.isoformat()} if descriptor.date_of_birth else set()
        if descriptor.date_of_birth and (swapped := swapped_day_and_month(descriptor.date_of_birth)):
            days.add(swapped.isoformat())
        # like the SQL connector: a name one letter off counts only for the day asked (or swapped); the
        # same name (folded) born on another day is a near miss too
        return [
            self._candidate(p, (), self._conflicts(p, descriptor))
            for p in self.people_
            if near(descriptor.first_name, descriptor.last_name, p.first_name, p.last_name)
            and not (
                days
                and p.date_of_birth
                and p.date_of_birth not in days
                and not same(descriptor.first_name, descriptor.last_name, p.first_name, p.last_name)
            )
        ]

    def identifiers(self, subject: Subject, wanted: frozenset[IdentifierKind] | None = None) -> frozenset[Identifier]:
        keys = set(subject.keys(self.name))
        out: set[Identifier] = set()
        for p in self.people_:
            if p.key in keys:
                out |= p.identifiers(self.name)
        return frozenset(out)

    def collections(self) -> list[CollectionSpec]:
        return list(self.collections_)

    def people(self) -> Iterator[KnownPerson]:
        self._check_up()
        for p in self.people_:
            yield KnownPerson(
                store=self.name,
                key=p.key,
                identifiers=p.identifiers(self.name),
                first_name=p.first_name,
                last_name=p.last_name,
                role=p.role,
            )


class FakeWriter(StoreWriter):
    """The write side of a :class:`FakeConnector`: changes its in-memory records.

    ``rules`` declares what may be done per collection (as a mapping would); ``held`` maps a
    record key to the hold kinds that apply to it now (an open loan); ``fail_on`` makes
    :meth:`apply` raise :class:`~dsr.writing.WriteError` when a batch contains that target, after
    which nothing of the batch is applied (like a rolled-back transaction).
    """

    def __init__(
        self,
        connector: FakeConnector,
        rules: Mapping[str, WriteRules],
        held: Mapping[str, Sequence[str]] | None = None,
        fail_on: Target | None = None,
    ) -> None:
        super().__init__(connector.name)
        self.connector = connector
        self.rules_ = dict(rules)
        self.held = {k: tuple(v) for k, v in (held or {}).items()}
        self.fail_on = fail_on
        self.restricted: set[Target] = set()

    def rules(self) -> Mapping[str, WriteRules]:
        return self.rules_

    def holds(self, targets: Sequence[Target]) -> dict[Target, tuple[str, ...]]:
        return {t: self.held[t.key] for t in targets if self.held.get(t.key)}

    def current(self, target: Target, columns: Sequence[str]) -> dict[str, Value]:
        record = self._find(target)
        if record is None:
            return {}
        return {f.name: f.value for f in record.fields if f.name in columns}

    def _find(self, target: Target) -> Record | None:
        for records in self.connector.records_.values():
            for r in records:
                if (r.collection, r.key) == (target.collection, target.key):
                    return r
        return None

    def apply(self, steps: Sequence[Step]) -> list[Applied]:
        if self.fail_on is not None and any(s.target == self.fail_on for s in steps):
            raise WriteError(f"{self.fail_on.store}.{self.fail_on.collection} {self.fail_on.key}: refused (fake)")
        data = {k: list(v) for k, v in self.connector.records_.items()}
        restricted = set(self.restricted)
        done: list[Applied] = []
        for step in steps:
            t = step.target
            rule = self.rules_.get(t.collection)
            if rule is None:
                raise WriteError(f"{t.store}.{t.collection}: no write rules declared")
            where = [
                (k, i)
                for k, rs in data.items()
                for i, r in enumerate(rs)
                if (r.collection, r.key) == (t.collection, t.key)
            ]
            if not where:
                done.append(Applied(step=step, changed=False, missing=True))
                continue
            k, i = where[0]
            record = data[k][i]
            changed = False
            if step.action is StepAction.ERASE:
                changed = self._erase(data, k, i, rule)
            elif step.action is StepAction.RESTRICT:
                changed = t not in restricted
                restricted.add(t)
            elif step.action is StepAction.LIFT:
                changed = t in restricted
                restricted.discard(t)
            elif step.action is StepAction.RECTIFY:
                refused = set(step.values) - set(rule.rectify)
                if refused:
                    raise WriteError(
                        f"{t.store}.{t.collection} {t.key}: columns not open to rectification: {sorted(refused)}"
                    )
                fields = tuple(
                    msgspec.structs.replace(f, value=step.values.get(f.name, f.value)) for f in record.fields
                )
                changed = fields != record.fields
                data[k][i] = msgspec.structs.replace(record, fields=fields)
            done.append(Applied(step=step, changed=changed))
        self.connector.records_ = data
        self.restricted = restricted
        return done

    @staticmethod
    def _erase(data: dict[str, list[Record]], k: str, i: int, rule: WriteRules) -> bool:
        record = data[k][i]
        if rule.erase.action is EraseAction.DELETE:
            del data[k][i]
            return True
        if rule.erase.action in (EraseAction.ANONYMISE, EraseAction.OVERWRITE):
            new = {
                n: (None if rule.erase.action is EraseAction.ANONYMISE else v) for n, v in rule.erase.columns.items()
            }
            fields = tuple(msgspec.structs.replace(f, value=new.get(f.name, f.value)) for f in record.fields)
            if rule.erase.action is EraseAction.ANONYMISE:
                del data[k][i]  # no longer the person's: it leaves their records
                return True
            data[k][i] = msgspec.structs.replace(record, fields=fields)
            return fields != record.fields
        raise WriteError(
            f"{record.store}.{record.collection} {record.key}: cannot be erased here ({rule.erase.action})"
        )
