"""The short crash-safety run (benchmarks/crash_safety.py has the ≥ 20 runs): two servers and two
workers on PostgreSQL; in each run a server is killed with SIGKILL while requests of intake,
rendering or dispatch are under way, and started again. Every receipt the client got has its
case, every case reaches dispatch, a submission sent again after no answer (same
Idempotency-Key) opens no second case, and no letter, mail or audit event is doubled.

Worker kills mid-job are the benchmark's: their job waits for the lease and the next minute's
sweep, longer than this test may take.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.crash_safety import campaign, row
from dsr.demo import DemoSummary

pytestmark = pytest.mark.slow


def test_killed_servers_lose_and_double_nothing(demo: DemoSummary, tmp_path: Path) -> None:
    began = time.monotonic()
    results = campaign(3, 2, 7, 10.0, tmp_path, demo, phases=("intake", "rendering", "dispatch"))
    print("\n" + "\n".join(row(n, r) for n, r in enumerate(results)))
    assert [r.kill is not None for r in results] == [True] * 3
    assert sum(r.acknowledged for r in results) == 6
    for r in results:
        assert (r.lost, r.incomplete, r.duplicate_cases) == (0, 0, 0), r.notes
        assert (r.duplicate_letters, r.duplicate_mails, r.duplicate_events) == (0, 0, 0), r.notes
    assert time.monotonic() - began < 90
