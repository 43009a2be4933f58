"""Redaction quality and speed on the generated, labelled development corpus.

    .venv/bin/python benchmarks/redaction_quality.py [--docs 3000] [--people 50000]

Times are CPU seconds of this process (time.process_time): one core's worth, even when the
machine is shared; the best of several passes, median alongside. Prints (1) precision, recall
per kind, share of third-party mentions redacted or in review, share of the subject's own data
wrongly redacted, review items and review noise (share of them that are no third party's
data), and whether the issue's targets are met; (2) gazetteer build time, the per-request
subject overlay on a cached index, and throughput with a gazetteer of --people people, peak
memory; (3) the same quality and speed numbers for presidio-analyzer's pattern recognizers when
/tmp/presidio-venv exists (never a dependency).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dsr.demo.redaction_corpus import Corpus, generate  # noqa: E402
from dsr.demo.redaction_quality import KINDS, evaluate, misses  # noqa: E402
from dsr.pipeline.redact import Gazetteer, find  # noqa: E402
from dsr.pipeline.redact.gazetteer import GazetteerCache  # noqa: E402
from dsr.pipeline.redact.spans import Tier  # noqa: E402

PRESIDIO_PYTHON = Path("/tmp/presidio-venv/bin/python")


def run_dsr(corpus: Corpus) -> tuple[list[list[tuple[int, int, str]]], float]:
    g = Gazetteer.build(corpus.people, corpus.subject, allow=corpus.allow)
    started = time.process_time()
    found = [
        [(h.start, h.end, "redact" if h.tier is Tier.REDACT else "review") for h in find(d.text, g)]
        for d in corpus.docs
    ]
    return found, time.process_time() - started


def speed(corpus: Corpus, people: int, repeat: int = 5) -> dict:
    """Build time and throughput with a gazetteer of ``people``. The machine is shared: CPU
    time of this process only, and the best of ``repeat`` passes over the texts (as timeit
    does; other processes can only make a pass slower). The median pass is reported too."""
    big = generate(n_people=people, n_docs=0, seed=11)
    builds = []
    for _ in range(3):
        started = time.process_time()
        g = Gazetteer.build(big.people, corpus.subject, allow=corpus.allow)
        builds.append(time.process_time() - started)
        del g
    tracemalloc.start()  # one more build, measured for memory only (tracing slows it down)
    g = Gazetteer.build(big.people, corpus.subject, allow=corpus.allow)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cache = GazetteerCache()
    cache.gazetteer("stores-v1", lambda: big.people, corpus.subject, allow=corpus.allow)
    started = time.process_time()
    for _ in range(10):
        cache.gazetteer("stores-v1", lambda: big.people, corpus.subject, allow=corpus.allow)
    overlay = (time.process_time() - started) / 10
    texts = [d.text for d in corpus.docs]
    chars = sum(map(len, texts))
    for t in texts[:200]:  # warm-up: lazily loaded phone metadata etc.
        find(t, g)
    passes = []
    for _ in range(repeat):
        started = time.process_time()
        for t in texts:
            find(t, g)
        passes.append(time.process_time() - started)
    return {
        "people": people,
        "build_s": min(builds),
        "build_median_s": statistics.median(builds),
        "build_peak_mb": peak / 2**20,
        "overlay_ms": overlay * 1000,
        "chars": chars,
        "chars_per_s": chars / min(passes),
        "chars_per_s_median": chars / statistics.median(passes),
    }


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
best = None
for _ in range(int(sys.argv[1])):  # best of N passes, as for dsr
    out = []
    t = time.process_time()
    for text in docs:
        spans = []
        for r in recognizers:
            for res in r.analyze(text, entities, empty) or []:
                if res.score >= 0.3:
                    spans.append((res.start, res.end, "redact"))
        out.append(spans)
    seconds = time.process_time() - t
    best = seconds if best is None else min(best, seconds)
print(json.dumps({"found": out, "seconds": best}))
"""


def run_presidio(corpus: Corpus, repeat: int = 3) -> tuple[list[list[tuple[int, int, str]]], float] | None:
    if not PRESIDIO_PYTHON.exists():
        return None
    proc = subprocess.run(
        [str(PRESIDIO_PYTHON), "-c", PRESIDIO_SCRIPT, str(repeat)],
        input=json.dumps([d.text for d in corpus.docs]),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print("presidio failed:", proc.stderr.strip().splitlines()[-1:] or "?")
        return None
    data = json.loads(proc.stdout)
    return [[tuple(s) for s in spans] for spans in data["found"]], data["seconds"]


def _table(name: str, q: dict, chars_per_s: float | None) -> list[str]:
    r = q["recall_auto"]
    return [
        f"| {name} | {q['precision_auto']:.3f} | "
        + " | ".join("-" if r[k] is None else f"{r[k]:.3f}" for k in KINDS)
        + f" | {q['recall_full_names_known']:.3f} | {q['redacted_or_review']:.3f} | "
        f"{q['subject_wrongly_redacted_auto'] * 100:.2f} % | {q['review_items']} | {q['review_noise']:.3f} | "
        + ("-" if chars_per_s is None else f"{chars_per_s / 1e6:.2f} M")
        + " |"
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
    found, _ = run_dsr(corpus)
    q = evaluate(corpus.docs, found)
    head = (
        "| approach | precision (auto) | "
        + " | ".join(f"recall {k}" for k in KINDS)
        + " | recall full names (known) | redacted or review | subject redacted (auto) | review items"
        " | review noise | chars/s |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    s = speed(corpus, args.people)
    lines += _table(f"dsr (gazetteer + patterns; chars/s with {args.people} people)", q, s["chars_per_s"])
    presidio = run_presidio(corpus)
    if presidio is None:
        print("presidio not installed (create /tmp/presidio-venv with presidio-analyzer to compare)")
    else:
        pq = evaluate(corpus.docs, presidio[0])
        lines += _table("presidio-analyzer, pattern recognizers", pq, chars / presidio[1])
    print("\n".join(lines))
    print(
        f"\nsubject's own data in review or redacted (draft, before an officer decides): "
        f"{q['subject_in_review_or_redacted'] * 100:.2f} %  "
        f"({q['third_party_mentions']} third-party and {q['subject_mentions']} subject mentions)"
    )
    print("review noise: share of review items that overlap no third-party mention")
    missed = misses(q)
    print("targets: " + ("all met" if not missed else "NOT MET: " + "; ".join(missed)))
    ratio = f" {s['chars_per_s'] / (chars / presidio[1]):.1f}x |" if presidio else ""
    print(
        f"\n| gazetteer people | build s (best of 3) | build s (median) | build peak MB | overlay per request ms |"
        f" text chars | chars/s (1 core, best of 5) | chars/s (median) |{' ratio vs presidio |' if presidio else ''}"
        f"\n|---|---|---|---|---|---|---|---|{'---|' if presidio else ''}"
    )
    print(
        f"| {s['people']} | {s['build_s']:.2f} | {s['build_median_s']:.2f} | {s['build_peak_mb']:.0f} | "
        f"{s['overlay_ms']:.0f} | {s['chars']} | {s['chars_per_s'] / 1e6:.2f} M | "
        f"{s['chars_per_s_median'] / 1e6:.2f} M |{ratio}"
    )


if __name__ == "__main__":
    main()
