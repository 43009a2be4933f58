"""The redaction stage: a Gathering in → the same Gathering redacted, plus what was withheld,
the review items and the decision log.

    gazetteer = Gazetteer.build(people, gathering.subject, allow=AllowList.for_controller(c))
    result = redact(gathering, gazetteer, decisions=load_decisions(path), secret=key, language="de")
    result.gathering, result.withheld, result.review_items, result.log, result.is_draft
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import msgspec

from dsr.model import Classification, CollectionSpec, Gathering, Record, Withholding
from dsr.pipeline.redact.decisions import Action, Decision, LogEntry, salted
from dsr.pipeline.redact.fold import fold
from dsr.pipeline.redact.gazetteer import Gazetteer
from dsr.pipeline.redact.markers import ITEM_MASK, marker
from dsr.pipeline.redact.review import ReviewItem, place_of, sentence_around
from dsr.pipeline.redact.spans import Hit, Tier
from dsr.pipeline.redact.structure import structured
from dsr.pipeline.redact.tiers import NameSuggester, find

_CONTEXT = 40  # characters of context either side in review.json


@dataclass(frozen=True)
class RedactionResult:
    gathering: Gathering
    withheld: tuple[Withholding, ...]
    review_items: tuple[ReviewItem, ...]
    log: tuple[LogEntry, ...]

    @property
    def open_items(self) -> tuple[ReviewItem, ...]:
        return tuple(i for i in self.review_items if i.open)

    @property
    def is_draft(self) -> bool:
        """True while review items are open: the letter must be marked "Entwurf" and not sent."""
        return any(i.open for i in self.review_items)


@dataclass
class _Where:
    store: str
    collection: str
    record: str
    field: str
    relation: str | None  #: the record's relation (None: the subject's own record)
    #: the gathering's collections, for the mapping's words on a review item
    specs: Mapping[tuple[str, str], CollectionSpec]


@dataclass
class _Book:
    """What one run accumulates."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    items: list[ReviewItem] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)


def redact(
    gathering: Gathering,
    gazetteer: Gazetteer,
    *,
    decisions: Iterable[Decision] = (),
    secret: bytes = b"",
    language: str = "de",
    suggest: NameSuggester | None = None,
) -> RedactionResult:
    """Redact every record of ``gathering``. Open review items are redacted (conservative)."""
    by_item: dict[str, Decision] = {}
    by_group: dict[str, Decision] = {}
    for d in decisions:
        if d.item:
            by_item[d.item] = d
        elif d.group:
            by_group[d.group] = d
    book = _Book()
    specs = {(c.store, c.name): c for c in gathering.collections}
    records = []
    for record in gathering.records:
        records.append(_record(record, gazetteer, book, by_item, by_group, secret, language, suggest, specs))
    withheld = tuple(
        Withholding(kind=kind, count=n, ground=ground) for (kind, ground), n in sorted(book.counts.items())
    )
    return RedactionResult(
        gathering=msgspec.structs.replace(gathering, records=tuple(records)),
        withheld=withheld,
        review_items=tuple(book.items),
        log=tuple(book.log),
    )


def _record(
    record: Record,
    g: Gazetteer,
    book: _Book,
    by_item: dict[str, Decision],
    by_group: dict[str, Decision],
    secret: bytes,
    language: str,
    suggest: NameSuggester | None,
    specs: Mapping[tuple[str, str], CollectionSpec],
) -> Record:
    fields = []
    changed = False
    for f in record.fields:
        new, withheld = structured(f)
        if withheld is not None:
            book.counts[(withheld.value, "art15-4")] += 1
        if f.classification is Classification.FREE_TEXT and isinstance(f.value, str) and f.value:
            where = _Where(record.store, record.collection, record.key, f.name, record.relation, specs)
            text = redact_text(f.value, g, where, book, by_item, by_group, secret, language, suggest)
            if text != f.value:
                new = msgspec.structs.replace(f, value=text)
        changed |= new is not f
        fields.append(new)
    return msgspec.structs.replace(record, fields=tuple(fields)) if changed else record


