"""Redaction quality and speed on the generated, labelled development corpus.

    .venv/bin/python benchmarks/redaction_quality.py [--docs 3000] [--people 50000]

Times are CPU seconds of this process (time.process_time): one core's worth, even when the
machine is shared. Prints (1) precision, recall per kind, share of third-party mentions redacted or in review,
share of the subject's own data wrongly redacted; (2) gazetteer build time and throughput with
a gazetteer of --people people, peak memory; (3) the same quality and speed numbers for
presidio-analyzer's pattern recognizers when /tmp/presidio-venv exists (never a dependency).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dsr.redact import Gazetteer, find  # noqa: E402
from dsr.redact.corpus import Corpus, Doc, generate  # noqa: E402
from dsr.redact.spans import Tier  # noqa: E402

PRESIDIO_PYTHON = Path("/tmp/presidio-venv/bin/python")
KINDS = ["name", "email", "phone", "iban", "ip", "card", "login", "address"]


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def evaluate(docs: list[Doc], found: list[list[tuple[int, int, str]]]) -> dict:
    """``found[i]``: (start, end, tier) per span found in docs[i]; tier "redact" or "review"."""
    auto_tp = auto_fp = 0
    third = Counter()
    third_auto = Counter()
    third_any = 0
    third_total = 0
    subj_total = subj_auto = subj_any = 0
    full_known = full_known_auto = 0
    for doc, spans in zip(docs, found):
        auto = [(s, e) for s, e, t in spans if t == "redact"]
        anyf = [(s, e) for s, e, _ in spans]
        for s, e in auto:
            if any(t.owner == "third" and _overlaps(s, e, t.start, t.end) for t in doc.spans):
                auto_tp += 1
            else:
                auto_fp += 1
        for t in doc.spans:
            covered_auto = any(s <= t.start and t.end <= e for s, e in _merged(auto))
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
        "third_party_mentions": third_total,
        "subject_mentions": subj_total,
    }


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # adjacent redactions ("Last, First" found as two hits) cover a mention together
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1] + 2:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def run_dsr(corpus: Corpus) -> tuple[list[list[tuple[int, int, str]]], float]:
    g = Gazetteer.build(corpus.people, corpus.subject, allow=corpus.allow)
    started = time.process_time()
    found = [[(h.start, h.end, "redact" if h.tier is Tier.REDACT else "review") for h in find(d.text, g)]
             for d in corpus.docs]
    return found, time.process_time() - started


def speed(corpus: Corpus, people: int, repeat: int = 5) -> dict:
    big = generate(n_people=people, n_docs=0, seed=11)
    started = time.process_time()
    g = Gazetteer.build(big.people, corpus.subject, allow=corpus.allow)
    build = time.process_time() - started
    del g
    tracemalloc.start()  # a second build, measured for memory only (tracing slows it down)
    g = Gazetteer.build(big.people, corpus.subject, allow=corpus.allow)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    texts = [d.text for d in corpus.docs]
    chars = sum(map(len, texts)) * repeat
    started = time.process_time()
    for _ in range(repeat):
        for t in texts:
            find(t, g)
    seconds = time.process_time() - started
    return {"people": people, "build_s": build, "build_peak_mb": peak / 2**20, "chars": chars,
            "chars_per_s": chars / seconds}


PRESIDIO_SCRIPT = r"""
import json, sys, time
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (EmailRecognizer, PhoneRecognizer, IbanRecognizer,
    IpRecognizer, CreditCardRecognizer, UrlRecognizer)
recognizers = [EmailRecognizer(), PhoneRecognizer(supported_regions=("DE", "GB", "US")), IbanRecognizer(),
               IpRecognizer(), CreditCardRecognizer(), UrlRecognizer()]
docs = json.load(sys.stdin)
entities = ["EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "IP_ADDRESS", "CREDIT_CARD", "URL"]
empty = NlpArtifacts(entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=None, language="en")
out = []
t = time.process_time()
for text in docs:
    spans = []
    for r in recognizers:
        for res in r.analyze(text, entities, empty) or []:
            if res.score >= 0.3:
                spans.append((res.start, res.end, "redact"))
    out.append(spans)
print(json.dumps({"found": out, "seconds": time.process_time() - t}))
"""


def run_presidio(corpus: Corpus) -> tuple[list[list[tuple[int, int, str]]], float] | None:
    if not PRESIDIO_PYTHON.exists():
        return None
    proc = subprocess.run([str(PRESIDIO_PYTHON), "-c", PRESIDIO_SCRIPT], input=json.dumps([d.text for d in corpus.docs]),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print("presidio failed:", proc.stderr.strip().splitlines()[-1:] or "?")
        return None
    data = json.loads(proc.stdout)
    return [[tuple(s) for s in spans] for spans in data["found"]], data["seconds"]


def _table(name: str, q: dict, chars_per_s: float) -> list[str]:
    r = q["recall_auto"]
    return [
        f"| {name} | {q['precision_auto']:.3f} | "
        + " | ".join("-" if r[k] is None else f"{r[k]:.3f}" for k in KINDS)
        + f" | {q['recall_full_names_known']:.3f} | {q['redacted_or_review']:.3f} | "
        f"{q['subject_wrongly_redacted_auto'] * 100:.2f} % | {chars_per_s / 1e6:.2f} M |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=3000)
    ap.add_argument("--people", type=int, default=50_000, help="gazetteer size for the speed test")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    corpus = generate(n_people=2000, n_docs=args.docs, seed=args.seed)
    chars = sum(len(d.text) for d in corpus.docs)
    print(f"corpus: {len(corpus.docs)} documents, {chars} characters, seed {args.seed}")
    found, seconds = run_dsr(corpus)
    q = evaluate(corpus.docs, found)
    head = ("| approach | precision (auto) | " + " | ".join(f"recall {k}" for k in KINDS)
            + " | recall full names (known) | redacted or review | subject redacted (auto) | chars/s |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    lines += _table("dsr (gazetteer + patterns)", q, chars / seconds)
    presidio = run_presidio(corpus)
    if presidio is None:
        print("presidio not installed (create /tmp/presidio-venv with presidio-analyzer to compare)")
    else:
        pq = evaluate(corpus.docs, presidio[0])
        lines += _table("presidio-analyzer, pattern recognizers", pq, chars / presidio[1])
    print("\n".join(lines))
    print(f"\nsubject's own data in review or redacted (draft, before an officer decides): "
          f"{q['subject_in_review_or_redacted'] * 100:.2f} %  "
          f"({q['third_party_mentions']} third-party and {q['subject_mentions']} subject mentions)")
    s = speed(corpus, args.people)
    print(f"\n| gazetteer people | build s | build peak MB | text chars | chars/s (1 core) |"
          f"{' ratio vs presidio |' if presidio else ''}\n|---|---|---|---|---|{'---|' if presidio else ''}")
    ratio = f" {s['chars_per_s'] / (chars / presidio[1]):.1f}x |" if presidio else ""
    print(f"| {s['people']} | {s['build_s']:.2f} | {s['build_peak_mb']:.0f} | {s['chars']} | "
          f"{s['chars_per_s'] / 1e6:.2f} M |{ratio}")


if __name__ == "__main__":
    main()
