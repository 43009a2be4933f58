"""After a requester confirms their address, the worker searches the stores for them.

The officer opens the case and finds the candidates ready; re-verifying or the officer's own
"find candidates" never doubles jobs or candidates; a store outage fails only that store and
the job is retried.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.casepage import candidates_of
from dsr.casefile.schema import cases as case_table
from dsr.config import load
from dsr.demo import DemoSummary
from tests.officer_world import PASSWORD, SCHOOL, World, api_login, demo_config
from tests.portal.portal_setup import code_in, read_mail


def request_and_verify(world: World, client: Any) -> tuple[str, str]:
    """The pupil's request through the public API from her address on file, confirmed with the
    mailed code (which verifies her as the row holding that address); returns (reference, secret)."""
    p = world.demo.featured_pupil()
    r = client.post(
        "/api/public/requests?lang=de",
        json={
            "controller": SCHOOL,
            "types": ["access"],
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "date_of_birth": p.date_of_birth.isoformat(),
            "card_number": p.card_number,
        },
    )
    assert r.status_code == 201, r.text
    out = r.json()
    verify(world, client, out["verification_token"])
    return out["reference"], out["status_secret"]


def verify(world: World, client: Any, token: str) -> None:
    mail = read_mail(world.settings.base_dir / world.settings.portal.mail.directory)[-1]
    r = client.post(f"/api/public/verifications/{token}", json={"code": code_in(mail)})
    assert r.status_code == 200, r.text


def search_jobs(world: World, reference: str) -> list[casefile.Job]:
    with world.engine.connect() as conn:
        case_id = conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()
    return [j for j in casefile.jobs_of_case(world.engine, case_id) if j.kind == "find_candidates"]


def test_the_officer_finds_the_candidates_ready_after_verification(world: World, app_client: Any) -> None:
    client = app_client()
    ref, _ = request_and_verify(world, client)
    [job] = search_jobs(world, ref)
    assert job.state is casefile.JobState.QUEUED and set(job.progress) == {"school", "weblog"}
    assert "candidate search queued" in [e.action for e in casefile.history(world.engine, ref)]

    [done] = world.run_jobs()
    assert done.id == job.id and done.state is casefile.JobState.DONE and not done.failed_stores
    assert done.progress["school"] == {"state": "ok", "records": 1}

    officer = app_client()
    api_login(officer, "officer")
    detail = officer.get(f"/api/officer/cases/{ref}").json()
    [candidate] = detail["candidates"]
    assert candidate["strong"] and candidate["store"] == "school"
    # the confirmed address is on file for her: the code verified her, the officer may confirm
    assert candidate["email_on_file"] and candidate["verified_by"] == "email_code" and candidate["may_confirm"]
    assert [j["kind"] for j in detail["jobs"]] == ["find_candidates"]
    page = officer.get(f"/officer/cases/{ref}")
    assert candidate["reference"] in page.text


def test_verifying_again_or_searching_by_hand_adds_no_job_and_no_candidate(world: World, app_client: Any) -> None:
    client = app_client()
    ref, secret = request_and_verify(world, client)
    resent = client.post("/api/public/verifications?lang=de", json={"reference": ref, "status_secret": secret})
    assert resent.status_code == 200
    verify(world, client, resent.json()["verification_token"])
    assert len(search_jobs(world, ref)) == 1

    # the officer is quicker than the worker: their button still works ...
    officer = app_client()
    token = api_login(officer, "officer")
    r = officer.post(f"/api/officer/cases/{ref}/find-candidates", headers={"x-csrf-token": token})
    assert r.status_code == 200 and r.json()["status"] == "match"
    # ... and the queued job then leaves their result alone
    [done] = world.run_jobs()
    assert done.state is casefile.JobState.DONE  # without asking any store again:
    assert {p["state"] for p in done.progress.values()} == {"skipped"}
    # ... and the case page says so, instead of showing the stores waiting forever
    job_table = re.search(rf'<table id="job-{done.id}">.*?</table>', officer.get(f"/officer/cases/{ref}").text, re.S)
    assert job_table is not None
    # in words; the job's code only in the markup for scripts, never as text
    assert f"Auftrag {done.id} (Treffersuche): erledigt" in job_table.group(0)
    assert 'data-kind="find_candidates"' in job_table.group(0) and ">find_candidates<" not in job_table.group(0)
    assert job_table.group(0).count("nicht nötig") == len(done.progress) and "wartet" not in job_table.group(0)
    assert len(candidates_of(world.engine, world.officer, ref)) == 1
    assert [e.action for e in casefile.history(world.engine, ref)].count("candidates found") == 1

    # searching again by hand after the job replaces the candidates, it does not add to them
    officer.post(f"/api/officer/cases/{ref}/find-candidates", headers={"x-csrf-token": token})
    assert len(candidates_of(world.engine, world.officer, ref)) == 1
    assert len(search_jobs(world, ref)) == 1 and world.run_jobs() == []


def test_a_case_the_officer_already_moved_on_gets_no_search(world: World, app_client: Any) -> None:
    client = app_client()
    ref, secret = request_and_verify(world, client)
    world.run_jobs()
    [candidate] = candidates_of(world.engine, world.officer, ref)
    casefile.confirm_identity(world.engine, world.officer, ref, candidate.reference)
    resent = client.post("/api/public/verifications?lang=de", json={"reference": ref, "status_secret": secret})
    verify(world, client, resent.json()["verification_token"])
    assert len(search_jobs(world, ref)) == 1 and world.run_jobs() == []


@pytest.fixture
def school_later(demo: DemoSummary, tmp_path: Path) -> Any:
    """A world whose school database is not there yet; ``back()`` restores it."""
    config = demo_config(demo, tmp_path)
    school = tmp_path / "school-later.db"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            f'url = "sqlite:///school-{SCHOOL}.db"', f'url = "sqlite:///{school}"'
        ),
        encoding="utf-8",
    )
    settings = load(config)
    casefile.upgrade(settings.portal_database_url)
    engine = casefile.open_engine(settings.portal_database_url)
    officer = casefile.create_user(engine, "officer", PASSWORD, {SCHOOL: ["officer"]})
    world = World(settings, engine, demo, officer, officer, officer)
    yield world, lambda: shutil.copyfile(Path(demo.folder) / f"school-{SCHOOL}.db", school)
    engine.dispose()


def test_a_store_outage_fails_that_store_and_the_job_is_retried(
    school_later: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from litestar.testing import TestClient

    from dsr.portal import create_app
    from dsr.service.casework import handlers

    world, back = school_later
    monkeypatch.setenv("DSR_PORTAL_WORKER", "0")  # jobs run only where the test says
    with TestClient(create_app(world.settings, engine=world.engine)) as client:
        ref, _ = request_and_verify(world, client)
    [failed] = world.run_jobs()
    assert failed.state is casefile.JobState.QUEUED and failed.attempts == 1  # tried again after a pause
    assert failed.progress["school"]["state"] == "failed" and failed.progress["weblog"]["state"] == "ok"
    assert "ConnectorError" in failed.progress["school"]["error"] and "school" in (failed.error or "")
    assert candidates_of(world.engine, world.officer, ref) == []
    assert world.run_jobs() == []  # not due yet

    back()  # the store is reachable again; the worker's next attempt once the pause is over
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    again = casefile.run_next(world.engine, handlers(world.settings), now=lambda: later)
    assert again is not None and again.id == failed.id and again.state is casefile.JobState.DONE
    assert again.progress["school"]["state"] == "ok" and not again.failed_stores
    assert len(candidates_of(world.engine, world.officer, ref)) == 1
