"""Restricted records: the officer decides, record by record, before anything is disclosed.

A record is restricted (``Record.restricted``) when disclosing it might prejudice an
investigation — the subject is the suspect of a security incident reported to the
authorities (BDSG §34 with §33, or the Land's school or data-protection law). Until an officer
decides, such a record is withheld. A withheld record is counted in the letter's
withheld-information section (Art. 12(4)), unless the officer records that even the count
would defeat the purpose (``withhold_silently``).

Some fields of a record may be restricted while the record itself is the subject's
(``Record.restricted_fields``): the other party's data — an incident's attacker's address,
host name, the police case number — which the victim sees only if an officer weighs the
attacker's rights (Art. 15(4) GDPR, § 29 BDSG) and releases them. Until then the record is
disclosed without those fields, and they are counted under ``art15-4``.

Decisions are keyed by :func:`record_reference`: an opaque, salted hash of controller, store,
collection and key, safe to print and to keep in a decisions file. They are read from the same
``--decisions FILE`` as the redaction decisions, under the top-level key ``"restricted"``::

    {"restricted": {"R-1A2B3C4D5E6F": {"decision": "withhold", "ground": "bdsg-34"}}}
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from dsr.errors import ConfigError
from dsr.model import Gathering, Record, Withholding

#: what a record reference looks like; anything else in a decisions file is refused unread
REFERENCE = re.compile(r"^R-[0-9A-F]{12}$")


class RecordAction(enum.StrEnum):
    DISCLOSE = "disclose"
    WITHHOLD = "withhold"  #: left out, and counted in the withheld-information section
    WITHHOLD_SILENTLY = "withhold_silently"  #: left out and not counted: even that would defeat the purpose


class WithholdingGround(enum.StrEnum):
    BDSG_34 = "bdsg-34"  #: BDSG §34(1) with §33(1): disclosure would prejudice prosecution
    LAND_LAW = "land-law"  #: the Land's data-protection or school law (public schools)
    ART15_4 = "art15-4"  #: the rights and freedoms of others (Art. 15(4) GDPR): the other party's data
    BDSG_29 = "bdsg-29"  #: BDSG §29(1) sentence 2: must be kept secret for a third party's overriding interest


#: what withheld fields of the other party are counted as in the letter
OTHER_PARTY = "other_party"


class RestrictionDecision(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An officer's decision on one restricted record, with the legal ground considered."""

    decision: RecordAction
    ground: WithholdingGround | None = None  #: required to withhold; recorded when disclosing, if given
    decider: str | None = None  #: who decided (as in the redaction decisions)


class Restricted(msgspec.Struct, frozen=True, kw_only=True):
    """The gathering with restricted records decided, and what the letter must say about them."""

    gathering: Gathering  #: without withheld records
    withholdings: tuple[Withholding, ...]  #: ``kind="record"`` per ground; silent ones not counted
    undecided: tuple[str, ...]  #: references of restricted records nobody decided on (withheld)


def record_reference(controller: str, record: Record, secret: bytes = b"") -> str:
    """An opaque, stable reference to one record: safe to print, log and store in a decisions file."""
    text = "\x1f".join((controller, record.store, record.collection, record.key))
    h = hashlib.blake2b(text.encode(), digest_size=6, key=secret[:64])
    return "R-" + h.hexdigest().upper()


def restricted_references(gathering: Gathering, secret: bytes = b"") -> dict[str, Record]:
    """The restricted records (and records with restricted fields) of ``gathering`` by reference:
    what the officer must decide on."""
    controller = gathering.subject.controller
    return {
        record_reference(controller, r, secret): r for r in gathering.records if r.restricted or r.restricted_fields
    }


