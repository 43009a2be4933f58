"""How fast is a disclosure letter with a long appendix? Prints a table.

    .venv/bin/python benchmarks/letter.py                 # 300, 2 000, 20 000 records
    .venv/bin/python benchmarks/letter.py --sizes 300 2000 --naive-max 2000 --repeat 5

Every case runs in a fresh process (peak RSS is per process: the renderer's own and the
largest pool worker's). "letter" is ``render.pdf`` (paragraph per record, 1 000-record parts
in a process pool, pages numbered afterwards); "naive" renders the same appendix as one
WeasyPrint document with one big table. Times are the median of ``--repeat`` warm runs.
Targets: 300 ≤ 0.75 s, 2 000 ≤ 2 s, 20 000 ≤ 10 s and ≤ 400 MB per process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def run_case(size: int, mode: str, repeat: int) -> dict:
    from dsr import compose, register, render
    from dsr.compose import specimen

    reg = register.load("james-school")
    warm = compose.disclosure(specimen.SCHOOL, specimen.gathering(3), specimen.request("de"), register=reg)
    render.pdf(warm)  # fonts, templates and CSS loaded once, as in a running portal
    letter = compose.disclosure(specimen.SCHOOL, specimen.gathering(size), specimen.request("de"), register=reg)
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), _cpu()
        data = render.pdf(letter) if mode == "letter" else naive(letter)
        times.append(time.perf_counter() - start)
        cpu.append(_cpu() - start_cpu)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": statistics.median(times), "cpu": statistics.median(cpu), "rss": own, "worker_rss": kids, "bytes": len(data)}


def _cpu() -> float:
    """CPU seconds of this process and its finished pool workers: on a shared machine this is
    steadier than wall time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def naive(letter) -> bytes:
    """The appendix as one table in one document: the baseline the chunked renderer beats."""
    import html

    import weasyprint

    from dsr.render.fonts import TemplateFetcher
    from dsr.render.templates import base_url

    parts = ['<link rel="stylesheet" href="../base/style.css"><body>']
    for s in letter.sections:
        parts.append(f"<h3>{html.escape(s.title)}</h3><table class='records'><tr>")
        parts += [f"<th>{html.escape(c.label)}</th>" for c in s.columns]
        parts.append("</tr>")
        for row in s.rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row.values) + "</tr>")
        parts.append("</table>")
    return weasyprint.HTML(string="".join(parts), base_url=base_url("disclosure"), url_fetcher=TemplateFetcher()).write_pdf()


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
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per case (1 for 20 000)")
    parser.add_argument("--naive-max", type=int, default=2000, help="skip the naive baseline above this size (20 000 rows take minutes and GBs)")
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="letter", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.mode, args.repeat)))
        return
    targets = {300: 0.75, 2000: 2.0, 20000: 10.0}
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'records':>8} {'letter s':>9} {'cpu s':>6} {'target':>7} {'peak MB':>8} {'worker MB':>9} {'naive s':>8} {'cpu s':>6} {'naive MB':>9} {'ratio':>6}")
    for size in args.sizes:
        repeat = args.repeat if size <= 2000 else 1
        got = measure(size, "letter", repeat)
        base = measure(size, "naive", repeat) if size <= args.naive_max else None
        ratio = f"{base['seconds'] / got['seconds']:.1f}x" if base else "—"
        print(
            f"{size:>8} {got['seconds']:>9.2f} {got['cpu']:>6.1f} {targets.get(size, float('nan')):>7.2f} {got['rss']:>8.0f} {got['worker_rss']:>9.0f}"
            f" {base['seconds'] if base else float('nan'):>8.2f} {base['cpu'] if base else float('nan'):>6.1f}"
            f" {base['rss'] if base else float('nan'):>9.0f} {ratio:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
