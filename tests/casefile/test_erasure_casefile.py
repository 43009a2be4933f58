"""Erasure plans in the case file (issue #14, "Execution only after approval"): four eyes, the plan
id is its content, every decision is in the audit trail, Art. 19 tasks are closed with a reason."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import erasure as cf
from dsr.casefile.schema import erasure_plans, events
from dsr.casefile.users import User
from dsr.pipeline.erasure import ErasurePlan, PlannedAction, PlannedOutcome, Recipient, plan_id
from dsr.writing import EraseAction, Target

T = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def _plan(*keys: str, subject: str = "P-AAA") -> ErasurePlan:
    actions = tuple(
        PlannedAction(
            target=Target("school", "loan", k),
            title={"de": "Ausleihen", "en": "Loans"},
            outcome=PlannedOutcome.ERASE,
            erase=EraseAction.ANONYMISE,
        )
        for k in keys
    )
    draft = ErasurePlan(
        id="",
        controller="gym",
        subject=subject,
        created=T,
        actions=actions,
        recipients=(Recipient(activity="circulation", name={"de": "Schulträger", "en": "School authority"}),),
    )
    return msgspec.structs.replace(draft, id=plan_id(draft))


@pytest.fixture
def staff(engine: sa.Engine) -> tuple[User, User]:
    officer = casefile.create_user(engine, "officer", "pw-o", {"gym": ["officer", "approver"]}, now=T)
    second = casefile.create_user(engine, "second", "pw-a", {"gym": ["officer", "approver"]}, now=T)
    return officer, second


def _actions(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.actor, r.action) for r in conn.execute(sa.select(events).order_by(events.c.seq))]


def test_the_proposer_cannot_approve_a_second_officer_does(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, second = staff
    plan = _plan("1", "2")
    assert cf.propose_plan(engine, plan, who=officer, now=T) == plan.id
    with pytest.raises(casefile.TransitionRefused) as refused:
        cf.approve_plan(engine, officer, plan.id, now=T)
    assert refused.value.code == "erasure_four_eyes"
    assert cf.get_plan(engine, plan.id).state is cf.PlanState.PROPOSED

    approved = cf.approve_plan(engine, second, plan.id, now=T)
    assert approved.state is cf.PlanState.APPROVED and approved.approved_by == second.actor
    assert approved.plan == plan
    assert _actions(engine)[-2:] == [(officer.actor, "erasure plan proposed"), (second.actor, "erasure plan approved")]
    # approving twice is refused, not a second approval
    with pytest.raises(casefile.TransitionRefused) as again:
        cf.approve_plan(engine, second, plan.id, now=T)
    assert again.value.code == "plan_not_proposed"
    assert casefile.verify(engine).ok


def test_a_plan_longer_than_64_kib_is_kept_whole(engine: sa.Engine, staff: tuple[User, User]) -> None:
    # a reader with years of loans: MariaDB's TEXT (64 KiB) refused such a plan before migration 0012
    officer, second = staff
    plan = _plan(*(f"loan-{n:05d}" for n in range(1500)))
    assert len(msgspec.json.encode(plan)) > 2 * 65536
    cf.propose_plan(engine, plan, who=officer, now=T)
    approved = cf.approve_plan(engine, second, plan.id, now=T)
    assert approved.plan == plan and len(approved.plan.actions) == 1500


def test_an_approval_names_the_content_a_changed_plan_is_a_new_plan(
    engine: sa.Engine, staff: tuple[User, User]
) -> None:
    officer, second = staff
    first = _plan("1")
    cf.propose_plan(engine, first, who=officer, now=T)
    cf.approve_plan(engine, second, first.id, now=T)
    # the officer adds a record: another id; the approved plan no longer counts
    changed = _plan("1", "2")
    assert changed.id != first.id
    cf.propose_plan(engine, changed, who=officer, now=T)
    assert cf.get_plan(engine, first.id).state is cf.PlanState.SUPERSEDED
    with pytest.raises(casefile.TransitionRefused) as refused:
        cf.ensure_executable(engine, first.id, "cli")
    assert refused.value.code == "plan_not_approved"
    # a plan whose content was edited behind its id is refused
    forged = msgspec.structs.replace(_plan("3"), id=changed.id)
    with pytest.raises(casefile.TransitionRefused) as altered:
        cf.propose_plan(engine, forged, who=officer, now=T)
    assert altered.value.code == "plan_altered"
    with engine.begin() as conn:
        conn.execute(
            sa.update(erasure_plans)
            .where(erasure_plans.c.id == changed.id)
            .values(plan=cf.plan_json(msgspec.structs.replace(_plan("3"), id=changed.id)).decode())
        )
    with pytest.raises(casefile.TransitionRefused) as tampered:
        cf.approve_plan(engine, second, changed.id, now=T)
    assert tampered.value.code == "plan_altered"


def test_only_an_approver_of_the_controller_approves(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, _ = staff
    plain = casefile.create_user(engine, "plain", "pw-p", {"gym": ["officer"]}, now=T)
    stranger = casefile.create_user(engine, "stranger", "pw-s", {"vendor": ["approver"]}, now=T)
    plan = _plan("1")
    cf.propose_plan(engine, plan, who=officer, now=T)
    with pytest.raises(casefile.AccessDenied):
        cf.approve_plan(engine, plain, plan.id, now=T)
    with pytest.raises(casefile.NotFound):
        cf.approve_plan(engine, stranger, plan.id, now=T)
    # the command line proposes as "cli": any approver of the controller may approve
    other = _plan("9", subject="P-BBB")
    cf.propose_plan(engine, other, who="cli", now=T)
    assert cf.approve_plan(engine, officer, other.id, now=T).state is cf.PlanState.APPROVED


def test_art19_tasks_are_created_once_and_closed_with_a_reason(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, second = staff
    plan = _plan("1")
    cf.propose_plan(engine, plan, who=officer, now=T)
    cf.approve_plan(engine, second, plan.id, now=T)
    new = [cf.NewNotice(number=1, activity="circulation", recipient={"de": "Schulträger", "en": "School authority"})]
    again, ids = cf.record_execution(engine, plan.id, who="cli", restricted=[], new_notices=new, changed=1, now=T)
    assert not again and len(ids) == 1
    again, ids_twice = cf.record_execution(engine, plan.id, who="cli", restricted=[], new_notices=new, changed=0)
    assert again and ids_twice == ids
    (task,) = cf.notices_of_plan(engine, plan.id)
    assert task.state is cf.NoticeState.OPEN and task.recipient["de"] == "Schulträger"

    with pytest.raises(casefile.InputRejected) as no_note:
        cf.close_notice(engine, officer, task.id, "impossible")
    assert no_note.value.code == "notice_note"
    closed = cf.close_notice(engine, officer, task.id, "disproportionate", "Empfänger aufgelöst", now=T)
    assert closed.state is cf.NoticeState.DISPROPORTIONATE and closed.closed_by == officer.actor
    with pytest.raises(casefile.TransitionRefused):
        cf.close_notice(engine, officer, task.id, "done")
    assert _actions(engine)[-1] == (officer.actor, "notice closed")
    assert "Empfänger" not in str(_actions(engine))


def test_the_log_is_written_before_the_store_and_completed_after(engine: sa.Engine, staff: tuple[User, User]) -> None:
    officer, second = staff
    plan = _plan("1", "2")
    cf.propose_plan(engine, plan, who=officer, now=T)
    steps = [(a.target, "erase", "anonymise") for a in plan.actions]
    lines = cf.log_intent(engine, plan.id, steps, now=T)
    assert [line.seq for line in lines] == [1, 2] and all(line.done_at is None for line in lines)
    # asked again (a re-run after a crash): the same lines, no new ones
    assert [line.seq for line in cf.log_intent(engine, plan.id, steps)] == [1, 2]
    cf.log_done(engine, plan.id, [(1, True)], now=T)
    cf.log_done(engine, plan.id, [(1, False), (2, False)], now=T)
    assert [(e.seq, e.changed) for e in cf.log_entries(engine, plan.id)] == [(1, True), (2, False)]
