"""Review items: finds an officer must decide before a disclosure can be final.

Ids are stable across runs for the same input (a keyed hash of where the item is and what it
says), so a decisions file written against one run's ``review.json`` applies to the next run.

The same items are written two ways:

* ``review.json`` (:func:`review_json`) is the working paper that lies beside the letter: each
  item's context with the item itself masked and every other removal as its marker, where it is
  (collection and field in the mapping's words, whose record), how many identical items one
  decision covers, and the sentence as it prints when the item is redacted. It holds no text of
  the third party, so it is not a second copy of their data.
* the *review sheet* (:func:`review_sheet`) is for the officer who decides, and is kept only in
  the case file, where reading it is audited: officers may see another person's data, the
  requester may not. It adds the flagged text itself and the sentence as it prints for either
  decision.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence

import msgspec

from dsr.model import CollectionSpec
from dsr.pipeline.redact.decisions import Action
from dsr.pipeline.redact.markers import marker
from dsr.pipeline.redact.spans import Hit


class Place(msgspec.Struct, frozen=True, kw_only=True):
    """Where an item is, in the words of the mapping (no personal data)."""

    collection_title: dict[str, str] = {}  #: {"de": "Ausleihen", "en": "Loans"}
    field_label: dict[str, str] = {}
    #: why the record concerns the subject when it is not simply theirs (``Record.relation``,
    #: the mapping's words); None: the subject's own record
    relation: str | None = None
    #: the collection and record a linked record was reached through ("loan 17": Ausleihen, 17)
    via_collection_title: dict[str, str] = {}
    via_record: str | None = None

    @property
    def own_record(self) -> bool:
        return self.relation is None


class Sentence(msgspec.Struct, frozen=True, kw_only=True):
    """The sentence around an item as the letter prints it, every other removal as its marker.

    Identical items in the same sentence follow the item's decision: one decision covers them.
    "…" marks where a long sentence was cut.
    """

    before: str  #: the sentence up to the item, as printed when the item is kept
    after: str  #: the rest of the sentence after the item, likewise
    redacted: str  #: the whole sentence as printed when the item is redacted
    kept: str  #: the whole sentence as printed when the item is kept


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
    place: Place = msgspec.field(default_factory=Place)
    #: the flagged text as written: another person's data, for the review sheet only
    text: str = ""
    sentence: Sentence | None = None  #: for the review sheet only (its ``kept`` holds ``text``)

    @property
    def open(self) -> bool:
        return self.decision is None


class ReviewSheet(msgspec.Struct, frozen=True, kw_only=True):
    """What the officer decides on (the case file's ``review_sheet`` document)."""

    items: list[ReviewItem]


def review_json(items: tuple[ReviewItem, ...] | list[ReviewItem], open_only: bool = True) -> bytes:
    """The contents of ``DIR/review.json``: the open items (or all) for an officer to decide."""
    chosen = [i for i in items if i.open or not open_only]
    covers = Counter(i.group for i in items)
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
                "covers": covers[i.group],
                "store": i.store,
                "collection": i.collection,
                "record": i.record,
                "field": i.field,
                "place": i.place,
                "kind": i.kind,
                "rule": i.rule,
                "role": i.role,
                "context": i.context,
                "printed_if_redacted": i.sentence.redacted if i.sentence else None,
                "decision": i.decision,
            }
            for i in chosen
        ],
    }
    return msgspec.json.format(msgspec.json.encode(payload), indent=2)


def review_sheet(items: tuple[ReviewItem, ...] | list[ReviewItem]) -> bytes:
    """The review sheet: every item with its text and sentence. Holds third-party data: case file only."""
    return msgspec.json.encode(ReviewSheet(items=list(items)))


def read_review_sheet(content: bytes) -> ReviewSheet:
    return msgspec.json.decode(content, type=ReviewSheet)


def place_of(
    specs: Mapping[tuple[str, str], CollectionSpec], store: str, collection: str, field: str, relation: str | None
) -> Place:
    """The mapping's words for a field of a record, and what the record was reached through."""
    spec = specs.get((store, collection))
    label = next((dict(f.label) for f in spec.fields if f.name == field), {}) if spec else {}
    via_title: dict[str, str] = {}
    via_record = None
    if relation:
        # a record found through another collection's row says so as "<collection> <key>"
        name, _, key = relation.partition(" ")
        via = specs.get((store, name))
        if via is not None and key:
            via_title, via_record = dict(via.title), key
    return Place(
        collection_title=dict(spec.title) if spec else {},
        field_label=label,
        relation=relation,
        via_collection_title=via_title,
        via_record=via_record,
    )


