"""Officers' decisions on redaction items, and the decision log.

A decision names one item (``item``: its id from ``review.json``) or every item with the same
text (``group``: a salted hash, never the text) and says keep or redact, why (a reason code),
who decided and on what legal ground. The log records every item found — rule, tier, offsets,
outcome, decider, ground, and a salted hash of the third party — never the redacted text,
which would be a second copy of that person's data.

Decisions file (``dsr disclose --decisions FILE``)::

    {"decisions": [
      {"item": "3f9c…", "action": "keep", "reason": "subject-own", "decider": "Frau Dr. Roth"},
      {"group": "a71e…", "action": "redact", "reason": "third-party", "decider": "Frau Dr. Roth"}
    ]}
"""

from __future__ import annotations

import enum
import hashlib
from pathlib import Path
from typing import Any

import msgspec

from dsr.errors import ConfigError


class Action(enum.StrEnum):
    KEEP = "keep"
    REDACT = "redact"


#: reason codes an officer may give
REASONS: dict[str, str] = {
    "third-party": "another person's data; their rights prevail (Art. 15(4))",
    "subject-own": "the requester's own data",
    "not-personal": "not a person (a word, a place, a book)",
    "public": "published or public-office information",
    "consent": "the other person consented to disclosure",
    "known-to-subject": "the requester already knows it; disclosure does not harm the other person",
    "other": "other reason, documented in the case file",
}

GROUNDS = ("art15-4", "bdsg-34", "bdsg-29", "land-law", "other")

#: top-level keys of a decisions file: redaction decisions, and restricted-record decisions
#: (read by dsr.pipeline.restriction)
_TOP_LEVEL = frozenset({"decisions", "restricted"})


class Decision(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One decision: on one item (``item``) or on all items with the same text (``group``)."""

    action: Action
    reason: str
    decider: str
    item: str | None = None
    group: str | None = None
    ground: str = "art15-4"


class LogEntry(msgspec.Struct, frozen=True, kw_only=True):
    """What happened to one find. Holds no text of the third party."""

    item: str  #: stable item id (as in review.json)
    store: str
    collection: str
    record: str
    field: str
    start: int
    end: int
    kind: str
    rule: str
    tier: str  #: redact | review (what the rules said)
    outcome: str  #: redacted | kept | open (review pending: redacted in the draft)
    decider: str  #: "auto" or the officer
    ground: str | None
    reason: str | None = None
    party: str | None = None  #: salted hash of the third party's identity


def salted(secret: bytes, *parts: str) -> str:
    """A 16-hex-digit keyed hash of ``parts``: stable per deployment, useless without the key."""
    h = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8, key=secret[:64])
    return h.hexdigest()


def load_decisions(path: str | Path) -> tuple[Decision, ...]:
    """Read a decisions file. Every problem raises :class:`ConfigError` naming file and key."""
    file = Path(path)
    try:
        raw = msgspec.json.decode(file.read_bytes())
    except FileNotFoundError:
        raise ConfigError(file, None, "file not found") from None
    except msgspec.DecodeError as exc:
        raise ConfigError(file, None, f"not valid JSON: {exc}") from None
    if isinstance(raw, dict):
        # the same file may carry the officer's restriction decisions (dsr.pipeline.restriction); a file
        # with only those holds no redaction decisions
        unknown = set(raw) - _TOP_LEVEL
        if unknown:
            raise ConfigError(file, sorted(unknown)[0], f"unknown key; expected {' or '.join(sorted(_TOP_LEVEL))}")
        raw = raw.get("decisions", [])
    if not isinstance(raw, list):
        raise ConfigError(file, "decisions", "must be a list of decisions")
    return tuple(_decision(file, i, entry) for i, entry in enumerate(raw))


def _decision(file: Path, i: int, entry: Any) -> Decision:
    where = f"decisions[{i}]"
    if not isinstance(entry, dict):
        raise ConfigError(file, where, "must be an object with item or group, action, reason, decider")
    unknown = set(entry) - {"item", "group", "action", "reason", "decider", "ground"}
    if unknown:
        raise ConfigError(file, f"{where}.{sorted(unknown)[0]}", "unknown key")
    has_item, has_group = bool(entry.get("item")), bool(entry.get("group"))
    if has_item == has_group:
        raise ConfigError(file, where, "give exactly one of item (one item) or group (all items with the same text)")
    for key in ("item", "group", "action", "reason", "decider", "ground"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise ConfigError(file, f"{where}.{key}", "must be a string")
    action = entry.get("action")
    if not isinstance(action, str) or action not in (a.value for a in Action):
        raise ConfigError(file, f"{where}.action", "must be keep or redact")
    reason = entry.get("reason")
    if reason not in REASONS:
        raise ConfigError(file, f"{where}.reason", f"unknown reason code; one of {', '.join(REASONS)}")
    decider = (entry.get("decider") or "").strip()
    if not decider:
        raise ConfigError(file, f"{where}.decider", "missing: who decided")
    ground = entry.get("ground", "art15-4")
    if ground not in GROUNDS:
        raise ConfigError(file, f"{where}.ground", f"unknown legal ground; one of {', '.join(GROUNDS)}")
    return Decision(
        item=entry.get("item"),
        group=entry.get("group"),
        action=Action(action),
        reason=reason,
        decider=decider,
        ground=ground,
    )


def dump_decisions(decisions: tuple[Decision, ...] | list[Decision]) -> bytes:
    """The decisions file format, e.g. for the portal to save an officer's choices."""
    return msgspec.json.format(msgspec.json.encode({"decisions": list(decisions)}), indent=2)
