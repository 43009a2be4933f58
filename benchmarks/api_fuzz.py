"""A larger fuzzing campaign of the portal's JSON API against its own OpenAPI document.

    .venv/bin/python benchmarks/api_fuzz.py [--examples 100]

The same machinery as tests/portal/test_api_fuzz.py (schemathesis, positive and negative cases,
real references and tokens fed in, checks: no 5xx, documented status, content type and body) on a
fresh demo world, with ``--examples`` cases per operation and generation mode. Prints one table:
operations, cases, 5xx, schema violations, seconds; the first violations follow, if any.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="cases per operation and generation mode")
    args = parser.parse_args()
    os.environ["DSR_PORTAL_WORKER"] = "0"  # jobs stay queued: the campaign measures the API alone

    from argon2 import PasswordHasher
    from argon2.low_level import Type
    from litestar.testing import TestClient

    from dsr.casefile import use_password_hasher
    from dsr.demo import generate
    from dsr.portal import create_app
    from tests.officer_world import make_world
    from tests.portal.test_api_fuzz import fuzz, seeded

    # as the test suite: real argon2id, with parameters small enough for thousands of logins
    use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID))
    folder = Path(tempfile.mkdtemp(prefix="dsr-api-fuzz-"))
    demo = generate(folder / "demo", schools=1, readers_per_school=20, loans_per_reader=3, seed=1)
    (folder / "world").mkdir()
    world = make_world(demo, folder / "world")
    console = Console()
    with TestClient(create_app(world.settings, engine=world.engine)) as client:
        known = seeded(world, client)
        campaign = fuzz(world, client, known, args.examples)
    table = Table(title=f"API fuzzing, {args.examples} examples per operation and mode")
    for column in ("operations", "cases", "5xx", "schema violations", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(
        str(len(campaign.cases)),
        str(campaign.total),
        str(campaign.server_errors),
        str(len(campaign.violations)),
        f"{campaign.seconds:.0f}",
    )
    console.print(table)
    console.print(f"statuses: {dict(sorted(campaign.statuses.items()))}")
    for violation in campaign.violations[:10]:
        console.print(violation, markup=False)
    world.engine.dispose()
    return 1 if campaign.server_errors or campaign.violations else 0


if __name__ == "__main__":
    raise SystemExit(main())
