"""Scoring redaction against a labelled corpus (:mod:`dsr.demo.redaction_corpus`): the measures of
the redaction issue's table, shared by ``benchmarks/redaction_quality.py`` and the quality
regression test, and the failures behind them (:func:`failures`) for the rule engineers.

A find is ``(start, end, tier)`` or ``(start, end, tier, rule)`` with tier ``"redact"`` or
``"review"``. A mention counts as *redacted* when automatic redactions cover every letter and
digit of it (adjacent finds together: "Last, First" found as two hits, street and town as two;
a bracket or comma left beside a marker discloses nothing), as *found* when finds of either
tier do: a find on part of "Konrad-Adenauer-Ring 5" leaves the rest in the letter. Mentions whose expected outcome is review (``Span.review_ok``: one-letter typos,
short local numbers) count as redacted when found.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from dsr.demo.redaction_corpus import KINDS, Corpus, Doc, Span
from dsr.pipeline.redact import Gazetteer, PeopleIndex, Tier, find

#: a find: (start, end, "redact" | "review"[, rule])
Found = tuple[int, int, str] | tuple[int, int, str, str]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    target: float
    at_most: bool = False  #: the target is a ceiling, not a floor
    percent: bool = False


#: the issue's table, in its order, and the older recall targets (e-mails, IBANs, cards)
ROWS = (
    Row("precision_auto", "automatic precision", 0.97),
    Row("third_redacted_or_review", "third-party mentions redacted or in review", 0.95),
    Row("phone_auto", "phone numbers (auto)", 0.97),
    Row("ip_auto", "IP addresses (auto)", 0.99),
    Row("address_auto", "street addresses (auto)", 0.95),
    Row("full_names_known", "full names of known people (auto; one-letter typos: in review)", 0.99),
    Row("subject_redacted_auto", "requester's own data redacted automatically", 0.001, at_most=True, percent=True),
    Row("review_noise", "review noise (items that are no third party)", 0.10, at_most=True),
    Row("email_auto", "e-mail addresses (auto)", 0.99),
    Row("iban_auto", "IBANs (auto)", 0.99),
    Row("card_auto", "card numbers (auto)", 0.99),
)
TARGETS = {r.key: r.target for r in ROWS}
#: kinds whose measure is automatic redaction (the others: redacted or in review)
AUTO_KINDS = ("email", "phone", "iban", "ip", "card", "address")


def _covered(text: str, start: int, end: int, finds: Sequence[tuple[int, int]]) -> bool:
    """Every letter and digit of ``text[start:end]`` lies in a find: brackets or a dash left
    around a marker disclose nothing, a house number or half a name does."""
    return all(any(s <= i < e for s, e in finds) for i in range(start, end) if text[i].isalnum())


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass
class _Judged:
    """One document's spans and finds, judged."""

    redacted: list[bool]  #: per span: covered by automatic redaction (or review_ok and found)
    found: list[bool]  #: per span: covered by finds of any tier
    auto_false: list[int]  #: indexes of automatic finds that overlap no third-party span
    noise: list[int]  #: indexes of review finds that are no third party's (nor expected review)
    subject_auto: list[int]  #: indexes of subject spans an automatic find overlaps


def _judge(doc: Doc, finds: Sequence[Found]) -> _Judged:
    auto = [(f[0], f[1]) for f in finds if f[2] == "redact"]
    every = [(f[0], f[1]) for f in finds]
    thirds = [t for t in doc.spans if t.owner == "third"]
    expected_review = [t for t in doc.spans if t.review_ok]
    found = [_covered(doc.text, t.start, t.end, every) for t in doc.spans]
    redacted = [
        _covered(doc.text, t.start, t.end, auto) or (t.review_ok and hit)
        for t, hit in zip(doc.spans, found, strict=True)
    ]
    auto_false, noise = [], []
    for i, f in enumerate(finds):
        if any(_overlaps(f[0], f[1], t.start, t.end) for t in thirds):
            continue
        if f[2] == "redact":
            auto_false.append(i)
        elif not any(_overlaps(f[0], f[1], t.start, t.end) for t in expected_review):
            noise.append(i)
    subject_auto = [
        i
        for i, t in enumerate(doc.spans)
        if t.owner == "subject" and any(_overlaps(s, e, t.start, t.end) for s, e in auto)
    ]
    return _Judged(redacted, found, auto_false, noise, subject_auto)


