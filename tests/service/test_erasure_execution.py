"""Executing approved erasure plans on a James school database (SQLite, PostgreSQL, MariaDB):
issue #14, "Execution only after approval", holds, the erasure log and its replay, a crash.

The oracle for "nothing of anybody else touched" is the write side's test: which rows are the
pupil's is decided by SQL on the person columns, and every other row must come out identical.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import erasure as cf
from dsr.casefile.schema import events
from dsr.config import Settings, load
from dsr.demo import populate_school
from dsr.pipeline.erasure import PlannedOutcome
from dsr.service import erasure
from dsr.service.staff import portal_engine
from dsr.writing import Target
from dsr_connectors.james import MAPPINGS
from dsr_connectors.sql import SQLConnector
from tests.connectors.sql.test_sql_writing import dump, problems, subject
from tests.connectors.sql.test_vendor import vendor  # noqa: F401 - the fixture
from tests.databases import DIALECTS, fresh_database
from tests.settings import controller_toml

TODAY = dt.date(2026, 3, 2)
T = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class World:
    def __init__(self, tmp_path: Path, url: str, pupil: int) -> None:
        self.url, self.pupil, self.tmp = url, pupil, tmp_path
        self.config = tmp_path / "dsr.toml"
        self.config.write_text(
            f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n'
            f'[portal]\ndatabase_url = "sqlite:///{tmp_path / "cases.db"}"\n' + controller_toml(url)
        )
        self.settings: Settings = load(self.config)
        self.engine = portal_engine(self.settings)
        self.store = sa.create_engine(url)
        self.officer = casefile.create_user(self.engine, "officer", "pw-o", {"gym": ["officer", "approver"]}, now=T)
        self.second = casefile.create_user(self.engine, "second", "pw-s", {"gym": ["officer", "approver"]}, now=T)

    def connector(self) -> SQLConnector:
        return SQLConnector("school", self.url, MAPPINGS["james-school"])

    def plan(self, today: dt.date = TODAY) -> erasure.ErasurePlan:
        c = self.connector()
        try:
            who = subject(c, self.pupil)
        finally:
            c.close()
        return erasure.make_plan(self.settings, "gym", who, today=today)

    def approved(self, today: dt.date = TODAY) -> erasure.ErasurePlan:
        plan = self.plan(today)
        erasure.propose(self.engine, plan, actor=self.officer)
        erasure.approve(self.engine, plan.id, self.second)
        return plan

    def sql(self, statement: str, **values: object) -> None:
        with self.store.begin() as conn:
            conn.execute(sa.text(statement), values)

    def close(self) -> None:
        self.engine.dispose()
        self.store.dispose()


def _school(url: str) -> int:
    """A generated school; the pupil with the most rows has left, every fee of theirs is paid and
    every loan returned (a test opens what it needs)."""
    populate_school(url, readers=20, loans_per_reader=5, seed=3)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        pupil = (
            conn.execute(
                sa.text(
                    "SELECT p.id FROM person p WHERE p.kind = 'student' ORDER BY"
                    " (SELECT count(*) FROM loan l WHERE l.person_id = p.id) DESC, p.id"
                )
            )
            .scalars()
            .first()
        )
        conn.execute(sa.text("UPDATE person SET left_at = :d WHERE id = :p"), {"d": dt.date(2025, 7, 31), "p": pupil})
        conn.execute(
            sa.text("UPDATE loan SET returned_at = :t WHERE person_id = :p AND returned_at IS NULL"),
            {"t": dt.datetime(2025, 7, 1), "p": pupil},
        )
        conn.execute(
            sa.text("UPDATE fee SET paid_at = :t WHERE person_id = :p AND paid_at IS NULL AND waived_at IS NULL"),
            {"t": dt.datetime(2025, 7, 1), "p": pupil},
        )
    engine.dispose()
    assert isinstance(pupil, int)
    return pupil


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, db_url, _school(db_url))
    yield w
    w.close()


def test_execution_needs_an_approved_plan_and_touches_nobody_else(world: World) -> None:
    plan = world.plan()
    assert {a.outcome for a in plan.actions} >= {PlannedOutcome.ERASE}
    erasure.propose(world.engine, plan, actor=world.officer)
    before = dump(world.store)
    with pytest.raises(casefile.TransitionRefused) as refused:
        erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    assert refused.value.code == "plan_not_approved"
    assert dump(world.store) == before  # nothing touched before approval

    with pytest.raises(casefile.TransitionRefused):
        erasure.approve(world.engine, plan.id, world.officer)  # the proposer
    erasure.approve(world.engine, plan.id, world.second)
    done = erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    after = dump(world.store)
    assert problems(before, after, {world.pupil}) == []
    assert done.changed == len(done.erased) > 0 and not done.again
    # the log: ids and actions only, every line completed
    lines = cf.log_entries(world.engine, plan.id)
    assert len(lines) == len(done.erased) + len(done.restricted) and all(e.done_at for e in lines)
    exported = erasure.export_log(world.engine, plan.id).decode()
    name = before["person"][world.pupil]["last_name"]
    assert name not in exported and (before["person"][world.pupil]["email"] or "@@") not in exported

    # executing again changes nothing and adds nothing
    again = erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    assert again.again and again.changed == 0
    assert dump(world.store) == after
    assert len(cf.log_entries(world.engine, plan.id)) == len(lines)
    assert len(cf.notices_of_plan(world.engine, plan.id)) == len(plan.recipients)
    assert casefile.verify(world.engine).ok


def test_art19_tasks_one_per_recipient_closed(world: World) -> None:
    plan = world.approved()
    assert plan.recipients, "the school register names recipients of the pupil's activities"
    done = erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    tasks = cf.notices_of_plan(world.engine, plan.id)
    assert [t.id for t in tasks] == list(done.notices)
    assert [(t.activity, t.recipient) for t in tasks] == [(r.activity, dict(r.name)) for r in plan.recipients]
    for task in tasks:
        cf.close_notice(world.engine, world.officer, task.id, "done", channel="email")
    assert {t.state for t in cf.notices_of_plan(world.engine, plan.id)} == {cf.NoticeState.DONE}


def test_an_open_loan_is_restricted_and_erased_by_run_holds_once_returned(world: World) -> None:
    with world.store.connect() as conn:
        loan = conn.execute(sa.text("SELECT min(id) FROM loan WHERE person_id = :p"), {"p": world.pupil}).scalar_one()
    world.sql("UPDATE loan SET returned_at = NULL WHERE id = :i", i=loan)
    target = Target("school", "loan", str(loan))
    plan = world.approved()
    (action,) = [a for a in plan.actions if a.target == target]
    assert action.outcome is PlannedOutcome.RESTRICT and action.erase_on is None
    done = erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    assert target in done.restricted
    assert target in erasure.restricted(world.engine, "gym")
    held = {h.target: h for h in erasure.due_holds(world.engine, world.settings, TODAY)}
    assert not held[target].due and "open_loan" in held[target].waiting

    nothing = erasure.run_holds(world.engine, world.settings, TODAY, "cron")
    assert target not in nothing.erased
    with world.store.connect() as conn:
        assert conn.execute(sa.text("SELECT person_id FROM loan WHERE id = :i"), {"i": loan}).scalar_one() == (
            world.pupil
        )

    world.sql("UPDATE loan SET returned_at = :t WHERE id = :i", t=dt.datetime(2026, 3, 5), i=loan)
    assert {h.target: h.due for h in erasure.due_holds(world.engine, world.settings, TODAY)}[target]
    ran = erasure.run_holds(world.engine, world.settings, TODAY, "cron")
    assert target in ran.erased
    with world.store.connect() as conn:
        assert conn.execute(sa.text("SELECT person_id FROM loan WHERE id = :i"), {"i": loan}).scalar_one() is None
    assert target not in erasure.restricted(world.engine, "gym")
    # again: nothing more
    assert erasure.run_holds(world.engine, world.settings, TODAY, "cron").erased == ()
    with world.engine.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(events.c.action))]
    assert "restriction erased" in actions and actions.count("holds run") == 3


@pytest.fixture(params=DIALECTS)
def restored(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two databases of one dialect: the live one and its backup (built the same way)."""
    first, second = fresh_database(request.param, tmp_path), fresh_database(request.param, tmp_path / "backup")
    (tmp_path / "backup").mkdir()
    yield next(first), next(second)
    next(first, None)
    next(second, None)


