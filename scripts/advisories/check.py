"""The pinned versions against the advisories, with the accepted findings of the ignore file."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from .database import Database
from .ignores import Ignore
from .lockfile import Pin
from .osv import Advisory, Verdict, evaluate


class Status(Enum):
    VULNERABLE = "vulnerable"
    UNKNOWN = "cannot tell"  # the advisory's versions cannot be ordered: counted as a finding
    IGNORED = "ignored"
    IGNORE_EXPIRED = "ignore expired"


@dataclass(frozen=True)
class Finding:
    pin: Pin
    advisory: Advisory
    status: Status
    fixed_in: tuple[str, ...]
    note: str  # the ignore's reason, or why the verdict is unknown

    @property
    def fails(self) -> bool:
        return self.status is not Status.IGNORED


@dataclass(frozen=True)
class Result:
    findings: tuple[Finding, ...]
    expired: tuple[Ignore, ...]  # every expired entry fails, whether it still matches or not
    unused: tuple[Ignore, ...]  # valid entries that match nothing: can be deleted
    uncovered: tuple[str, ...]  # locked packages the snapshot was not cut for

    @property
    def fails(self) -> bool:
        return bool(self.expired) or any(f.fails for f in self.findings)


def check(pins: Sequence[Pin], database: Database, ignores: Sequence[Ignore], today: datetime.date) -> Result:
    by_package: dict[str, list[Advisory]] = {}
    for advisory in database.advisories:
        for name in {a.name for a in advisory.affected}:
            by_package.setdefault(name, []).append(advisory)
    findings = []
    used: set[Ignore] = set()
    for pin in pins:
        for advisory in by_package.get(pin.name, []):
            evaluation = evaluate(advisory, pin.name, pin.version)
            if evaluation.verdict is Verdict.NOT_AFFECTED:
                continue
            status = Status.VULNERABLE if evaluation.verdict is Verdict.AFFECTED else Status.UNKNOWN
            note = evaluation.problem
            ignore = next((i for i in ignores if i.covers(advisory, pin.name)), None)
            if ignore is not None:
                used.add(ignore)
                status = Status.IGNORE_EXPIRED if ignore.expired(today) else Status.IGNORED
                note = f"until {ignore.until.isoformat()}: {ignore.reason}"
            findings.append(Finding(pin, advisory, status, evaluation.fixed_in, note))
    expired = tuple(i for i in ignores if i.expired(today))
    unused = tuple(i for i in ignores if i not in used and not i.expired(today))
    covers = database.covers
    uncovered = () if covers is None else tuple(sorted(p.name for p in pins if p.name not in covers))
    return Result(tuple(findings), expired, unused, uncovered)
