"""Redaction quality and speed on the generated, labelled development corpus.

    .venv/bin/python benchmarks/redaction_quality.py [--docs 3000] [--people 50000] [--seed 7] [--misses N]

Prints (1) the redaction issue's table — automatic precision, third-party mentions redacted or
in review, phone numbers, IP addresses, street addresses and full names of known people
redacted automatically, the requester's own data redacted automatically, review noise (share
of review items that are no third party's data), throughput — with each value and target;
(2) per kind, the third-party mentions and how many were redacted or found; (3) gazetteer build
time, the per-request subject overlay on a cached index, and throughput with a gazetteer of
--people people, peak memory; (4) with --misses N, per category and group (kind and written
form of a mention, or the rule of a find) the count and up to N examples, the span in
⟦brackets⟧: third-party data left in the text, the requester's own data redacted, false
automatic redactions, review noise. presidio-analyzer's pattern recognizers are measured
alongside when /tmp/presidio-venv exists (never a dependency).

Times are CPU seconds of this process (time.process_time): one core's worth, even when the
machine is shared; the best of several passes, median alongside.
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

from dsr.demo.redaction_corpus import KINDS, Corpus, generate  # noqa: E402
from dsr.demo.redaction_quality import ROWS, evaluate, failures, misses, redact_corpus, shown  # noqa: E402
from dsr.pipeline.redact import Gazetteer, find  # noqa: E402
from dsr.pipeline.redact.gazetteer import GazetteerCache  # noqa: E402

PRESIDIO_PYTHON = Path("/tmp/presidio-venv/bin/python")
THROUGHPUT_TARGET = 2e6  # chars/s on one core with a 50 000-person gazetteer


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


def issue_table(q: dict, s: dict, presidio: tuple[dict, float] | None) -> list[str]:
    """The issue's table: measure | value | target | met (and presidio's value)."""
    extra = " presidio patterns |" if presidio else ""
    lines = [f"| measure | value | target | met |{extra}", "|---|---|---|---|" + ("---|" if presidio else "")]
    for row in ROWS:
        value = q[row.key]
        ok = (value <= row.target) if row.at_most else (value >= row.target)
        target = ("≤ " if row.at_most else "≥ ") + shown(row, row.target)
        other = f" {shown(row, presidio[0][row.key])} |" if presidio else ""
        lines.append(f"| {row.label} | {shown(row, value)} | {target} | {'yes' if ok else 'NO'} |{other}")
    rate = s["chars_per_s"]
    other = f" {presidio[1] / 1e6:.2f} M chars/s |" if presidio else ""
    lines.append(
        f"| throughput (1 core, {s['people']} people) | {rate / 1e6:.2f} M chars/s | ≥ {THROUGHPUT_TARGET / 1e6:.0f} M"
        f" chars/s | {'yes' if rate >= THROUGHPUT_TARGET else 'NO'} |{other}"
    )
    return lines


def kind_table(q: dict) -> list[str]:
    lines = ["| kind | third-party mentions | redacted (auto) | redacted or in review |", "|---|---|---|---|"]
    for k in KINDS:
        n = q["mentions_by_kind"].get(k, 0)
        if n:
            lines.append(f"| {k} | {n} | {q['recall_auto'][k]:.3f} | {q['found_any'][k]:.3f} |")
    return lines


def print_failures(corpus: Corpus, found: list, n: int) -> None:
    for category, groups in failures(corpus.docs, found).items():
        total = sum(len(v) for v in groups.values())
        print(f"\n### {category}: {total}")
        for group, examples in groups.items():
            print(f"\n- {group}: {len(examples)}")
            for e in examples[:n]:
                print(f"    {e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=3000, help="documents in the corpus (one request per 100)")
    ap.add_argument("--people", type=int, default=50_000, help="gazetteer size for the speed test")
    ap.add_argument("--seed", type=int, default=7, help="corpus seed (the tests use other seeds)")
    ap.add_argument("--misses", type=int, default=0, metavar="N", help="print up to N examples per failure group")
    args = ap.parse_args()
    corpus = generate(n_people=2000, n_docs=args.docs, seed=args.seed)
    chars = sum(len(d.text) for d in corpus.docs)
    print(
        f"corpus: {len(corpus.docs)} documents, {chars} characters, {len(corpus.subjects)} requests, seed {args.seed}"
    )
    found = redact_corpus(corpus)
    q = evaluate(corpus.docs, found)
    s = speed(corpus, args.people)
    presidio = run_presidio(corpus)
    if presidio is None:
        print("presidio not installed (create /tmp/presidio-venv with presidio-analyzer to compare)")
    print(f"({q['third_party_mentions']} third-party and {q['subject_mentions']} requester mentions)\n")
    pq = (evaluate(corpus.docs, presidio[0]), chars / presidio[1]) if presidio else None
    print("\n".join(issue_table(q, s, pq)))
    print(
        f"\nrequester's own data in review or redacted (the draft, before an officer decides): "
        f"{q['subject_in_review_or_redacted'] * 100:.2f} %; {q['auto_items']} automatic redactions, "
        f"{q['review_items']} review items"
    )
    missed = misses(q)
    print("targets: " + ("all met" if not missed else "NOT MET: " + "; ".join(missed)))
    print()
    print("\n".join(kind_table(q)))
    print(
        "\n| gazetteer people | build s (best of 3) | build s (median) | build peak MB | overlay per request ms |"
        " text chars | chars/s (1 core, best of 5) | chars/s (median) |\n|---|---|---|---|---|---|---|---|"
    )
    print(
        f"| {s['people']} | {s['build_s']:.2f} | {s['build_median_s']:.2f} | {s['build_peak_mb']:.0f} | "
        f"{s['overlay_ms']:.0f} | {s['chars']} | {s['chars_per_s'] / 1e6:.2f} M | {s['chars_per_s_median'] / 1e6:.2f} M |"
    )
    if args.misses:
        print_failures(corpus, found, args.misses)


if __name__ == "__main__":
    main()
