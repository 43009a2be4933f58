"""Gather time for one reader: a school of 1 000 readers against one of 100 000 (≈ 5 M loans).

Target (foundation issue): ≤ 100 ms per reader at 100 000 readers, and big/small ≤ 1.5.

    .venv/bin/python benchmarks/gather.py [--big 100000] [--small 1000] [--samples 60] [--dir /tmp/dsr-bench]

The stores are generated once into --dir (the big one takes minutes) and reused. Timed per
reader: identify by card number + gather from the school database (warm connector, as in the
portal's worker). Prints a table; record the result in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from dsr import Descriptor, resolve
from dsr.demo.school import populate_school
from dsr.pipeline import gather
from dsr_connectors.james import MAPPINGS
from dsr_connectors.sql import SQLConnector


def store(folder: Path, readers: int, loans_per_reader: int) -> Path:
    path = folder / f"school-{readers}.db"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_suffix(".partial")
        tmp.unlink(missing_ok=True)
        populate_school(tmp, index=0, readers=readers, loans_per_reader=loans_per_reader, seed=11)
        tmp.rename(path)
        print(f"generated {path} in {time.perf_counter() - started:.0f} s")
    return path


#: pupils without staff roles: the typical reader
PUPILS = "kind = 'student' AND (roles IS NULL OR roles = '')"
#: teachers, library staff and pupil helpers also get "loans you issued", which scans the loan
#: table: James has no index on loan.issued_by_id
STAFF = "kind IN ('teacher', 'staff') OR (roles IS NOT NULL AND roles <> '')"


def measure(path: Path, samples: int, who: str = PUPILS) -> dict[str, float]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as c:
        cards = [
            r
            for (r,) in c.execute(sa.text(f"SELECT card_number FROM person WHERE card_number IS NOT NULL AND ({who})"))
        ]
        loans = c.execute(sa.text("SELECT count(*) FROM loan")).scalar_one()
        readers = c.execute(sa.text("SELECT count(*) FROM person")).scalar_one()
    engine.dispose()
    rng = random.Random(5)
    picked = rng.sample(cards, min(samples, len(cards)))
    connector = SQLConnector("school", f"sqlite:///{path}", MAPPINGS["james-school"], controller="bench")
    # warm-up: schema reflection and caches, as a long-running worker has them
    subject = resolve("bench", [connector], Descriptor(card_number=picked[0])).subject
    list(gather(subject, [connector]).records)
    times, records = [], []
    for card in picked:
        started = time.perf_counter()
        subject = resolve("bench", [connector], Descriptor(card_number=card)).subject
        g = gather(subject, [connector])
        times.append(time.perf_counter() - started)
        records.append(len(g.records))
    connector.close()
    times.sort()
    return {
        "readers": readers,
        "loans": loans,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(0.95 * (len(times) - 1))] * 1000,
        "max_ms": times[-1] * 1000,
        "records": statistics.median(records),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--small", type=int, default=1_000)
    p.add_argument("--big", type=int, default=100_000)
    p.add_argument("--loans-per-reader", type=int, default=50)
    p.add_argument("--samples", type=int, default=60)
    p.add_argument("--dir", type=Path, default=Path("/tmp/dsr-bench"))
    args = p.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for label, readers in (("small", args.small), ("big", args.big)):
        results[label] = measure(store(args.dir, readers, args.loans_per_reader), args.samples)
    for label, readers in (("small, staff", args.small), ("big, staff", args.big)):
        results[label] = measure(store(args.dir, readers, args.loans_per_reader), 10, STAFF)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table(
        title="gather one reader (identify by card + gather school database, SQLite, warm); pupils, then staff and pupil helpers"
    )
    for col in (
        "store",
        "readers",
        "loans",
        "records/reader (median)",
        "median ms",
        "p95 ms",
        "max ms",
        "ratio vs small",
    ):
        table.add_column(col, justify="right")
    for label, r in results.items():
        base = results["small, staff" if "staff" in label else "small"]["median_ms"]
        table.add_row(
            label,
            f"{r['readers']:,}",
            f"{r['loans']:,}",
            f"{r['records']:.0f}",
            f"{r['median_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['max_ms']:.1f}",
            f"{r['median_ms'] / base:.2f}",
        )
    console = Console()
    console.print(table)
    console.print(f"peak RSS of this process: {peak_mb:.0f} MB · target: ≤ 100 ms at {args.big:,} readers, ratio ≤ 1.5")


if __name__ == "__main__":
    main()
