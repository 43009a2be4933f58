"""What a near-miss search costs (issue "the right person", resolution folding).

When no store finds a candidate, each SQL store looks for names the request may have spelt another way:
indexed lookups of the spellings the typed last name may be stored in and of the birth date, and —
only if those find nobody — one streamed read of the people table. Baseline: resolving a reader by card
number (one indexed lookup).

    .venv/bin/python benchmarks/near_miss.py [--sizes 1000 20000] [--samples 30] [--dir /tmp/dsr-bench]

Stores are generated once into --dir and reused. Prints a table; record it in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import time
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from dsr import Descriptor, ResolutionStatus, resolve
from dsr.demo.school import populate_school
from dsr_connectors.james import MAPPINGS
from dsr_connectors.sql import SQLConnector

GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def store(folder: Path, readers: int) -> Path:
    path = folder / f"near-school-{readers}.db"
    if not path.exists():
        tmp = path.with_suffix(".partial")
        tmp.unlink(missing_ok=True)
        populate_school(tmp, index=0, readers=readers, loans_per_reader=2, seed=13)
        tmp.rename(path)
    return path


def median_ms(samples: list[Descriptor], connector: SQLConnector, expect: set[ResolutionStatus]) -> float:
    times = []
    for descriptor in samples:
        started = time.perf_counter()
        status = resolve("gym", [connector], descriptor).status
        times.append((time.perf_counter() - started) * 1000)
        assert status in expect, (descriptor, status)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/dsr-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(5)
    table = Table(title="resolve one request (SQLite, warm connector): median ms of the samples")
    for col in (
        "readers",
        "card (baseline)",
        "other spelling + birth date",
        "stranger + birth date",
        "stranger, name only",
    ):
        table.add_column(col, justify="right")
    for readers in args.sizes:
        path = store(args.dir, readers)
        engine = sa.create_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            people = conn.execute(
                sa.text(
                    "SELECT card_number, first_name, last_name, date_of_birth FROM person WHERE card_number IS NOT NULL"
                )
            ).all()
        umlauts = [p for p in people if p.last_name.translate(GERMAN) != p.last_name] or people
        connector = SQLConnector("school", engine, MAPPINGS["james-school"], controller="gym")
        born = [dt.date.fromisoformat(str(p.date_of_birth)[:10]) for p in rng.sample(people, args.samples)]
        cases: list[tuple[list[Descriptor], set[ResolutionStatus]]] = [
            (
                [Descriptor(card_number=p.card_number) for p in rng.sample(people, args.samples)],
                {ResolutionStatus.MATCH},
            ),
            (
                [
                    Descriptor(
                        first_name=p.first_name,
                        last_name=p.last_name.translate(GERMAN),
                        date_of_birth=dt.date.fromisoformat(str(p.date_of_birth)[:10]),
                    )
                    for p in (rng.choice(umlauts) for _ in range(args.samples))
                ],
                {ResolutionStatus.AMBIGUOUS, ResolutionStatus.MATCH},
            ),
            (
                [
                    Descriptor(first_name="Quirin", last_name=f"Xylander{i}", date_of_birth=b)
                    for i, b in enumerate(born)
                ],
                {ResolutionStatus.UNKNOWN, ResolutionStatus.AMBIGUOUS},
            ),
            (
                [Descriptor(first_name="Quirin", last_name=f"Xylander{i}") for i in range(args.samples)],
                {ResolutionStatus.UNKNOWN},
            ),
        ]
        medians = [median_ms(samples, connector, expect) for samples, expect in cases]
        table.add_row(str(readers), *(f"{m:.1f} ({m / medians[0]:.0f}×)" for m in medians))
        connector.close()
        engine.dispose()
    Console().print(table)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
