"""How fast is an access answer with a long appendix, end to end? Prints a table.

    .venv/bin/python benchmarks/letter.py                 # 300, 2 000, 20 000 records
    .venv/bin/python benchmarks/letter.py --sizes 300 2000 --repeat 5

What one run includes, as :func:`dsr.pipeline.answer.prepare_answer` does it after identification:
gather (from an in-memory store: :class:`dsr.testing.FakeConnector` with the specimen school
records), redact (gazetteer of 500 other people, the subject's catalogue titles allowed),
compose, and render the PDF/A (with disclosure.json and the CSVs embedded), the DOCX and the
JSON. Every size runs in a fresh process that first answers one small request (fonts, style
sheet and templates warm, as in a running portal); the times are the median of ``--repeat``
runs. Everything runs in one process (the appendix is typeset directly, without WeasyPrint).

Columns: wall seconds; CPU seconds (steadier than wall time on a shared machine); how the wall
time splits (gather + redact + compose, JSON + PDF, DOCX); peak RSS; the naive baseline
(the same appendix as one WeasyPrint document with one big table, PDF only) and the ratio of
its wall time to the full answer's (median of at most 2 runs; one run for 20 000). Targets (wall): 300 ≤ 0.75 s, 2 000 ≤ 2 s,
20 000 ≤ 10 s and ≤ 400 MB in any one process.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time

TARGETS = {300: 0.75, 2000: 2.0, 20000: 10.0}


def answer(size: int) -> dict[str, float]:
    """One access answer for a reader with ``size`` loans; seconds per stage."""
    from dsr.pipeline import compose, register, render
    from dsr.pipeline.compose import specimen
    from dsr.pipeline.gather import gather
    from dsr.pipeline.redact import AllowList, Gazetteer, redact
    from dsr.testing import FakeConnector, FakePerson

    start = time.perf_counter()
    people = [FakePerson(key="17", first_name="Anna", last_name="Muster", card="L-0017")]
    people += [FakePerson(key=str(1000 + i), first_name=f"Vorname{i}", last_name=f"Nachname{i}") for i in range(500)]
    store = FakeConnector(
        "school", people=people, records={"17": specimen.records(size)}, collections=specimen.COLLECTIONS
    )
    subject = specimen.subject()
    gathering = gather(subject, [store])
    titles = {str(f.value) for r in gathering.records for f in r.fields if f.name == "title"}
    gazetteer = Gazetteer.build(
        store.people(), subject, allow=AllowList.for_controller(specimen.SCHOOL, catalogue=titles)
    )
    redaction = redact(gathering, gazetteer, secret=b"benchmark", language="de")
    letter = compose.disclosure(
        specimen.SCHOOL,
        redaction.gathering,
        specimen.request("de"),
        withheld=redaction.withheld,
        register=register.load("james-school"),
    )
    composed = time.perf_counter()
    # as prepare_answer does: the JSON encoded once, for its file and the PDF's attachment
    data = render.export_json(letter)
    pdf = render.pdf(letter, data=data)
    rendered = time.perf_counter()
    docx = render.docx(letter)
    done = time.perf_counter()
    assert pdf and docx and data
    return {"prepare": composed - start, "pdf": rendered - composed, "docx_json": done - rendered, "bytes": len(pdf)}


def run_case(size: int, mode: str, repeat: int) -> dict:
    if mode == "answer":
        answer(3)
        work = lambda: answer(size)  # noqa: E731
    else:
        letter = _letter(size)
        naive(letter)
        work = lambda: {"bytes": len(naive(letter))}  # noqa: E731
    runs = []
    for _ in range(repeat):
        # the previous run's garbage (reference cycles of the layout engines) goes first: the peak is
        # one answer's, as in a worker that answers one request after another
        gc.collect()
        start, start_cpu = time.perf_counter(), _cpu()
        stages = work()
        runs.append({**stages, "seconds": time.perf_counter() - start, "cpu": _cpu() - start_cpu})
    out = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    out["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _letter(size: int):
    from dsr.pipeline import compose, register
    from dsr.pipeline.compose import specimen

    return compose.disclosure(
        specimen.SCHOOL, specimen.gathering(size), specimen.request("de"), register=register.load("james-school")
    )


def _cpu() -> float:
    """CPU seconds of this process."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def naive(letter) -> bytes:
    """The appendix as one table in one document: the baseline the chunked renderer beats."""
    import html

    import weasyprint

    from dsr.pipeline.render.fonts import TemplateFetcher
    from dsr.pipeline.render.templates import base_url

    parts = ['<link rel="stylesheet" href="../base/style.css"><body>']
    for s in letter.sections:
        parts.append(f"<h3>{html.escape(s.title)}</h3><table class='records'><tr>")
        parts += [f"<th>{html.escape(c.label)}</th>" for c in s.columns]
        parts.append("</tr>")
        for row in s.rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row.values) + "</tr>")
        parts.append("</table>")
    return weasyprint.HTML(
        string="".join(parts), base_url=base_url("disclosure"), url_fetcher=TemplateFetcher()
    ).write_pdf()


def measure(size: int, mode: str, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--case", str(size), "--mode", mode, "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 2000, 20000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (20 000: at most 3)")
    parser.add_argument(
        "--naive-max",
        type=int,
        default=20000,
        help="skip the naive baseline above this size (its 20 000 rows take about two minutes and 2 GB)",
    )
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="answer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.mode, args.repeat)))
        return
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {args.repeat} runs (20 000: ≤ 3)"
    )
    print(
        f"{'records':>7} {'wall s':>7} {'cpu s':>6} {'target':>6} {'prep s':>6} {'json+pdf s':>10} {'docx s':>7}"
        f" {'peak MB':>7} {'naive s':>7} {'n-cpu s':>7} {'naive MB':>8} {'ratio':>6}"
    )
    for size in args.sizes:
        repeat = args.repeat if size <= 2000 else min(3, args.repeat)
        got = measure(size, "answer", repeat)
        base = measure(size, "naive", 1 if size > 2000 else min(repeat, 2)) if size <= args.naive_max else None
        nan = float("nan")
        ratio = f"{base['seconds'] / got['seconds']:.1f}x" if base else "—"
        print(
            f"{size:>7} {got['seconds']:>7.2f} {got['cpu']:>6.2f} {TARGETS.get(size, nan):>6.2f} {got['prepare']:>6.2f}"
            f" {got['pdf']:>10.2f} {got['docx_json']:>7.2f} {got['rss']:>7.0f}"
            f" {base['seconds'] if base else nan:>7.2f} {base['cpu'] if base else nan:>7.2f} {base['rss'] if base else nan:>8.0f}"
            f" {ratio:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
