"""Review items: finds an officer must decide before a disclosure can be final.

Ids are stable across runs for the same input (a keyed hash of where the item is and what it
says), so a decisions file written against one run's ``review.json`` applies to the next run.
``review.json`` shows each item's context with the item itself masked, and every other removed
span as its marker: the file is a working paper, not a second copy of third-party data.
"""

from __future__ import annotations

import msgspec

from dsr.pipeline.redact.decisions import Action


class ReviewItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    group: str  #: salted hash of the item's folded text: one decision can cover all identical items
    store: str
    collection: str
    record: str
    field: str
    start: int
    end: int
    kind: str
    rule: str
    role: str | None  #: the role of the known person it may be ("student", "teacher"), if any
    context: str  #: surrounding text, the item masked
    decision: Action | None = None  #: None while open

    @property
    def open(self) -> bool:
        return self.decision is None


def review_json(items: tuple[ReviewItem, ...] | list[ReviewItem], open_only: bool = True) -> bytes:
    """The contents of ``DIR/review.json``: the open items (or all) for an officer to decide."""
    chosen = [i for i in items if i.open or not open_only]
    payload = {
        "how_to_decide": (
            'Write a decisions file: {"decisions": [{"item": ID or "group": GROUP, "action": '
            '"keep"|"redact", "reason": CODE, "decider": NAME}]} and run dsr disclose --decisions FILE.'
        ),
        "open": sum(1 for i in items if i.open),
        "items": [
            {
                "id": i.id,
                "group": i.group,
                "store": i.store,
                "collection": i.collection,
                "record": i.record,
                "field": i.field,
                "kind": i.kind,
                "rule": i.rule,
                "role": i.role,
                "context": i.context,
                "decision": i.decision,
            }
            for i in chosen
        ],
    }
    return msgspec.json.format(msgspec.json.encode(payload), indent=2)