def test_the_log_replayed_onto_a_restored_backup_gives_the_same_database(
    restored: tuple[str, str], tmp_path: Path
) -> None:
    live, backup = restored
    world = World(tmp_path, live, _school(live))
    assert _school(backup) == world.pupil
    try:
        plan = world.approved()
        erasure.execute(world.engine, world.settings, plan.id, actor="cli")
        log = erasure.export_log(world.engine, plan.id)
        backup_settings = load(_config_for(tmp_path, backup))
        copy = sa.create_engine(backup)
        before_replay = dump(copy)
        assert before_replay != dump(world.store)
        replayed = erasure.replay(backup_settings, log.splitlines())
        assert replayed.steps == len(log.splitlines()) and replayed.changed > 0
        assert _stampless(dump(copy)) == _stampless(dump(world.store))
        copy.dispose()
    finally:
        world.close()


def _config_for(tmp_path: Path, url: str) -> Path:
    file = tmp_path / "backup.toml"
    file.write_text(
        f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n'
        f'[portal]\ndatabase_url = "sqlite:///{tmp_path / "other.db"}"\n' + controller_toml(url)
    )
    return file


def _stampless(d: dict[str, dict[object, dict[str, object]]]) -> dict[str, dict[object, dict[str, object]]]:
    """The columns erasure stamps with the time it ran (``anonymized_at``, ``updated_at``): set or not."""
    stamps = {"anonymized_at", "updated_at"}
    return {
        t: {k: {c: (v is not None) if c in stamps else v for c, v in r.items()} for k, r in rows.items()}
        for t, rows in d.items()
    }


