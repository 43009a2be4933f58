"""What text redaction finds: a :class:`Hit` is a span of a text with a kind, a rule and a tier.

Hits are found by several layers (gazetteer, patterns, cue words, an optional NER adapter) and
overlap freely; :func:`resolve` turns them into non-overlapping spans. Only offsets, never the
text itself, leave this module in logs.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import NamedTuple


class Tier(enum.IntEnum):
    """What happens to a hit. Ordered by strength: a merged span takes the strongest tier."""

    KEEP = 0  #: the subject's own data or allow-listed: stays
    REVIEW = 1  #: an officer decides; redacted while undecided
    REDACT = 2  #: certainly another person's data

    @property
    def label(self) -> str:
        return self.name.lower()


class Kind(enum.StrEnum):
    """What kind of information a hit is (the kinds of :class:`dsr.model.Withholding`)."""

    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"
    IP = "ip"
    CARD = "card"
    LOGIN = "login"
    ADDRESS = "address"
    REFERENCE = "reference"
    RECORD = "record"
    OTHER = "other"


class Hit(NamedTuple):
    """A span found in one text. ``person`` indexes :attr:`Gazetteer.people` (-1: nobody known).

    ``start``/``end`` are offsets into the original text (end exclusive).
    """

    start: int
    end: int
    kind: Kind
    tier: Tier
    rule: str
    person: int = -1


def _contains(outer: Hit, inner: Hit) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def resolve(hits: Sequence[Hit]) -> list[Hit]:
    """Non-overlapping spans, sorted by offset.

    Within a group of overlapping hits the longest one decides: when it is a KEEP (the
    subject's own full name, an allow-listed title) the hits inside it vanish; otherwise the
    group is merged into one span with the strongest tier, so a partial overlap never leaves
    part of a third party's value visible.
    """
    if len(hits) == 1:  # the common case
        return [] if hits[0].tier is Tier.KEEP else list(hits)
    ordered = sorted(hits, key=lambda h: (h.start, -h.end))
    out: list[Hit] = []
    i = 0
    n = len(ordered)
    while i < n:
        group = [ordered[i]]
        end = ordered[i].end
        i += 1
        while i < n and ordered[i].start < end:
            group.append(ordered[i])
            end = max(end, ordered[i].end)
            i += 1
        if len(group) == 1:
            if group[0].tier is not Tier.KEEP:
                out.append(group[0])
            continue
        out.extend(_resolve_group(group))
    return out


def _resolve_group(group: list[Hit]) -> list[Hit]:
    best = max(group, key=lambda h: (h.end - h.start, h.tier is Tier.KEEP, h.tier))
    if best.tier is Tier.KEEP:
        rest = []
        for h in group:
            if _contains(best, h):
                continue
            # a partial overlap with kept text: keep the kept part, treat the rest on its own
            if h.start < best.start:
                h = h._replace(end=best.start)
            else:
                h = h._replace(start=best.end)
            if h.end > h.start:
                rest.append(h)
        return resolve(rest)
    active = [h for h in group if h.tier is not Tier.KEEP]
    tier = max(h.tier for h in active)
    return [
        best._replace(
            start=min(h.start for h in active),
            end=max(h.end for h in active),
            tier=tier,
        )
    ]
