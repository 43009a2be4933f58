"""OSV advisories (https://ossf.github.io/osv-schema/) as typed records, and the schema's
``IsVulnerable`` evaluation for PyPI packages.

Only what deciding "is this pinned version affected?" needs is kept: the ``affected[]`` entries
of ecosystem PyPI with their ECOSYSTEM ranges (introduced / fixed / last_affected / limit events,
ordered by PEP 440 through packaging) and explicit ``versions`` lists, plus id, aliases, summary
and modified for the report. GIT ranges are skipped: the ``versions`` list pypa/advisory-database
computes from them is what a PyPI release is matched against.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, cast

from packaging.version import InvalidVersion, Version

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")
# on equal versions an introduced event comes first, so "introduced X, fixed X" affects nothing
_TIE_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2}


def normalise_name(name: str) -> str:
    """PEP 503: ``Jinja2``, ``jinja_2`` and ``jinja.2`` name one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


class MalformedRecord(Exception):
    """A record that does not follow the OSV schema where the check depends on it."""

    def __init__(self, origin: str, key: str, problem: str) -> None:
        super().__init__(f"{origin}: key '{key}': {problem}")
        self.origin, self.key, self.problem = origin, key, problem


@dataclass(frozen=True)
class Event:
    kind: EventKind
    version: str


@dataclass(frozen=True)
class VersionRange:
    type: str  # ECOSYSTEM, SEMVER or GIT
    events: tuple[Event, ...]


@dataclass(frozen=True)
class AffectedPackage:
    name: str  # PEP 503 normalised
    ranges: tuple[VersionRange, ...]
    versions: tuple[str, ...]


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    modified: str
    withdrawn: str | None
    affected: tuple[AffectedPackage, ...]  # PyPI entries only
    origin: str  # the file (and position) it was read from, for messages


class Verdict(Enum):
    AFFECTED = "affected"
    NOT_AFFECTED = "not affected"
    UNKNOWN = "unknown"  # a version in the record is not PEP 440: it cannot be ordered


@dataclass(frozen=True)
class Evaluation:
    verdict: Verdict
    fixed_in: tuple[str, ...] = ()  # the fixed events of the ranges that contain the version
    problem: str = ""  # why the verdict is UNKNOWN


# --- reading -------------------------------------------------------------------------------------


def parse_advisory(data: object, origin: str) -> Advisory:
    """One OSV record (a JSON or YAML document already loaded); MalformedRecord names the key."""
    record = _mapping(data, origin, "(record)")
    ident = _string(record.get("id"), origin, "id")
    origin = f"{origin} ({ident})" if ident not in origin else origin
    modified = _timestamp(record.get("modified"), origin, "modified")
    withdrawn = record.get("withdrawn")
    aliases = _strings(record.get("aliases", []), origin, "aliases")
    summary = record.get("summary") or _first_sentence(record.get("details"))
    affected: list[AffectedPackage] = []
    for i, raw in enumerate(_sequence(record.get("affected", []), origin, "affected")):
        entry = _mapping(raw, origin, f"affected[{i}]")
        package = _mapping(entry.get("package"), origin, f"affected[{i}].package")
        ecosystem = _string(package.get("ecosystem"), origin, f"affected[{i}].package.ecosystem")
        name = _string(package.get("name"), origin, f"affected[{i}].package.name")
        ranges = tuple(
            _range(r, origin, f"affected[{i}].ranges[{j}]")
            for j, r in enumerate(_sequence(entry.get("ranges", []), origin, f"affected[{i}].ranges"))
        )
        versions = _strings(entry.get("versions", []), origin, f"affected[{i}].versions")
        if ecosystem == "PyPI":
            affected.append(AffectedPackage(normalise_name(name), ranges, versions))
    return Advisory(
        id=ident,
        aliases=aliases,
        summary=str(summary or ""),
        modified=modified,
        withdrawn=None if withdrawn is None else _timestamp(withdrawn, origin, "withdrawn"),
        affected=tuple(affected),
        origin=origin,
    )


def advisory_to_json(advisory: Advisory) -> dict[str, Any]:
    """The compact OSV form of the vendored snapshot (parse_advisory reads it back)."""
    record: dict[str, Any] = {
        "id": advisory.id,
        "aliases": list(advisory.aliases),
        "summary": advisory.summary,
        "modified": advisory.modified,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": a.name},
                "ranges": [
                    {"type": r.type, "events": [{e.kind: e.version} for e in r.events]}
                    for r in a.ranges
                    if r.type == "ECOSYSTEM"
                ],
                "versions": list(a.versions),
            }
            for a in advisory.affected
        ],
    }
    if advisory.withdrawn:
        record["withdrawn"] = advisory.withdrawn
    return record


