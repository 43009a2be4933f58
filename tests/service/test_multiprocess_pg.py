"""Issue 16's "done when": two `dsr serve` and two `dsr worker` processes on one PostgreSQL portal
database with the demo stores; 200 requests through the public JSON API across both servers,
confirmed by their mailed codes, searched by the workers, confirmed by the officer with
gathering; every job runs exactly once and every case reaches review.

The oracles are the database's own rows: the job table (one job of each kind per case, one
attempt each), the audit trail (one "candidates found" and one move to review per case) and
procrastinate's table (no failed message).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.schema import cases, jobs
from dsr.casefile.schema import events as audit_events
from dsr.demo import DemoSummary
from tests.databases import fresh_database
from tests.officer_world import PASSWORD, SCHOOL
from tests.portal.portal_setup import read_mail
from tests.service.processes import portal_config, portal_running, wait_for

CASES = 200

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_config(demo: DemoSummary, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A config beside the demo stores with a fresh PostgreSQL portal database; (file, URL)."""
    database = fresh_database("postgresql", tmp_path)
    url = next(database)
    config = portal_config(
        demo.config, demo.config.with_name(f"dsr-mp-{uuid.uuid4().hex[:8]}.toml"), url, tmp_path / "mail"
    )
    try:
        yield config, url
    finally:
        config.unlink()
        next(database, None)


def job_rows(engine: sa.Engine) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(jobs.c.case_id, jobs.c.kind, jobs.c.state, jobs.c.attempts)))


def test_two_servers_and_two_workers_run_every_job_once(
    demo: DemoSummary, pg_config: tuple[Path, str], tmp_path: Path
) -> None:
    config, url = pg_config
    began = time.monotonic()
    engine = casefile.open_engine(url)
    with portal_running(config, tmp_path, servers=2, workers=2) as running:
        bases, processes = running.bases, running.processes
        casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]})  # after the migration
        pupil = demo.featured_pupil()
        assert pupil.date_of_birth is not None
        body = {
            "controller": SCHOOL,
            "types": ["access"],
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "email": pupil.email,
            "date_of_birth": pupil.date_of_birth.isoformat(),
            "card_number": pupil.card_number,
        }

        def submit(n: int) -> dict[str, Any]:
            r = httpx.post(f"{bases[n % 2]}/api/public/requests?lang=de", json=body, timeout=30)
            assert r.status_code == 201, r.text
            out: dict[str, Any] = r.json()
            return out

        with ThreadPoolExecutor(8) as pool:
            receipts = list(pool.map(submit, range(CASES)))
        print(f"\nsubmitted {time.monotonic() - began:.1f}")
        references = {r["reference"] for r in receipts}
        assert len(references) == CASES

        # each mail's link names its token and code: confirm every address, again across both servers
        codes = dict(
            re.findall(r"/verify/([^#\s]+)#code=([A-Z0-9]{8})", m.get_body(("plain",)).get_content())[0]  # type: ignore[union-attr]
            for m in read_mail(tmp_path / "mail")
        )

        def confirm(n: int) -> None:
            token = receipts[n]["verification_token"]
            r = httpx.post(f"{bases[(n + 1) % 2]}/api/public/verifications/{token}", json={"code": codes[token]})
            assert r.status_code == 200, r.text

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(confirm, range(CASES)))
        print(f"verified {time.monotonic() - began:.1f}")
        searched = lambda: sum(j.kind == "find_candidates" and j.state == "done" for j in job_rows(engine))  # noqa: E731
        wait_for(lambda: searched() == CASES, 90, "the candidate searches")

        print(f"searched {time.monotonic() - began:.1f}")
        # the officer confirms the pupil and starts gathering, on both servers
        officers = [httpx.Client(base_url=b, timeout=30) for b in bases]
        tokens = [_login(c) for c in officers]

        def gather(n: int) -> None:
            client, token = officers[n % 2], tokens[n % 2]
            ref = receipts[n]["reference"]
            [candidate] = client.get(f"/api/officer/cases/{ref}").json()["candidates"]
            r = client.post(
                f"/api/officer/cases/{ref}/confirm-identity",
                json={"candidate": candidate["reference"], "gather": True},
                headers={"x-csrf-token": token},
            )
            assert r.status_code == 200 and r.json()["done"] == "confirm_identity_and_gather", r.text

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(gather, range(CASES)))
        for client in officers:
            client.close()
        print(f"confirmed {time.monotonic() - began:.1f}")
        reviewed = lambda: _states(engine).get("review", 0)  # noqa: E731
        wait_for(lambda: reviewed() == CASES, 420, "the gathering")  # ~60 s alone; generous for a shared CI machine
        assert [p.poll() for p in processes] == [None] * 4  # nothing crashed on the way
        with engine.connect() as conn:  # both workers are procrastinate workers of this database
            assert conn.execute(sa.text("SELECT count(*) FROM procrastinate_workers")).scalar_one() == 2
    elapsed = time.monotonic() - began

    rows = job_rows(engine)
    assert Counter((j.kind, j.state, j.attempts) for j in rows) == {
        ("find_candidates", "done", 1): CASES,
        ("gather", "done", 1): CASES,
    }
    assert Counter(j.case_id for j in rows) == {case_id: 2 for case_id in {j.case_id for j in rows}}
    with engine.connect() as conn:
        events = list(conn.execute(sa.select(audit_events.c.case_ref, audit_events.c.action, audit_events.c.detail)))
        failed = conn.execute(sa.text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'"))
        assert failed.scalar_one() == 0
    found = Counter(e.case_ref for e in events if e.action == "candidates found")
    to_review = Counter(
        e.case_ref for e in events if e.action == "state changed" and json.loads(e.detail).get("to") == "review"
    )
    assert found == to_review == {ref: 1 for ref in references}
    print(f"\n{CASES} cases, 2 servers, 2 workers: {elapsed:.1f} s")
    engine.dispose()


def _login(client: httpx.Client) -> str:
    r = client.post("/api/officer/login", json={"username": "officer", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def _states(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            state: count
            for state, count in conn.execute(sa.select(cases.c.state, sa.func.count()).group_by(cases.c.state))
        }