def redact_text(
    text: str,
    g: Gazetteer,
    where: _Where,
    book: _Book,
    by_item: dict[str, Decision],
    by_group: dict[str, Decision],
    secret: bytes,
    language: str,
    suggest: NameSuggester | None,
) -> str:
    hits = find(text, g, suggest)
    if not hits:
        return text
    removed: list[Hit] = []
    groups: list[str] = []  #: the group of each removed span
    pending: list[tuple[Hit, str, str, Decision | None]] = []
    for h in hits:
        span = fold(text[h.start : h.end])
        item = salted(
            secret, "item", where.store, where.collection, where.record, where.field, str(h.start), str(h.end), span
        )
        group = salted(secret, "group", span)
        d = by_item.get(item) or by_group.get(group)
        if d is not None:
            outcome = "redacted" if d.action is Action.REDACT else "kept"
            decider, ground, reason = d.decider, d.ground, d.reason
        elif h.tier is Tier.REDACT:
            outcome, decider, ground, reason = "redacted", "auto", "art15-4", None
        else:
            outcome, decider, ground, reason = "open", "auto", "art15-4", None
        if outcome != "kept":
            removed.append(h)
            groups.append(group)
            book.counts[(h.kind.value, ground or "art15-4")] += 1
        if h.tier is Tier.REVIEW:
            pending.append((h, item, group, d))
        person = g.people[h.person] if h.person > 0 else None
        party = salted(secret, "party", person.store, person.key) if person else salted(secret, "party-text", span)
        book.log.append(
            LogEntry(
                item=item,
                store=where.store,
                collection=where.collection,
                record=where.record,
                field=where.field,
                start=h.start,
                end=h.end,
                kind=h.kind.value,
                rule=h.rule,
                tier=h.tier.label,
                outcome=outcome,
                decider=decider,
                ground=ground,
                reason=reason,
                party=party,
            )
        )
    out = apply(text, removed, language)
    if pending:
        place = place_of(where.specs, where.store, where.collection, where.field, where.relation)
        spans = list(zip(removed, groups, strict=True))
    for h, item, group, d in pending:
        person = g.people[h.person] if h.person > 0 else None
        book.items.append(
            ReviewItem(
                id=item,
                group=group,
                store=where.store,
                collection=where.collection,
                record=where.record,
                field=where.field,
                start=h.start,
                end=h.end,
                kind=h.kind.value,
                rule=h.rule,
                role=person.role if person else None,
                context=_context(text, h, removed, language),
                decision=d.action if d is not None else None,
                place=place,
                text=text[h.start : h.end],
                sentence=sentence_around(text, h, group, spans, language),
            )
        )
    return out


def apply(text: str, spans: Sequence[Hit], language: str) -> str:
    """``text`` with each span replaced by its marker; everything else byte for byte the same."""
    parts = []
    pos = 0
    for h in spans:
        parts.append(text[pos : h.start])
        parts.append(marker(h.kind, language))
        pos = h.end
    parts.append(text[pos:])
    return "".join(parts)


def _context(text: str, item: Hit, removed: Sequence[Hit], language: str) -> str:
    """Text around ``item`` with the item masked and every other removed span as its marker."""
    lo, hi = max(0, item.start - _CONTEXT), min(len(text), item.end + _CONTEXT)
    near = [r for r in removed if r is not item and r.end > lo and r.start < hi]
    pieces = []
    pos = lo
    for h in sorted([*near, item], key=lambda x: x.start):
        pieces.append(text[pos : max(pos, h.start)])
        pieces.append(ITEM_MASK if h is item else marker(h.kind, language))
        pos = max(pos, h.end)
    pieces.append(text[pos:hi])
    return ("…" if lo > 0 else "") + "".join(pieces) + ("…" if hi < len(text) else "")