def evaluate(docs: Sequence[Doc], found: Sequence[Sequence[Found]]) -> dict:
    """The measures of :data:`ROWS` and the counts behind them. ``recall_auto[kind]``: share
    of third-party mentions of ``kind`` redacted automatically; ``found_any[kind]``: redacted
    or in review; review noise: share of review items that overlap no third-party mention
    (an officer's wasted decisions; a review of the requester's own misspelt name, the
    expected outcome, is not counted)."""
    auto_total = auto_false = review_total = review_noise = 0
    third: Counter[str] = Counter()
    third_auto: Counter[str] = Counter()
    third_any: Counter[str] = Counter()
    subj_total = subj_auto = subj_any = 0
    full_known = full_known_auto = 0
    for doc, finds in zip(docs, found, strict=True):
        j = _judge(doc, finds)
        auto_total += sum(1 for f in finds if f[2] == "redact")
        review_total += sum(1 for f in finds if f[2] == "review")
        auto_false += len(j.auto_false)
        review_noise += len(j.noise)
        subj_auto += len(j.subject_auto)
        for t, redacted, hit in zip(doc.spans, j.redacted, j.found, strict=True):
            if t.owner == "third":
                third[t.kind] += 1
                third_auto[t.kind] += redacted
                third_any[t.kind] += hit
                if t.kind == "name" and t.full and t.known:
                    full_known += 1
                    full_known_auto += redacted
            else:
                subj_total += 1
                subj_any += hit
    recall = {k: (third_auto[k] / third[k] if third[k] else None) for k in KINDS}
    scores = {
        "precision_auto": (auto_total - auto_false) / max(1, auto_total),
        "third_redacted_or_review": sum(third_any.values()) / max(1, sum(third.values())),
        "full_names_known": full_known_auto / max(1, full_known),
        "subject_redacted_auto": subj_auto / max(1, subj_total),
        "review_noise": review_noise / max(1, review_total),
        "recall_auto": recall,
        "found_any": {k: (third_any[k] / third[k] if third[k] else None) for k in KINDS},
        "subject_in_review_or_redacted": subj_any / max(1, subj_total),
        "auto_items": auto_total,
        "review_items": review_total,
        "third_party_mentions": sum(third.values()),
        "subject_mentions": subj_total,
        "mentions_by_kind": dict(third),
    }
    for kind in AUTO_KINDS:
        scores[f"{kind}_auto"] = recall[kind]
    return scores


def misses(scores: dict) -> list[str]:
    """Every target of :data:`ROWS` that ``scores`` does not meet, as readable lines (empty:
    all met)."""
    out = []
    for row in ROWS:
        value = scores.get(row.key)
        if value is None:
            continue
        if (value > row.target) if row.at_most else (value < row.target):
            out.append(f"{row.label}: {shown(row, value)} {'>' if row.at_most else '<'} {shown(row, row.target)}")
    return out


def shown(row: Row, value: float) -> str:
    return f"{value * 100:.2f} %" if row.percent else f"{value:.3f}"


# ---------------------------------------------------------------------------------- failures

CONTEXT = 40


def failures(docs: Sequence[Doc], found: Sequence[Sequence[Found]]) -> dict[str, dict[str, list[str]]]:
    """What went wrong, for people who change the rules: per category ("third party left in
    the text", "third party only in review", "requester's data redacted", "false automatic
    redaction", "review noise") and group (kind and written form of the mention, or the rule
    of the find), every example as its context with the span in ⟦brackets⟧ (log lines have
    [ ] of their own). Groups are sorted by size."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for doc, finds in zip(docs, found, strict=True):
        j = _judge(doc, finds)
        for t, redacted, hit in zip(doc.spans, j.redacted, j.found, strict=True):
            if t.owner != "third":
                continue
            group = _mention_group(t)
            if not hit:
                out["third party left in the text"][group].append(_context(doc, t.start, t.end, finds))
            elif not redacted and (t.kind in AUTO_KINDS or (t.kind == "name" and t.full and t.known)):
                out["third party only in review (auto measures)"][group].append(_context(doc, t.start, t.end, finds))
        for i in j.subject_auto:
            t = doc.spans[i]
            rules = {_rule(f) for f in finds if f[2] == "redact" and _overlaps(f[0], f[1], t.start, t.end)}
            group = f"{t.kind} / {t.form or '-'} <- {', '.join(sorted(rules))}"
            out["requester's own data redacted automatically"][group].append(_context(doc, t.start, t.end, finds))
        for category, indexes in (("false automatic redaction", j.auto_false), ("review noise", j.noise)):
            for i in indexes:
                f = finds[i]
                owner = next(
                    (f"{t.kind} of the requester" for t in doc.spans if _overlaps(f[0], f[1], t.start, t.end)), ""
                )
                group = _rule(f) + (f" (on {owner})" if owner else "")
                out[category][group].append(_context(doc, f[0], f[1], ()))
    return {c: dict(sorted(groups.items(), key=lambda kv: -len(kv[1]))) for c, groups in out.items()}


def _mention_group(t: Span) -> str:
    flags = [w for w, on in (("full", t.full), ("unknown", not t.known), ("relative", t.relative)) if on]
    return f"{t.kind} / {t.form or '-'}" + (f" [{' '.join(flags)}]" if flags else "")


def _rule(f: Found) -> str:
    return str(f[3]) if len(f) > 3 else str(f[2])


def _context(doc: Doc, start: int, end: int, finds: Sequence[Found]) -> str:
    """``doc.text`` around [start, end) with that part in ⟦ ⟧, on one line; the finds
    that touch it, if any, after it."""
    text = doc.text
    lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    line = ("…" if lo else "") + f"{text[lo:start]}⟦{text[start:end]}⟧{text[end:hi]}" + ("…" if hi < len(text) else "")
    near = [f"{text[f[0] : f[1]]!r} {f[2]} {_rule(f)}" for f in finds if _overlaps(f[0], f[1], start, end)]
    return line.replace("\n", " ⏎ ") + (f"   — found: {'; '.join(near)}" if near else "")


# ---------------------------------------------------------------------------------- running


def redact_corpus(corpus: Corpus) -> list[list[tuple[int, int, str, str]]]:
    """The pipeline's finds for every document: one people index, one subject overlay per
    request (as the portal does with :class:`~dsr.pipeline.redact.GazetteerCache`)."""
    index = PeopleIndex.build(corpus.people, corpus.allow)
    gazetteers = [Gazetteer.for_subject(index, s) for s in corpus.subjects]
    return [
        [
            (h.start, h.end, "redact" if h.tier is Tier.REDACT else "review", h.rule)
            for h in find(d.text, gazetteers[d.request])
        ]
        for d in corpus.docs
    ]
