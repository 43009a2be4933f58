"""Erasure plans in the case file: proposed, approved by a second person, executed; the erasure
log, the restrictions (holds) and the Art. 19 notice tasks. No connectors here: carrying a plan
out is :mod:`dsr.service.erasure`'s job.

A plan's id is its content hash (:func:`dsr.pipeline.erasure.plan_id`), so an approval names
exactly what was approved: a changed plan is a new plan, and proposing it supersedes the plans of
the same subject that were not executed yet. Every decision is an audit event (ids only).

``who`` is a :class:`User` (membership and role are checked) or an audit actor string for the
command line and cron (``"cli"``, ``"system"``); only a user can approve.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.errors import AccessDenied, InputRejected, NotFound, TransitionRefused
from dsr.casefile.permission import load_case
from dsr.casefile.schema import cases, erasure_log, erasure_plans, notices, restrictions
from dsr.casefile.users import User
from dsr.pipeline.erasure import ErasurePlan, plan_from_json, plan_id, plan_json
from dsr.writing import Target

Who = User | str


class PlanState(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    EXECUTED = "executed"
    SUPERSEDED = "superseded"  #: a newer plan of the same subject was proposed before this one ran


class NoticeState(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    IMPOSSIBLE = "impossible"  #: Art. 19 sentence 1: proves impossible (documented with a note)
    DISPROPORTIONATE = "disproportionate"  #: involves disproportionate effort (documented with a note)


class RestrictionState(enum.StrEnum):
    RESTRICTED = "restricted"
    ERASED = "erased"
    LIFTED = "lifted"


CHANNELS = ("letter", "email")


class StoredPlan(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    controller: str
    subject_reference: str
    case_reference: str | None
    state: PlanState
    plan: ErasurePlan
    proposed_by: str
    proposed_at: dt.datetime
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    executed_by: str | None = None
    executed_at: dt.datetime | None = None


class LogEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the erasure log: ids and actions only."""

    plan_id: str
    seq: int
    at: dt.datetime
    target: Target
    action: str  #: erase | restrict | lift (store steps) | list (put on dsr's restriction list)
    erase_action: str | None
    changed: bool | None  #: None while the store has not committed
    done_at: dt.datetime | None


