"""Restriction of processing at the person's request (Art. 18 GDPR) on a James school database
(SQLite, PostgreSQL, MariaDB): planned, approved by a second person, executed — every record of the
pupil on dsr's restriction list and not one row of any table changed — honoured by a later letter,
never erased by the cron job, and lifted only once the person was told (Art. 18(3)).

Oracles: the pupil's records are those the connector reads for them (compared as ids); "nothing
changed" is a full dump of every table before and after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import erasure as cf
from dsr.casefile.schema import events
from dsr.pipeline.erasure import HoldKind, PlannedOutcome
from dsr.service import erasure
from dsr.writing import Target
from tests.connectors.sql.test_sql_writing import dump, subject
from tests.service.test_erasure_execution import TODAY, World, _school

UNTIL = TODAY + dt.timedelta(days=90)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, db_url, _school(db_url))
    yield w
    w.close()


@pytest.fixture
def school(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path, sqlite_url, _school(sqlite_url))
    yield w
    w.close()


def restriction_plan(w: World, ground: str = "accuracy", until: dt.date | None = None) -> erasure.ErasurePlan:
    c = w.connector()
    try:
        who = subject(c, w.pupil)
    finally:
        c.close()
    return erasure.make_restriction_plan(w.settings, "gym", who, ground=ground, until=until, today=TODAY)


def records_of(w: World) -> set[Target]:
    c = w.connector()
    try:
        return {Target(r.store, r.collection, r.key) for r in c.records(subject(c, w.pupil))}
    finally:
        c.close()


def test_a_restriction_plan_puts_every_record_on_the_list_and_changes_no_row(world: World) -> None:
    plan = restriction_plan(world, "accuracy")
    assert plan.kind == "restriction" and plan.ground == "accuracy"
    assert {a.outcome for a in plan.actions} == {PlannedOutcome.RESTRICT}
    assert {(h.kind, h.until, h.law) for a in plan.actions for h in a.holds} == {
        (HoldKind.REQUEST, None, "Art. 18 Abs. 1 lit. a DSGVO")
    }
    mine = records_of(world)
    assert {a.target for a in plan.actions} == mine and mine

    erasure.propose(world.engine, plan, actor=world.officer)
    before = dump(world.store)
    with pytest.raises(casefile.TransitionRefused) as refused:
        erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    assert refused.value.code == "plan_not_approved"
    with pytest.raises(casefile.TransitionRefused) as refused:
        erasure.approve(world.engine, plan.id, world.officer)  # four eyes: not the proposer
    assert refused.value.code == "erasure_four_eyes"
    erasure.approve(world.engine, plan.id, world.second)
    done = erasure.execute(world.engine, world.settings, plan.id, actor="cli")

    assert dump(world.store) == before  # not one row of any table changed
    assert set(erasure.restricted(world.engine, "gym")) == mine
    assert set(done.restricted) == mine and done.erased == ()
    assert {r.how for r in cf.restrictions_of(world.engine, "gym")} == {"list"}
    tasks = cf.notices_of_plan(world.engine, plan.id)
    assert len(tasks) == len(plan.recipients) and {t.kind for t in tasks} <= {"restriction"}

    # the cron job never erases a restriction at the person's request
    held = erasure.due_holds(world.engine, world.settings, TODAY + dt.timedelta(days=4000))
    assert held and not any(h.due for h in held) and all("request" in h.waiting for h in held)
    ran = erasure.run_holds(world.engine, world.settings, TODAY + dt.timedelta(days=4000), "cron")
    assert ran.erased == () and dump(world.store) == before

    again = erasure.execute(world.engine, world.settings, plan.id, actor="cli")
    assert again.again and again.changed == 0 and dump(world.store) == before


def test_an_erasure_plans_id_is_what_it_was_before_restriction_plans(school: World) -> None:
    """The id of an erasure plan hashes the same fields as before ``kind`` and ``ground`` existed."""
    plan = school.plan()
    old = {f: getattr(plan, f) for f in ("controller", "subject", "actions", "recipients", "incomplete")}
    digest = hashlib.sha256(msgspec.json.encode(old, order="sorted")).hexdigest()[:12].upper()
    assert plan.kind == "erasure" and plan.id == "E-" + digest
    restricting = restriction_plan(school, "accuracy")
    other = restriction_plan(school, "objection")
    assert len({plan.id, restricting.id, other.id}) == 3  # the kind and the ground are part of the content


def test_a_later_letter_marks_every_record_restricted_until_the_day(school: World) -> None:
    from pypdf import PdfReader

    from dsr.pipeline.answer import prepare_answer

    plan = restriction_plan(school, "claims", until=UNTIL)
    erasure.propose(school.engine, plan, actor=school.officer)
    erasure.approve(school.engine, plan.id, school.second)
    erasure.execute(school.engine, school.settings, plan.id, actor="cli")
    listed = erasure.restricted_until(school.engine, "gym")
    assert set(listed) == {(t.store, t.collection, t.key) for t in records_of(school)}
    assert set(listed.values()) == {UNTIL}
    c = school.connector()
    try:
        answer = prepare_answer(
            school.settings, "gym", subject(c, school.pupil), [c], formats=("pdf",), processing_restricted=listed
        )
    finally:
        c.close()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(answer.pdf)).pages)
    assert f"eingeschränkt (Art. 18 DSGVO) bis {UNTIL.strftime('%d.%m.%Y')}" in text


def test_lifting_needs_the_day_the_person_was_told(school: World) -> None:
    plan = restriction_plan(school, "objection")
    erasure.propose(school.engine, plan, actor=school.officer)
    erasure.approve(school.engine, plan.id, school.second)
    erasure.execute(school.engine, school.settings, plan.id, actor="cli")
    mine = records_of(school)
    first = cf.restrictions_of(school.engine, "gym")[0]

    with pytest.raises(casefile.TransitionRefused) as refused:
        erasure.lift(school.engine, school.settings, first.id, actor=school.officer, reason="hold_decided")
    assert refused.value.code == "restriction_not_told"
    with pytest.raises(casefile.TransitionRefused) as refused:
        erasure.lift_plan(school.engine, school.settings, plan.id, actor=school.officer, informed_on=None)
    assert refused.value.code == "restriction_not_told"
    tomorrow = dt.datetime.now(school.settings.zone).date() + dt.timedelta(days=1)
    with pytest.raises(casefile.InputRejected):
        erasure.lift_plan(school.engine, school.settings, plan.id, actor=school.officer, informed_on=tomorrow)
    assert set(erasure.restricted(school.engine, "gym")) == mine  # nothing lifted

    told = dt.datetime.now(school.settings.zone).date()
    lifted = erasure.lift_plan(school.engine, school.settings, plan.id, actor=school.officer, informed_on=told)
    assert lifted == len(mine) and erasure.restricted(school.engine, "gym") == []
    with school.engine.connect() as conn:
        details = [
            json.loads(r.detail)
            for r in conn.execute(sa.select(events.c.action, events.c.detail))
            if r.action == "restriction lifted"
        ]
    assert len(details) == len(mine) and {d["informed_on"] for d in details} == {told.isoformat()}


def test_the_command_line_plans_a_restriction_and_refuses_to_lift_untold(
    school: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dsr.cli import main

    with school.store.connect() as conn:
        card = conn.execute(sa.text("SELECT card_number FROM person WHERE id = :p"), {"p": school.pupil}).scalar_one()
    config = str(school.config)
    out = tmp_path / "plan"
    args = ["erase", "--config", config, "--controller", "gym", "--card", card, "--plan", "--out", str(out)]
    assert main([*args, "--restrict", "unlawful", "--today", TODAY.isoformat()]) == 0
    said = capsys.readouterr().out
    plan = cf.plans_of(school.engine, "gym")[0].plan
    assert plan.kind == "restriction" and f"plan {plan.id} proposed" in said and "ground unlawful" in said
    assert json.loads((out / "plan.json").read_text())["ground"] == "unlawful"
    before = dump(school.store)
    erasure.approve(school.engine, plan.id, school.second)
    assert main(["erase", "--config", config, "--execute", plan.id]) == 0
    assert dump(school.store) == before
    # the command-line letter reads the portal's restriction list too
    letter = tmp_path / "letter"
    assert main(["disclose", "--config", config, "--controller", "gym", "--card", card, "--out", str(letter)]) == 0
    capsys.readouterr()
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(letter / "disclosure.pdf").pages).split())
    assert "eingeschränkt (Art. 18 DSGVO)" in text
    assert main(["restricted", "--config", config, "--controller", "gym", "--lift", plan.id]) == 6
    assert "restriction_not_told" in capsys.readouterr().err
    today = dt.datetime.now(school.settings.zone).date().isoformat()
    lift = ["restricted", "--config", config, "--controller", "gym", "--lift", plan.id, "--informed-on", today]
    assert main(lift) == 0
    assert f"{len(records_of(school))} restriction(s) lifted" in capsys.readouterr().out
    assert erasure.restricted(school.engine, "gym") == []
