"""How fast the web-log connector finds one reader's lines, and in how much memory.

    .venv/bin/python benchmarks/weblog.py [--mb 300] [--dir /tmp/dsr-weblog-bench]

Builds a combined-format log of about ``--mb`` megabytes (once; reused while its size fits),
a gzip'd rotation of a fifth of it, and a slice for the baseline. Each measurement runs in a
fresh process so that its peak memory (max RSS) is its own. The baseline is what the connector
avoids: decoding and regex-parsing every line. MB/s is per CPU second (one core), so the
numbers hold on a busy machine; wall time is shown too.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = "lea.k"  # the reader being searched for: also a prefix of "lea.kr"
MB = 1024 * 1024


# ------------------------------------------------------------------ building the logs


def _lines(rng: random.Random, n: int) -> list[bytes]:
    agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148",
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ]
    logins = [f"user{i}" for i in range(2000)] + ["lea.kr", "-", "-", "-"]
    tenants = ["gym-musterstadt", "rs-nord", "gs-sued"]
    hosts = ["203.0.113.10", "2001:db8:85a3::8a2e:370:7334", "p5b0a12cd.dip0.t-ipconnect.de"] + [
        f"198.51.{i % 256}.{i // 256}" for i in range(500)
    ]
    out = []
    for i in range(n):
        user = TARGET if i % 20000 == 7 else "Lea.K@Example.org" if i % 20000 == 13 else rng.choice(logins)
        zone = rng.choice(["+0100", "+0200", "-0500"])
        path = f"/opac/{rng.choice(tenants)}/search?q=title{rng.randrange(10**6)}&page={rng.randrange(9)}"
        if "@" in user:
            path = f"/kunden/rechnungen/{rng.randrange(10**5)}"
        out.append(
            f"{rng.choice(hosts)} - {user} [{rng.randrange(1, 29):02d}/Mar/2026:{rng.randrange(24):02d}:"
            f'{rng.randrange(60):02d}:{rng.randrange(60):02d} {zone}] "GET {path} HTTP/1.1" 200 '
            f'{rng.randrange(100, 90000)} "https://opac.example.de/opac/{tenants[0]}/" "{rng.choice(agents)}"\n'.encode()
        )
    return out


def build(directory: Path, mb: int) -> dict[str, Path]:
    plain, archive, sliced = directory / "plain", directory / "gz", directory / "slice"
    for d in (plain, archive, sliced):
        d.mkdir(parents=True, exist_ok=True)
    paths = {"plain": plain, "gz": archive, "slice": sliced}
    log = plain / "access.log"
    if log.exists() and abs(log.stat().st_size - mb * MB) < MB * 8:
        return paths
    rng = random.Random(42)
    pool = _lines(rng, 200_000)  # ~45 MB of distinct lines, repeated with a shift
    with open(log, "wb") as f:
        shift = 0
        while f.tell() < mb * MB:
            f.write(b"".join(pool[shift:] + pool[:shift]))
            shift += 7919
    with open(log, "rb") as src:
        data = src.read(mb * MB // 5)
        data = data[: data.rfind(b"\n") + 1]
    with gzip.open(archive / "access.log.1.gz", "wb", compresslevel=6) as f:
        f.write(data)
    (sliced / "access.log").write_bytes(data[: 50 * MB][: data[: 50 * MB].rfind(b"\n") + 1])
    return paths


# ------------------------------------------------------------------ one measurement (child process)


def measure(variant: str, directory: Path) -> dict:
    from dsr.model import Identifier, IdentifierKind, Subject
    from dsr_connectors.weblog import WebLogConnector
    from dsr_connectors.weblog.files import blocks, log_files
    from dsr_connectors.weblog.line import parse

    subject = Subject(
        controller="bench",
        reference="R",
        identifiers=frozenset(
            {
                Identifier(IdentifierKind.LOGIN, TARGET),
                Identifier(IdentifierKind.EMAIL, "lea.k@example.org"),
            }
        ),
    )
    started_rss = _peak_kb()
    wall, cpu = time.perf_counter(), time.process_time()
    if variant == "baseline":  # decode and parse every line
        hits, size = 0, 0
        for path in log_files(directory):
            for block, _ in blocks(path):
                size += len(block)
                for raw in block.decode("utf-8", errors="replace").splitlines():
                    line = parse(raw)
                    hits += line is not None and line.user == TARGET
    else:
        scope = "site" if variant == "site" else "catalogue"
        c = WebLogConnector("log", directory, scope, tenant_key="gym-musterstadt" if scope == "catalogue" else None)
        hits = sum(1 for _ in c.records(subject))
        size = c.tally.bytes
    return {
        "bytes": size,
        "hits": hits,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rss_start_kb": started_rss,
        "rss_peak_kb": _peak_kb(),
    }


def _peak_kb() -> int:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec
    from the parent, which here holds the generated log in memory."""
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmHWM:"):
            return int(row.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(variant: str, directory: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", variant, str(directory)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=300)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/dsr-weblog-bench"))
    ap.add_argument("--child", nargs=2, metavar=("VARIANT", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]))))
        return
    paths = build(args.dir, args.mb)
    runs = [
        ("baseline: parse every line (50 MB)", "baseline", paths["slice"]),
        ("connector: one login, plain", "catalogue", paths["plain"]),
        ("connector: one login, gzip", "catalogue", paths["gz"]),
        ("connector: one e-mail, any case", "site", paths["plain"]),
    ]
    results = [(label, run_child(variant, d)) for label, variant, d in runs]
    base = results[0][1]["bytes"] / results[0][1]["cpu"]
    header = f"{'run':38} {'MB':>7} {'hits':>6} {'wall s':>7} {'cpu s':>7} {'MB/s cpu':>9} {'peak RSS MB':>12} {'vs baseline':>12}"
    print(header)
    print("-" * len(header))
    for label, r in results:
        rate = r["bytes"] / r["cpu"]
        print(
            f"{label:38} {r['bytes'] / MB:7.0f} {r['hits']:6d} {r['wall']:7.2f} {r['cpu']:7.2f} "
            f"{rate / MB:9.0f} {r['rss_peak_kb'] / 1024:12.1f} {rate / base:11.1f}x"
        )
    print(
        f"\n(peak RSS includes the interpreter and imports: {results[1][1]['rss_start_kb'] / 1024:.1f} MB before reading)"
    )


if __name__ == "__main__":
    main()