CRASH = """
import sys
from dsr.config import load
from dsr.service import erasure
from dsr.service.staff import portal_engine
settings = load(sys.argv[1])
erasure.execute(portal_engine(settings), settings, sys.argv[2], actor="cli")
"""


def test_a_killed_execution_leaves_the_store_complete_and_a_rerun_finishes(world: World) -> None:
    plan = world.approved()
    before = dump(world.store)
    env = {**os.environ, erasure.PAUSE_VARIABLE: "60"}
    child = subprocess.Popen([sys.executable, "-c", CRASH, str(world.config), plan.id], env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            lines = cf.log_entries(world.engine, plan.id)
            if lines and dump(world.store) != before:
                break
            assert child.poll() is None, "the execution ended before it could be killed"
            time.sleep(0.3)
        time.sleep(0.5)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    crashed = dump(world.store)
    # the store committed as a whole (its one transaction), the log still says pending
    assert problems(before, crashed, {world.pupil}) == []
    assert all(e.done_at is None for e in cf.log_entries(world.engine, plan.id))
    assert cf.get_plan(world.engine, plan.id).state is cf.PlanState.APPROVED

    done = erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    assert not done.again and done.changed == 0  # the store had it all already
    assert dump(world.store) == crashed
    assert all(e.done_at for e in cf.log_entries(world.engine, plan.id))
    assert cf.get_plan(world.engine, plan.id).state is cf.PlanState.EXECUTED
    assert len(cf.notices_of_plan(world.engine, plan.id)) == len(plan.recipients)


@pytest.fixture
def school(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, sqlite_url, _school(sqlite_url))
    yield w
    w.close()


def test_a_later_letter_marks_the_restricted_record(school: World) -> None:
    from pypdf import PdfReader

    from dsr.pipeline.answer import prepare_answer

    with school.store.connect() as conn:
        loan = conn.execute(sa.text("SELECT min(id) FROM loan WHERE person_id = :p"), {"p": school.pupil}).scalar_one()
    school.sql("UPDATE loan SET returned_at = NULL WHERE id = :i", i=loan)
    plan = school.approved()
    erasure.execute(school.engine, school.settings, plan.id, actor="cli")
    listed = erasure.restricted_until(school.engine, "gym")
    assert listed == {("school", "loan", str(loan)): None}
    c = school.connector()
    try:
        answer = prepare_answer(
            school.settings, "gym", subject(c, school.pupil), [c], formats=("pdf",), processing_restricted=listed
        )
    finally:
        c.close()
    text = " ".join(p.extract_text() for p in PdfReader(__import__("io").BytesIO(answer.pdf)).pages)
    assert "eingeschränkt (Art. 18 DSGVO)" in " ".join(text.split())


def test_the_command_line_plans_refuses_unapproved_executes_and_exports(
    school: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from dsr.cli import main

    with school.store.connect() as conn:
        card = conn.execute(sa.text("SELECT card_number FROM person WHERE id = :p"), {"p": school.pupil}).scalar_one()
        loan = conn.execute(sa.text("SELECT min(id) FROM loan WHERE person_id = :p"), {"p": school.pupil}).scalar_one()
    school.sql("UPDATE loan SET returned_at = NULL WHERE id = :i", i=loan)
    config = str(school.config)
    out = tmp_path / "plan"
    assert main(["erase", "--config", config, "--controller", "gym", "--card", card, "--plan", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    plan = cf.plans_of(school.engine, "gym")[0].plan
    assert f"plan {plan.id} proposed" in said and (out / "plan.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((out / "plan.json").read_text())["id"] == plan.id

    before = dump(school.store)
    assert main(["erase", "--config", config, "--execute", plan.id]) == 6  # not approved
    assert "plan_not_approved" in capsys.readouterr().err and dump(school.store) == before
    assert main(["erase", "--config", config, "--execute", "E-000000000000"]) == 2
    assert "no erasure plan" in capsys.readouterr().err

    erasure.approve(school.engine, plan.id, school.second)  # proposed by "cli": any approver
    assert main(["erase", "--config", config, "--execute", plan.id]) == 0
    assert f"plan {plan.id} executed" in capsys.readouterr().out
    assert problems(before, dump(school.store), {school.pupil}) == []

    log = tmp_path / "erasure.jsonl"
    assert main(["erase", "--config", config, "--export-log", plan.id, "--out", str(log)]) == 0
    assert len(log.read_text().splitlines()) == len(cf.log_entries(school.engine, plan.id))
    assert main(["erase", "--config", config, "--replay", str(log)]) == 0  # onto the live store: nothing changes
    assert "0 record(s) changed" in capsys.readouterr().out

    assert main(["holds", "--config", config, "--today", "2026-03-02"]) == 0  # nothing due: the loan is out
    listing = capsys.readouterr().out
    assert f"school.loan {loan}" in listing and "open_loan" in listing and "0 due, 1 still held" in listing
    assert main(["restricted", "--config", config, "--controller", "gym", "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["store"], entry["collection"], entry["key"], entry["until"]) == ("school", "loan", str(loan), None)

    school.sql("UPDATE loan SET returned_at = :t WHERE id = :i", t=dt.datetime(2026, 3, 5), i=loan)
    assert main(["holds", "--config", config, "--run", "--cron"]) == 0
    assert "1 restricted record(s) erased, 0 still held" in capsys.readouterr().out
    assert main(["restricted", "--config", config, "--controller", "gym"]) == 0
    assert capsys.readouterr().out.strip() == "store,collection,key,how,since,until,plan"


VENDOR_TOML = """
[controllers.ds]
name = "DS-Software-Lösungen GmbH"
kind = "vendor"
land = "NW"
public = false
street = "Hafenstraße 12"
postal_code = "48153"
city = "Münster"
email = "datenschutz@ds-software.example"
dpo = { name = "Dr. D. Schutz", email = "dsb@ds-software.example" }
signatory = { name = "G. Führer", role = "Geschäftsführer" }
[controllers.ds.stores.vendor]
connector = "sql"
url = "{url}"
mapping = "james-vendor"
"""


def test_a_vendor_contacts_invoice_is_restricted_until_its_retention_ends(
    vendor: SQLConnector,  # noqa: F811 - the fixture imported above
    db_url: str,
    tmp_path: Path,
) -> None:
    from dsr.model import Descriptor
    from dsr.pipeline.identify import resolve

    config = tmp_path / "dsr.toml"
    config.write_text(
        f'[dsr]\nsecret_key = "{"s3cr3t-" * 6}"\n'
        f'[portal]\ndatabase_url = "sqlite:///{tmp_path / "cases.db"}"\n' + VENDOR_TOML.replace("{url}", db_url)
    )
    settings = load(config)
    engine = portal_engine(settings)
    officer = casefile.create_user(engine, "officer", "pw-o", {"ds": ["officer"]}, now=T)
    approver = casefile.create_user(engine, "approver", "pw-a", {"ds": ["approver"]}, now=T)
    klara = resolve("ds", [vendor], Descriptor(email="klara.kontakt@gym.example")).subject
    assert klara is not None
    plan = erasure.make_plan(settings, "ds", klara, today=TODAY)
    invoice = Target("vendor", "invoice", "1")
    (action,) = [a for a in plan.actions if a.target == invoice]
    # issued 1 January 2025: kept eight years from the end of 2025 (§ 147 Abs. 3 AO, § 14b UStG)
    assert action.outcome is PlannedOutcome.RESTRICT and action.erase_on == dt.date(2033, 12, 31)
    erasure.propose(engine, plan, actor=officer)
    erasure.approve(engine, plan.id, approver)
    erasure.execute(engine, settings, plan.id, actor="cli")
    row = next(r for r in cf.restrictions_of(engine, "ds") if r.target == invoice)
    assert row.until == dt.date(2033, 12, 31)

    def billed() -> object:
        with vendor.engine.connect() as conn:
            return conn.execute(sa.text("SELECT billing_email FROM invoice WHERE id = 1")).scalar_one()

    kept = billed()
    assert kept  # kept, restricted until the period ends
    assert invoice not in erasure.run_holds(engine, settings, dt.date(2033, 12, 31), "cron").erased
    assert billed() == kept
    ran = erasure.run_holds(engine, settings, dt.date(2034, 1, 1), "cron")
    assert invoice in ran.erased and billed() != kept
    engine.dispose()


def test_an_officer_lifts_a_restriction_and_it_leaves_the_list(school: World) -> None:
    with school.store.connect() as conn:
        loan = conn.execute(sa.text("SELECT min(id) FROM loan WHERE person_id = :p"), {"p": school.pupil}).scalar_one()
    school.sql("UPDATE loan SET returned_at = NULL WHERE id = :i", i=loan)
    plan = school.approved()
    erasure.execute(school.engine, school.settings, plan.id, actor="cli")
    (row,) = cf.restrictions_of(school.engine, "gym")
    erasure.lift(school.engine, school.settings, row.id, actor=school.officer, reason="hold_decided")
    assert erasure.restricted(school.engine, "gym") == []
    assert erasure.due_holds(school.engine, school.settings, TODAY) == []
    with school.engine.connect() as conn:
        last = conn.execute(sa.select(events.c.actor, events.c.action).order_by(events.c.seq.desc())).first()
    assert last is not None and tuple(last) == (school.officer.actor, "restriction lifted")