# ----------------------------------------------------------------------------- the sentence

_REACH = 100  # at most this many characters of the sentence either side of the item
#: a sentence ends at a line break, or at . ! ? before white space (closing quotes may follow)
_END = re.compile(r"\n|[.!?]+(?=[\"'»«“”)\]]*\s)")
#: words a full stop does not end a sentence after ("Prof. Roth", "Tel. 0941 …", "bzw. …")
_ABBREVIATIONS = frozenset(
    "prof str tel bzw ggf usw etc evtl inkl vgl ca geb jun sen abs art mrs nr mediennr kl".split()
)


def sentence_around(text: str, item: Hit, group: str, removed: Sequence[tuple[Hit, str]], language: str) -> Sentence:
    """The sentence of ``text`` around ``item`` as printed for either decision.

    ``removed``: every span the letter removes (with its group), in order; the item among them or not.
    """
    lo, hi, cut_lo, cut_hi = _bounds(text, item.start, item.end)
    # the removed spans are disjoint and in order: find those in the window without a pass over all
    window = removed[bisect_right(removed, lo, key=_end) : bisect_left(removed, hi, key=_start)]
    if window:  # never cut a removed span in half at the window's edges
        lo, hi = min(lo, window[0][0].start), max(hi, window[-1][0].end)
    near = [(h, g) for h, g in window if h != item]
    lead, tail = ("…" if cut_lo else ""), ("…" if cut_hi else "")
    before = lead + _printed(text, lo, item.start, near, keep=group, language=language)
    after = _printed(text, item.end, hi, near, keep=group, language=language) + tail
    redacted = (
        lead
        + _printed(text, lo, item.start, near, keep=None, language=language)
        + marker(item.kind, language)
        + _printed(text, item.end, hi, near, keep=None, language=language)
        + tail
    )
    return Sentence(before=before, after=after, redacted=redacted, kept=before + text[item.start : item.end] + after)


def _start(r: tuple[Hit, str]) -> int:
    return r[0].start


def _end(r: tuple[Hit, str]) -> int:
    return r[0].end


def _printed(
    text: str, lo: int, hi: int, removed: Sequence[tuple[Hit, str]], *, keep: str | None, language: str
) -> str:
    """``text[lo:hi]`` with the removed spans in it as their markers (those of group ``keep`` as text)."""
    pieces = []
    pos = lo
    for h, g in removed:
        if h.end <= lo or h.start >= hi:
            continue
        pieces.append(text[pos : h.start])
        pieces.append(text[h.start : h.end] if g == keep else marker(h.kind, language))
        pos = h.end
    pieces.append(text[pos:hi])
    return "".join(pieces)


def _bounds(text: str, start: int, end: int) -> tuple[int, int, bool, bool]:
    """The sentence around ``text[start:end]``, at most ``_REACH`` characters either side.

    Returns (lo, hi, cut before, cut after); a cut falls between words."""
    floor, ceiling = max(0, start - _REACH), min(len(text), end + _REACH)
    lo = floor
    for m in _END.finditer(text, floor, start):
        if _ends_sentence(text, m):
            lo = m.end()
    cut_lo = lo == floor > 0
    hi = ceiling
    for m in _END.finditer(text, end, ceiling):
        if _ends_sentence(text, m):
            hi = m.start() if m.group() == "\n" else m.end()
            break
    cut_hi = hi == ceiling and ceiling < len(text)
    if cut_lo:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if cut_hi:
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return lo, hi, cut_lo, cut_hi


def _ends_sentence(text: str, m: re.Match[str]) -> bool:
    if m.group() == "\n":
        return True
    i = m.start()
    while i > 0 and text[i - 1].isalnum():
        i -= 1
    word = text[i : m.start()]
    # initials, ordinals and short abbreviations ("F. Roth", "3. Stock", "Dr. Roth") end nothing
    return len(word) >= 3 and word.lower() not in _ABBREVIATIONS
