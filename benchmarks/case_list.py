"""The officer's case list with 100 000 cases on PostgreSQL: the first page in ≤ 100 ms.

    .venv/bin/python benchmarks/case_list.py [--cases 100000] [--repeat 20] [--keep]

Creates a fresh database (dsr_bench_cases_<random>) on the local PostgreSQL, migrates it, bulk-inserts
--cases cases (3 controllers, states weighted like a working office, receipt dates over four years,
German names from Faker, a requester for one case in five, an assignee for most open cases) and
times :func:`dsr.casefile.caselist.case_list` — the function the page and the API call — for the
first page: default sort (due date), the officer's own cases, a name search, an e-mail search and
the overdue filter. Prints the median and worst time, the peak memory of this process and the ratio
against the target. The database is dropped afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dsr import casefile  # noqa: E402
from dsr.casefile.case import search_key  # noqa: E402
from dsr.casefile.caselist import CaseFilter, case_list  # noqa: E402
from dsr.casefile.schema import cases, memberships, parties, users  # noqa: E402
from dsr.config import DEFAULT_ZONE as BERLIN  # noqa: E402
from dsr.pipeline.deadlines import due_date  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 100.0
CONTROLLERS = {"gym-musterstadt": "BY", "gym-regensburg": "BY", "vendor": "BY"}
#: a working office: most cases long closed, a few dozen open
STATES = [
    ("closed", 80),
    ("dispatched", 6),
    ("refused", 2),
    ("withdrawn", 2),
    ("received", 3),
    ("identity_pending", 1),
    ("identity_confirmed", 1),
    ("gathering", 1),
    ("review", 2),
    ("prepared", 1),
    ("approved", 1),
]
BATCH = 5000


def fill(engine: sa.Engine, count: int, seed: int = 1) -> casefile.User:
    """``count`` cases in bulk; returns the officer the list is timed for (all three controllers)."""
    from faker import Faker

    fake = Faker("de_DE")
    Faker.seed(seed)
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    state_names = [s for s, _ in STATES]
    weights = [w for _, w in STATES]
    with engine.begin() as conn:
        staff = []
        for i in range(6):
            staff.append(
                conn.execute(
                    sa.insert(users)
                    .values(username=f"staff{i}", password_hash="x", failed_logins=0, active=True, created_at=now)
                    .returning(users.c.id)
                ).scalar_one()
            )
            for controller in CONTROLLERS:
                conn.execute(sa.insert(memberships).values(user_id=staff[-1], controller=controller, role="officer"))
    references: set[str] = set()
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        case_rows = []
        for _ in range(size):
            received = now - dt.timedelta(seconds=rng.randrange(4 * 365 * 86400))
            controller = rng.choice(list(CONTROLLERS))
            state = rng.choices(state_names, weights)[0]
            reference = f"DSR-{received.astimezone(BERLIN).year}-{uuid.uuid4().hex[:6].upper()}"
            while reference in references:
                reference = f"DSR-{received.astimezone(BERLIN).year}-{uuid.uuid4().hex[:6].upper()}"
            references.add(reference)
            ended = state in ("closed", "dispatched", "refused", "withdrawn")
            case_rows.append(
                {
                    "reference": reference,
                    "controller": controller,
                    "land": CONTROLLERS[controller],
                    "state": state,
                    "request_types": ["access"] if rng.random() < 0.8 else ["access", "copy"],
                    "acting": "parent" if rng.random() < 0.2 else "self",
                    "channel": rng.choice(["portal", "portal", "portal", "post", "email"]),
                    "received_at": received,
                    "due_on": due_date(received, CONTROLLERS[controller]),
                    "extension_months": 0,
                    "status_secret_hash": "0" * 64,
                    "assignee": rng.choice(staff) if (not ended or rng.random() < 0.9) and rng.random() < 0.8 else None,
                    "closed_at": received + dt.timedelta(days=20) if ended else None,
                    "created_at": received,
                    "updated_at": received,
                }
            )
        with engine.begin() as conn:
            conn.execute(sa.insert(cases), case_rows)
            ids = dict(
                conn.execute(
                    sa.select(cases.c.reference, cases.c.id).where(
                        cases.c.reference.in_([r["reference"] for r in case_rows])
                    )
                ).all()
            )
            party_rows = []
            for row in case_rows:
                first, last = fake.first_name(), fake.last_name()
                party_rows.append(_party(ids[row["reference"]], "subject", first, last, rng))
                if row["acting"] == "parent":
                    party_rows.append(_party(ids[row["reference"]], "requester", fake.first_name(), last, rng))
            conn.execute(sa.insert(parties), party_rows)
        done += size
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return casefile.User(
        id=staff[0],
        username="staff0",
        active=True,
        totp_enabled=True,
        roles={c: frozenset({"officer"}) for c in CONTROLLERS},
    )


def _party(case_id: int, role: str, first: str, last: str, rng: random.Random) -> dict[str, object]:
    email = f"{first}.{last}{rng.randrange(100)}@example.org".lower().replace(" ", "")
    return {
        "case_id": case_id,
        "role": role,
        "descriptor": {"first_name": first, "last_name": last, "email": email},
        "name": f"{first} {last}",
        "search": search_key(f"{first} {last}", email),
        "email": email,
    }


def timed(engine: sa.Engine, user: casefile.User, wanted: CaseFilter, repeat: int) -> tuple[float, float, int]:
    """Median and worst milliseconds of the first page, and how many cases matched."""
    case_list(engine, user, wanted)  # warm the connection pool and the plan cache
    times = []
    total = 0
    for _ in range(repeat):
        start = time.perf_counter()
        found = case_list(engine, user, wanted)
        times.append((time.perf_counter() - start) * 1000)
        total = found.total
    return statistics.median(times), max(times), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="do not drop the database afterwards")
    args = parser.parse_args()
    console = Console()
    name = f"dsr_bench_cases_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        casefile.upgrade(url)
        engine = casefile.open_engine(url)
        start = time.perf_counter()
        user = fill(engine, args.cases)
        console.print(f"{args.cases:,} cases inserted in {time.perf_counter() - start:.1f} s ({name})")
        with engine.connect() as conn:
            someone = conn.execute(
                sa.select(parties.c.name, parties.c.email).where(parties.c.role == "subject").limit(1).offset(4321)
            ).one()
        scenarios = [
            ("first page, due date", CaseFilter()),
            ("my cases", CaseFilter(assigned="mine")),
            ("not assigned", CaseFilter(assigned="unassigned")),
            ("open, overdue", CaseFilter(overdue=True)),
            (f"name search ({someone.name.split()[-1]})", CaseFilter(text=someone.name.split()[-1])),
            ("first and last name", CaseFilter(text=someone.name)),
            ("e-mail search", CaseFilter(text=someone.email)),
            ("state received", CaseFilter(states=(casefile.CaseState.RECEIVED,))),
        ]
        table = Table(title=f"case list, first page of 50, {args.cases:,} cases, PostgreSQL")
        for column in ("scenario", "matches", "median ms", "worst ms", "ratio to 100 ms"):
            table.add_column(column, justify="left" if column == "scenario" else "right")
        for label, wanted in scenarios:
            median, worst, total = timed(engine, user, wanted, args.repeat)
            table.add_row(label, f"{total:,}", f"{median:.1f}", f"{worst:.1f}", f"{median / TARGET_MS:.2f}")
        tracemalloc.start()  # apart from the timings: tracing slows Python down
        for _, wanted in scenarios:
            case_list(engine, user, wanted)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        console.print(table)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        console.print(
            f"peak memory: {traced_peak / 1e6:.1f} MB allocated while listing, {peak:.0f} MB RSS of this process"
            f" · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} · target ≤ {TARGET_MS:.0f} ms"
        )
        engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


if __name__ == "__main__":
    main()