def _range(data: object, origin: str, key: str) -> VersionRange:
    raw = _mapping(data, origin, key)
    kind = _string(raw.get("type"), origin, f"{key}.type")
    events = []
    for k, item in enumerate(_sequence(raw.get("events"), origin, f"{key}.events")):
        event = _mapping(item, origin, f"{key}.events[{k}]")
        if len(event) != 1 or next(iter(event)) not in EVENT_KINDS:
            raise MalformedRecord(origin, f"{key}.events[{k}]", f"needs exactly one of {', '.join(EVENT_KINDS)}")
        ((name, value),) = event.items()
        events.append(Event(cast(EventKind, name), _string(value, origin, f"{key}.events[{k}].{name}")))
    if not events:
        raise MalformedRecord(origin, f"{key}.events", "is empty")
    return VersionRange(kind, tuple(events))


def _mapping(value: object, origin: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedRecord(origin, key, "missing or not a mapping")
    return cast(Mapping[str, Any], value)


def _sequence(value: object, origin: str, key: str) -> Sequence[object]:
    if not isinstance(value, list):
        raise MalformedRecord(origin, key, "missing or not a list")
    return value


def _string(value: object, origin: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedRecord(origin, key, f"missing or not a string: {value!r}")
    return value


def _strings(value: object, origin: str, key: str) -> tuple[str, ...]:
    return tuple(_string(v, origin, f"{key}[{i}]") for i, v in enumerate(_sequence(value, origin, key)))


def _timestamp(value: object, origin: str, key: str) -> str:
    # YAML reads an unquoted RFC 3339 time as a datetime; JSON keeps the string
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    text = _string(value, origin, key)
    try:
        datetime.date.fromisoformat(text[:10])  # the snapshot's date is taken from it
    except ValueError as error:
        raise MalformedRecord(origin, key, f"not an RFC 3339 time: {text!r}") from error
    return text


def _first_sentence(details: object) -> str:
    text = " ".join(str(details or "").split())
    sentence = text.split(". ", 1)[0]
    return sentence if len(sentence) <= 160 else sentence[:157] + "..."


# --- evaluation ----------------------------------------------------------------------------------


def evaluate(advisory: Advisory, package: str, version: Version) -> Evaluation:
    """The schema's IsVulnerable for one pinned version of ``package`` (a normalised name)."""
    problems: list[str] = []
    fixed_in: list[str] = []
    affected = False
    for entry in advisory.affected:
        if entry.name != package:
            continue
        if any(_same_version(listed, version) for listed in entry.versions):
            affected = True
        for rng in entry.ranges:
            if rng.type != "ECOSYSTEM":
                continue
            try:
                if range_contains(rng, version):
                    affected = True
                    fixed_in += [e.version for e in rng.events if e.kind == "fixed"]
            except InvalidVersion as error:
                problems.append(f"{advisory.id}: {error} in a range of {package}")
    if affected:
        if not fixed_in:  # matched by the versions list: the fixes are in the ranges beside it
            fixed_in = _fixes_above(advisory, package, version)
        return Evaluation(Verdict.AFFECTED, tuple(sorted(set(fixed_in), key=_sort_key)))
    if problems:
        return Evaluation(Verdict.UNKNOWN, problem="; ".join(problems))
    return Evaluation(Verdict.NOT_AFFECTED)


def range_contains(rng: VersionRange, version: Version) -> bool:
    """OSV's IncludedInRanges for one range; InvalidVersion when an event is not PEP 440."""
    limits = [e.version for e in rng.events if e.kind == "limit"]
    if limits and not any(limit == "*" or version < Version(limit) for limit in limits):
        return False
    ordered = sorted((e for e in rng.events if e.kind != "limit"), key=_event_order)
    vulnerable = False
    for event in ordered:
        if event.kind == "introduced":
            if event.version == "0" or version >= Version(event.version):
                vulnerable = True
        elif event.kind == "fixed":
            if version >= Version(event.version):
                vulnerable = False
        elif version > Version(event.version):  # last_affected
            vulnerable = False
    return vulnerable


def _event_order(event: Event) -> tuple[int, Version, int]:
    # "0" (introduced at the beginning) sorts before every version, even 0.dev0
    if event.version == "0" and event.kind == "introduced":
        return (0, Version("0"), 0)
    return (1, Version(event.version), _TIE_ORDER[event.kind])


def _same_version(listed: str, version: Version) -> bool:
    try:
        return Version(listed) == version
    except InvalidVersion:  # a non-PEP 440 name of a release can still be the exact string
        return listed == str(version)


def _fixes_above(advisory: Advisory, package: str, version: Version) -> list[str]:
    fixes = []
    for entry in advisory.affected:
        for rng in entry.ranges if entry.name == package else ():
            for event in rng.events:
                if event.kind == "fixed" and _sort_key(event.version) > (0, version):
                    fixes.append(event.version)
    return fixes


def _sort_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)