class Restriction(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    controller: str
    target: Target
    how: str  #: flag | list
    holds: tuple[dict[str, Any], ...]  #: {"kind", "until", "kept_with"}: kinds, dates and ids
    until: dt.date | None
    state: RestrictionState
    plan_id: str
    created_at: dt.datetime
    ended_at: dt.datetime | None


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    """An Art. 19 task: tell a recipient of an affected activity (letter or e-mail)."""

    id: int
    case_reference: str | None
    plan_id: str | None
    number: int
    kind: str  #: erasure | restriction | rectification
    activity: str
    recipient: dict[str, str]  #: the recipient's name by language
    channel: str  #: letter | email
    state: NoticeState
    note: str | None
    created_at: dt.datetime
    closed_by: str | None
    closed_at: dt.datetime | None


class NewNotice(msgspec.Struct, frozen=True, kw_only=True):
    number: int
    activity: str
    recipient: dict[str, str]
    kind: str = "erasure"
    channel: str = "letter"


# ------------------------------------------------------------------ plans


def _actor(who: Who) -> str:
    return who.actor if isinstance(who, User) else who


def _allowed(who: Who, controller: str, role: str) -> None:
    if not isinstance(who, User):
        return
    if controller not in who.controllers:
        raise NotFound("no such erasure plan")
    if not who.can(controller, role):
        raise AccessDenied(f"user {who.id} is not {role} for this controller", code="role", role=role)


def _case_reference(conn: sa.Connection, case_id: int | None) -> str | None:
    if case_id is None:
        return None
    ref: str | None = conn.execute(sa.select(cases.c.reference).where(cases.c.id == case_id)).scalar_one_or_none()
    return ref


def _stored(conn: sa.Connection, row: sa.Row[Any]) -> StoredPlan:
    return StoredPlan(
        id=row.id,
        controller=row.controller,
        subject_reference=row.subject_reference,
        case_reference=_case_reference(conn, row.case_id),
        state=PlanState(row.state),
        plan=plan_from_json(row.plan.encode("utf-8")),
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        executed_by=row.executed_by,
        executed_at=row.executed_at,
    )


def _load(conn: sa.Connection, plan_id_: str, *, lock: bool = False) -> sa.Row[Any]:
    query = sa.select(erasure_plans).where(erasure_plans.c.id == plan_id_)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no erasure plan {plan_id_}")
    return row


def _counts(plan: ErasurePlan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in plan.actions:
        counts[a.outcome.value] = counts.get(a.outcome.value, 0) + 1
    return counts


def propose_plan(
    engine: sa.Engine, plan: ErasurePlan, *, who: Who, case_reference: str | None = None, now: dt.datetime | None = None
) -> str:
    """Record ``plan`` as proposed (again, if it was superseded); returns its id. Plans of the same
    subject not executed yet are superseded: an approval of one of them no longer counts."""
    if plan_id(plan) != plan.id:
        raise TransitionRefused(
            f"erasure plan {plan.id}: its content does not match its id (changed after planning)", code="plan_altered"
        )
    now = clock.resolve(now)
    actor = _actor(who)
    with engine.begin() as conn:
        case_id = None
        if case_reference is not None:
            case = load_case(conn, who if isinstance(who, User) else None, case_reference)
            if case.controller != plan.controller:
                raise InputRejected("the plan is for another controller than the case", code="plan_controller")
            case_id = case.id
        else:
            _allowed(who, plan.controller, "officer")
        existing = conn.execute(
            sa.select(erasure_plans.c.state).where(erasure_plans.c.id == plan.id).with_for_update()
        ).first()
        if existing is not None and existing.state != PlanState.SUPERSEDED:
            return plan.id  # the same content proposed again: one plan
        superseded = list(
            conn.execute(
                sa.select(erasure_plans.c.id).where(
                    erasure_plans.c.controller == plan.controller,
                    erasure_plans.c.subject_reference == plan.subject,
                    erasure_plans.c.state.in_([PlanState.PROPOSED, PlanState.APPROVED]),
                    erasure_plans.c.id != plan.id,
                )
            ).scalars()
        )
        if superseded:
            conn.execute(
                sa.update(erasure_plans)
                .where(erasure_plans.c.id.in_(superseded))
                .values(state=PlanState.SUPERSEDED.value)
            )
        if existing is None:
            conn.execute(
                sa.insert(erasure_plans).values(
                    id=plan.id,
                    case_id=case_id,
                    controller=plan.controller,
                    subject_reference=plan.subject,
                    plan=plan_json(plan).decode("utf-8"),
                    state=PlanState.PROPOSED.value,
                    proposed_by=actor,
                    proposed_at=now,
                )
            )
        else:
            conn.execute(
                sa.update(erasure_plans)
                .where(erasure_plans.c.id == plan.id)
                .values(
                    state=PlanState.PROPOSED.value,
                    proposed_by=actor,
                    proposed_at=now,
                    approved_by=None,
                    approved_at=None,
                    **({"case_id": case_id} if case_id is not None else {}),
                )
            )
        audit.append(
            conn,
            "erasure plan proposed",
            actor=actor,
            case_ref=case_reference,
            now=now,
            detail={
                "plan": plan.id,
                "controller": plan.controller,
                "outcomes": _counts(plan),
                "superseded": superseded,
            },
        )
    return plan.id


def approve_plan(engine: sa.Engine, user: User, plan_id_: str, *, now: dt.datetime | None = None) -> StoredPlan:
    """The second pair of eyes: an approver who did not propose the plan approves exactly this plan
    (its id is its content). Refused (:class:`TransitionRefused`) with ``code`` ``erasure_four_eyes``
    for the proposer, ``plan_altered`` when the stored plan no longer matches its id, and
    ``plan_not_proposed`` for a plan approved, executed or superseded already."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        row = _load(conn, plan_id_, lock=True)
        _allowed(user, row.controller, "approver")
        if row.state != PlanState.PROPOSED:
            raise TransitionRefused(
                f"erasure plan {plan_id_} is {row.state}, not proposed", code="plan_not_proposed", state=row.state
            )
        if row.proposed_by == user.actor:
            raise TransitionRefused(
                "four eyes: the plan must be approved by someone other than who proposed it", code="erasure_four_eyes"
            )
        plan = plan_from_json(row.plan.encode("utf-8"))
        if plan_id(plan) != plan_id_ or plan.id != plan_id_:
            raise TransitionRefused(
                f"erasure plan {plan_id_}: the stored plan does not match its id", code="plan_altered"
            )
        conn.execute(
            sa.update(erasure_plans)
            .where(erasure_plans.c.id == plan_id_)
            .values(state=PlanState.APPROVED.value, approved_by=user.actor, approved_at=now)
        )
        audit.append(
            conn,
            "erasure plan approved",
            actor=user.actor,
            case_ref=_case_reference(conn, row.case_id),
            now=now,
            detail={"plan": plan_id_},
        )
        return _stored(conn, _load(conn, plan_id_))


def get_plan(engine: sa.Engine, plan_id_: str, who: Who = "system") -> StoredPlan:
    with engine.connect() as conn:
        row = _load(conn, plan_id_)
        _allowed(who, row.controller, "officer")
        return _stored(conn, row)


def plans_of_case(engine: sa.Engine, who: Who, case_reference: str) -> list[StoredPlan]:
    """The plans proposed on a case, newest first."""
    with engine.connect() as conn:
        case = conn.execute(
            sa.select(cases.c.id, cases.c.controller).where(cases.c.reference == case_reference)
        ).first()
        if case is None:
            raise NotFound(f"no case {case_reference}")
        _allowed(who, case.controller, "officer")
        rows = conn.execute(
            sa.select(erasure_plans)
            .where(erasure_plans.c.case_id == case.id)
            .order_by(erasure_plans.c.proposed_at.desc(), erasure_plans.c.id)
        ).all()
        return [_stored(conn, r) for r in rows]


def plans_of(engine: sa.Engine, controller: str, *, states: Sequence[PlanState] | None = None) -> list[StoredPlan]:
    """A controller's plans (in ``states``), newest first."""
    query = sa.select(erasure_plans).where(erasure_plans.c.controller == controller)
    if states is not None:
        query = query.where(erasure_plans.c.state.in_([s.value for s in states]))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(erasure_plans.c.proposed_at.desc(), erasure_plans.c.id)).all()
        return [_stored(conn, r) for r in rows]


# ------------------------------------------------------------------ the log


def _entry(row: sa.Row[Any]) -> LogEntry:
    return LogEntry(
        plan_id=row.plan_id,
        seq=row.seq,
        at=row.at,
        target=Target(row.store, row.collection, row.key),
        action=row.action,
        erase_action=row.erase_action,
        changed=row.changed,
        done_at=row.done_at,
    )


def log_entries(engine: sa.Engine, plan_id_: str) -> list[LogEntry]:
    """The plan's erasure log in order (pending lines included: ``done_at`` None)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(erasure_log).where(erasure_log.c.plan_id == plan_id_).order_by(erasure_log.c.seq)
        ).all()
    return [_entry(r) for r in rows]


def log_intent(
    engine: sa.Engine,
    plan_id_: str,
    steps: Sequence[tuple[Target, str, str | None]],
    *,
    now: dt.datetime | None = None,
) -> list[LogEntry]:
    """Write the lines for ``steps`` (target, action, erase action) before the store is changed;
    a step logged before (same target and action) keeps its line. Returns the lines of ``steps``."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        _load(conn, plan_id_, lock=True)  # one writer of the plan's log at a time
        rows = conn.execute(sa.select(erasure_log).where(erasure_log.c.plan_id == plan_id_)).all()
        known = {(r.store, r.collection, r.key, r.action): r for r in rows}
        seq = max((r.seq for r in rows), default=0)
        for target, action, how in steps:
            if (target.store, target.collection, target.key, action) in known:
                continue
            seq += 1
            conn.execute(
                sa.insert(erasure_log).values(
                    plan_id=plan_id_,
                    seq=seq,
                    at=now,
                    store=target.store,
                    collection=target.collection,
                    key=target.key,
                    action=action,
                    erase_action=how,
                    changed=None,
                    done_at=None,
                )
            )
        rows = conn.execute(sa.select(erasure_log).where(erasure_log.c.plan_id == plan_id_)).all()
    by = {(r.store, r.collection, r.key, r.action): r for r in rows}
    return [_entry(by[(t.store, t.collection, t.key, a)]) for t, a, _ in steps]


def log_done(
    engine: sa.Engine, plan_id_: str, results: Sequence[tuple[int, bool]], *, now: dt.datetime | None = None
) -> None:
    """Complete the lines ``(seq, changed)`` once their store committed. A line completed before
    keeps what it said first (a re-run finds the record already in its state)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        for seq, changed in results:
            conn.execute(
                sa.update(erasure_log)
                .where(erasure_log.c.plan_id == plan_id_, erasure_log.c.seq == seq, erasure_log.c.done_at.is_(None))
                .values(changed=changed, done_at=now)
            )


# ------------------------------------------------------------------ restrictions


def _restriction(row: sa.Row[Any]) -> Restriction:
    return Restriction(
        id=row.id,
        controller=row.controller,
        target=Target(row.store, row.collection, row.key),
        how=row.how,
        holds=tuple(row.holds or ()),
        until=row.until,
        state=RestrictionState(row.state),
        plan_id=row.plan_id,
        created_at=row.created_at,
        ended_at=row.ended_at,
    )


def restrictions_of(
    engine: sa.Engine,
    controller: str | None = None,
    *,
    state: RestrictionState | None = RestrictionState.RESTRICTED,
    plan_id_: str | None = None,
) -> list[Restriction]:
    """Restrictions (of a controller, of a plan; in ``state``; None: every state), by target."""
    query = sa.select(restrictions)
    if controller is not None:
        query = query.where(restrictions.c.controller == controller)
    if state is not None:
        query = query.where(restrictions.c.state == state.value)
    if plan_id_ is not None:
        query = query.where(restrictions.c.plan_id == plan_id_)
    order = (restrictions.c.store, restrictions.c.collection, restrictions.c.key, restrictions.c.id)
    with engine.connect() as conn:
        return [_restriction(r) for r in conn.execute(query.order_by(*order)).all()]


def end_restriction(
    engine: sa.Engine,
    restriction_id: int,
    state: RestrictionState,
    *,
    who: Who,
    reason: str = "",
    informed_on: dt.date | None = None,
    informed_how: str = "",
    now: dt.datetime | None = None,
) -> None:
    """End a restriction: ``erased`` (the record is gone) or ``lifted`` (an officer's decision:
    the hold ended and the record need not be erased, e.g. a security record released). Audited;
    ``reason`` is a code, not free text; ``informed_on``: the day the person was told before a
    restriction at their request was lifted (Art. 18(3) GDPR; :func:`dsr.service.erasure.lift`),
    ``informed_how`` how (a code: ``letter`` — dsr's lift notice —, ``in_person``, ``phone``, ``other``)."""
    if state is RestrictionState.RESTRICTED:
        raise ValueError("a restriction ends as erased or lifted")
    now = clock.resolve(now)
    with engine.begin() as conn:
        row = conn.execute(sa.select(restrictions).where(restrictions.c.id == restriction_id).with_for_update()).first()
        if row is None:
            raise NotFound(f"no restriction {restriction_id}")
        _allowed(who, row.controller, "officer")
        if row.state != RestrictionState.RESTRICTED:
            return  # ended before: nothing more to record
        conn.execute(sa.update(restrictions).where(restrictions.c.id == row.id).values(state=state.value, ended_at=now))
        plan = _load(conn, row.plan_id)
        audit.append(
            conn,
            f"restriction {state.value}",
            actor=_actor(who),
            case_ref=_case_reference(conn, plan.case_id),
            now=now,
            detail={
                "plan": row.plan_id,
                "store": row.store,
                "collection": row.collection,
                "key": row.key,
                **({"reason": reason} if reason else {}),
                **({"informed_on": informed_on.isoformat()} if informed_on else {}),
                **({"informed_how": informed_how} if informed_how else {}),
            },
        )


# ------------------------------------------------------------------ execution


def record_execution(
    engine: sa.Engine,
    plan_id_: str,
    *,
    who: Who,
    restricted: Sequence[tuple[Target, str, Sequence[dict[str, Any]], dt.date | None]],
    new_notices: Sequence[NewNotice],
    changed: int,
    now: dt.datetime | None = None,
) -> tuple[bool, list[int]]:
    """After every store committed: the restrictions (target, how, holds, until), the Art. 19
    tasks and the plan's state ``executed``, in one transaction with the audit event. Running it
    again adds nothing. Returns (whether the plan was executed before, the notice ids)."""
    now = clock.resolve(now)
    actor = _actor(who)
    with engine.begin() as conn:
        row = _load(conn, plan_id_, lock=True)
        again = row.state == PlanState.EXECUTED
        if not again and row.state != PlanState.APPROVED:
            raise TransitionRefused(f"erasure plan {plan_id_} is {row.state}, not approved", code="plan_not_approved")
        have = {
            (r.store, r.collection, r.key)
            for r in conn.execute(
                sa.select(restrictions.c.store, restrictions.c.collection, restrictions.c.key).where(
                    restrictions.c.plan_id == plan_id_
                )
            )
        }
        for target, how, holds, until in restricted:
            if (target.store, target.collection, target.key) in have:
                continue
            conn.execute(
                sa.insert(restrictions).values(
                    controller=row.controller,
                    store=target.store,
                    collection=target.collection,
                    key=target.key,
                    how=how,
                    holds=list(holds),
                    until=until,
                    state=RestrictionState.RESTRICTED.value,
                    plan_id=plan_id_,
                    created_at=now,
                )
            )
        numbers = set(conn.execute(sa.select(notices.c.number).where(notices.c.plan_id == plan_id_)).scalars())
        for n in new_notices:
            if n.number in numbers:
                continue
            conn.execute(
                sa.insert(notices).values(
                    case_id=row.case_id,
                    plan_id=plan_id_,
                    number=n.number,
                    kind=n.kind,
                    activity=n.activity,
                    recipient=dict(n.recipient),
                    channel=n.channel,
                    state=NoticeState.OPEN.value,
                    created_at=now,
                )
            )
        ids = list(
            conn.execute(
                sa.select(notices.c.id).where(notices.c.plan_id == plan_id_).order_by(notices.c.number)
            ).scalars()
        )
        if not again:
            conn.execute(
                sa.update(erasure_plans)
                .where(erasure_plans.c.id == plan_id_)
                .values(state=PlanState.EXECUTED.value, executed_by=actor, executed_at=now)
            )
            audit.append(
                conn,
                "erasure plan executed",
                actor=actor,
                case_ref=_case_reference(conn, row.case_id),
                now=now,
                detail={"plan": plan_id_, "changed": changed, "restricted": len(restricted), "notices": len(ids)},
            )
    return again, ids


def ensure_executable(engine: sa.Engine, plan_id_: str, who: Who) -> StoredPlan:
    """The plan, if it may be executed: approved (or executed before: running it again is safe)."""
    stored = get_plan(engine, plan_id_, who)
    if stored.state not in (PlanState.APPROVED, PlanState.EXECUTED):
        raise TransitionRefused(
            f"erasure plan {plan_id_} is {stored.state}: only an approved plan is executed",
            code="plan_not_approved",
            state=stored.state.value,
        )
    if plan_id(stored.plan) != plan_id_:
        raise TransitionRefused(f"erasure plan {plan_id_}: the stored plan does not match its id", code="plan_altered")
    return stored


def audit_hold_run(
    engine: sa.Engine,
    *,
    actor: str,
    erased: int,
    still_held: int,
    failed: Sequence[str],
    now: dt.datetime | None = None,
) -> None:
    """One audit event per ``dsr holds --run`` (counts and store names only)."""
    with engine.begin() as conn:
        audit.append(
            conn,
            "holds run",
            actor=actor,
            now=clock.resolve(now),
            detail={"erased": erased, "still_held": still_held, "failed": list(failed)},
        )


# ------------------------------------------------------------------ Art. 19 notices


def _notice(conn: sa.Connection, row: sa.Row[Any]) -> Notice:
    return Notice(
        id=row.id,
        case_reference=_case_reference(conn, row.case_id),
        plan_id=row.plan_id,
        number=row.number,
        kind=row.kind,
        activity=row.activity,
        recipient=dict(row.recipient or {}),
        channel=row.channel,
        state=NoticeState(row.state),
        note=row.note,
        created_at=row.created_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
    )


def notices_of_plan(engine: sa.Engine, plan_id_: str) -> list[Notice]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(notices).where(notices.c.plan_id == plan_id_).order_by(notices.c.number)).all()
        return [_notice(conn, r) for r in rows]


def notices_of_case(engine: sa.Engine, who: Who, case_reference: str) -> list[Notice]:
    with engine.connect() as conn:
        case = conn.execute(
            sa.select(cases.c.id, cases.c.controller).where(cases.c.reference == case_reference)
        ).first()
        if case is None:
            raise NotFound(f"no case {case_reference}")
        _allowed(who, case.controller, "officer")
        rows = conn.execute(
            sa.select(notices).where(notices.c.case_id == case.id).order_by(notices.c.plan_id, notices.c.number)
        ).all()
        return [_notice(conn, r) for r in rows]


def close_notice(
    engine: sa.Engine,
    who: Who,
    notice_id: int,
    state: NoticeState | str,
    note: str = "",
    *,
    channel: str | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """Close an Art. 19 task: done (``channel``: how it went), or documented as impossible or
    disproportionate — these need a ``note`` saying why. Audited (the note stays in the case
    file, not in the audit trail)."""
    state = NoticeState(state)
    note = note.strip()
    if state is NoticeState.OPEN:
        raise InputRejected("a notice is closed as done, impossible or disproportionate", code="notice_state")
    if state is not NoticeState.DONE and not note:
        raise InputRejected("say why telling the recipient is impossible or disproportionate", code="notice_note")
    if channel is not None and channel not in CHANNELS:
        raise InputRejected(f"channel must be one of {', '.join(CHANNELS)}", code="notice_channel")
    now = clock.resolve(now)
    with engine.begin() as conn:
        row = conn.execute(sa.select(notices).where(notices.c.id == notice_id).with_for_update()).first()
        if row is None:
            raise NotFound(f"no notice {notice_id}")
        controller = conn.execute(
            sa.select(erasure_plans.c.controller).where(erasure_plans.c.id == row.plan_id)
        ).scalar_one_or_none()
        if controller is None and row.case_id is not None:
            controller = conn.execute(sa.select(cases.c.controller).where(cases.c.id == row.case_id)).scalar_one()
        if controller is not None:
            _allowed(who, controller, "officer")
        if row.state != NoticeState.OPEN:
            raise TransitionRefused(f"notice {notice_id} is closed already ({row.state})", code="notice_closed")
        conn.execute(
            sa.update(notices)
            .where(notices.c.id == notice_id)
            .values(
                state=state.value,
                note=note or None,
                closed_by=_actor(who),
                closed_at=now,
                **({"channel": channel} if channel else {}),
            )
        )
        audit.append(
            conn,
            "notice closed",
            actor=_actor(who),
            case_ref=_case_reference(conn, row.case_id),
            now=now,
            detail={"notice": notice_id, "plan": row.plan_id, "state": state.value},
        )
        return _notice(conn, conn.execute(sa.select(notices).where(notices.c.id == notice_id)).one())