def decide_restricted(
    gathering: Gathering,
    decisions: Mapping[str, RestrictionDecision],
    secret: bytes = b"",
    undecided_ground: WithholdingGround = WithholdingGround.BDSG_34,
) -> Restricted:
    """Drop withheld restricted records and fields; count them per ground (undecided counts as withheld).

    Unrestricted records pass whatever the decisions say: a decision cannot withhold a record
    the mapping did not restrict (that is redaction's business, with its own grounds). A record
    with restricted fields stays; its fields are dropped unless disclosed (undecided: ``art15-4``).
    """
    controller = gathering.subject.controller
    kept: list[Record] = []
    counted: Counter[tuple[str, str]] = Counter()
    undecided: list[str] = []
    for record in gathering.records:
        if not (record.restricted or record.restricted_fields):
            kept.append(record)
            continue
        ref = record_reference(controller, record, secret)
        decision = decisions.get(ref)
        whole = record.restricted
        kind, count = ("record", 1) if whole else (OTHER_PARTY, len(record.restricted_fields))
        default = undecided_ground if whole else WithholdingGround.ART15_4
        if decision is not None and decision.decision == RecordAction.DISCLOSE:
            kept.append(msgspec.structs.replace(record, restricted_fields=()))
            continue
        if decision is None:
            undecided.append(ref)
            counted[(kind, str(default))] += count
        elif decision.decision == RecordAction.WITHHOLD:
            counted[(kind, str(decision.ground or default))] += count
        # WITHHOLD_SILENTLY: not counted
        if not whole:
            kept.append(_without_restricted_fields(record))
    withholdings = tuple(Withholding(kind, n, ground) for (kind, ground), n in sorted(counted.items()))
    return Restricted(
        gathering=msgspec.structs.replace(gathering, records=tuple(kept)),
        withholdings=withholdings,
        undecided=tuple(undecided),
    )


def _without_restricted_fields(record: Record) -> Record:
    held = set(record.restricted_fields)
    return msgspec.structs.replace(
        record, fields=tuple(f for f in record.fields if f.name not in held), restricted_fields=()
    )


def parse_restriction_decisions(raw: Any, file: str | Path | None = None) -> dict[str, RestrictionDecision]:
    """The ``"restricted"`` part of a decisions document (already parsed JSON). Raises :class:`ConfigError`."""
    if not isinstance(raw, dict):
        raise ConfigError(file, None, "a decisions file holds a JSON object")
    section = raw.get("restricted", {})
    if not isinstance(section, dict):
        raise ConfigError(file, "restricted", "must be an object: record reference → decision")
    out: dict[str, RestrictionDecision] = {}
    for i, (ref, entry) in enumerate(section.items()):
        if not isinstance(ref, str) or not REFERENCE.match(ref):
            # never echo the key: it is not a reference, and may be anything an officer typed
            raise ConfigError(file, f"restricted[{i}]", "not a record reference (R- and 12 hexadecimal digits)")
        key = f"restricted.{ref}"
        try:
            decision = msgspec.convert(entry, RestrictionDecision)
        except msgspec.ValidationError as exc:
            sub, problem = _problem(exc)
            raise ConfigError(file, f"{key}.{sub}" if sub else key, problem) from None
        if decision.decision != RecordAction.DISCLOSE and decision.ground is None:
            raise ConfigError(file, f"{key}.ground", f"withholding needs a ground: {_GROUNDS}")
        out[ref] = decision
    return out


def load_restriction_decisions(path: str | Path) -> dict[str, RestrictionDecision]:
    """Restricted-record decisions from a decisions JSON file (other top-level keys are ignored)."""
    file = Path(path)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(file, None, "decisions file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "encoding"
        raise ConfigError(file, None, f"not valid JSON ({where})") from None
    return parse_restriction_decisions(raw, file)


def encode_restriction_decisions(decisions: Mapping[str, RestrictionDecision]) -> dict[str, Any]:
    """The ``"restricted"`` section to write back into a decisions file."""
    return {"restricted": {ref: msgspec.to_builtins(d) for ref, d in sorted(decisions.items())}}


_GROUNDS = ", ".join(g.value for g in WithholdingGround)


def _problem(exc: msgspec.ValidationError) -> tuple[str, str]:
    """Which field is wrong and how, without echoing the value (a decisions file is typed by hand)."""
    text = str(exc)
    m = re.search(r"at `\$\.?([^`]*)`$", text)
    where = m.group(1) if m else ""
    if "Object contains unknown field" in text:
        return "", "unknown field; known: decision, ground, decider"
    if "missing required field" in text:
        return "decision", "missing: one of " + ", ".join(d.value for d in RecordAction)
    if where == "decision":
        return "decision", "must be one of: " + ", ".join(d.value for d in RecordAction)
    if where == "ground":
        return "ground", "must be one of: " + ", ".join(g.value for g in WithholdingGround)
    return "", "must be an object with decision and ground"
