"""Scoring redaction against a labelled corpus (:mod:`dsr.demo.redaction_corpus`): the numbers of the
issue's targets, shared by ``benchmarks/redaction_quality.py`` and the quality regression test.

A find is ``(start, end, tier)`` with tier ``"redact"`` or ``"review"``. A mention counts as
redacted when automatic redactions cover it completely (adjacent redactions together: "Last,
First" found as two hits), as found when any find overlaps it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dsr.demo.redaction_corpus import Doc

KINDS = ("name", "email", "phone", "iban", "ip", "card", "login", "address")

#: the issue's targets (docs/redaction.md)
TARGETS = {
    "precision_auto": 0.97,
    "recall_auto": {"email": 0.99, "iban": 0.99, "ip": 0.99, "card": 0.99},
    "recall_full_names_known": 0.99,
    "redacted_or_review": 0.90,
    "subject_wrongly_redacted_auto": 0.001,  # at most
}

Found = tuple[int, int, str]


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1] + 2:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def evaluate(docs: Sequence[Doc], found: Sequence[Sequence[Found]]) -> dict:
    """Precision of automatic redaction, recall per kind, share of third-party mentions
    redacted or in review, the subject's own data wrongly redacted, and review noise: the
    share of review items that are no third party's data (an officer's wasted decisions)."""
    auto_tp = auto_fp = 0
    review_total = review_noise = 0
    third: Counter[str] = Counter()
    third_auto: Counter[str] = Counter()
    third_any = third_total = 0
    subj_total = subj_auto = subj_any = 0
    full_known = full_known_auto = 0
    for doc, spans in zip(docs, found, strict=True):
        auto = [(s, e) for s, e, t in spans if t == "redact"]
        anyf = [(s, e) for s, e, _ in spans]
        thirds = [t for t in doc.spans if t.owner == "third"]
        for s, e in auto:
            if any(_overlaps(s, e, t.start, t.end) for t in thirds):
                auto_tp += 1
            else:
                auto_fp += 1
        for s, e, tier in spans:
            if tier == "review":
                review_total += 1
                review_noise += not any(_overlaps(s, e, t.start, t.end) for t in thirds)
        merged = _merged(auto)
        for t in doc.spans:
            covered_auto = any(s <= t.start and t.end <= e for s, e in merged)
            hit_any = any(_overlaps(s, e, t.start, t.end) for s, e in anyf)
            if t.owner == "third":
                third_total += 1
                third[t.kind] += 1
                third_auto[t.kind] += covered_auto
                third_any += hit_any
                if t.kind == "name" and t.full and t.known:
                    full_known += 1
                    full_known_auto += covered_auto
            else:
                subj_total += 1
                subj_auto += any(_overlaps(s, e, t.start, t.end) for s, e in auto)
                subj_any += hit_any
    return {
        "precision_auto": auto_tp / max(1, auto_tp + auto_fp),
        "recall_auto": {k: (third_auto[k] / third[k] if third[k] else None) for k in KINDS},
        "recall_full_names_known": full_known_auto / max(1, full_known),
        "redacted_or_review": third_any / max(1, third_total),
        "subject_wrongly_redacted_auto": subj_auto / max(1, subj_total),
        "subject_in_review_or_redacted": subj_any / max(1, subj_total),
        "review_items": review_total,
        "review_noise": review_noise / max(1, review_total),
        "third_party_mentions": third_total,
        "subject_mentions": subj_total,
    }


def misses(scores: dict) -> list[str]:
    """The targets ``scores`` does not meet, as readable lines (empty: all met)."""
    out = []
    t = TARGETS
    if scores["precision_auto"] < t["precision_auto"]:
        out.append(f"precision {scores['precision_auto']:.3f} < {t['precision_auto']}")
    for kind, floor in t["recall_auto"].items():
        r = scores["recall_auto"][kind]
        if r is not None and r < floor:
            out.append(f"recall {kind} {r:.3f} < {floor}")
    if scores["recall_full_names_known"] < t["recall_full_names_known"]:
        out.append(f"recall full names {scores['recall_full_names_known']:.3f} < {t['recall_full_names_known']}")
    if scores["redacted_or_review"] < t["redacted_or_review"]:
        out.append(f"redacted or review {scores['redacted_or_review']:.3f} < {t['redacted_or_review']}")
    if scores["subject_wrongly_redacted_auto"] > t["subject_wrongly_redacted_auto"]:
        out.append(
            f"subject redacted {scores['subject_wrongly_redacted_auto']:.4f} > {t['subject_wrongly_redacted_auto']}"
        )
    return out
