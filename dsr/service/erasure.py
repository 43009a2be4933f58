"""Carrying out erasure: gather and plan, propose, approve (four eyes), execute, and the holds.

:func:`execute` runs an approved plan store by store, each store's steps in **one transaction**
(``StoreWriter.apply``). The erasure log is written *before* a store is changed (lines pending)
and completed after it committed, so a crash in between leaves pending lines that the next run
applies again — harmless, since applying a step twice changes nothing more — and completes.
Restrictions, the Art. 19 tasks and the plan's state follow once every store is done, in one
case-file transaction. Running an executed plan again changes nothing and adds nothing.

Records whose erasure is blocked are restricted (a flag in the store, or dsr's restriction list)
and kept as restrictions with their holds; :func:`run_holds` (``dsr holds --run``, from cron)
erases those whose holds ended — dated holds past, condition holds (an open loan) no longer
reported by the store. :func:`export_log` and :func:`replay` carry the log onto a restored backup.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile import erasure as cf
from dsr.casefile.attachments import Document
from dsr.casefile.confirmation import announced
from dsr.casefile.documents import attach_document
from dsr.casefile.errors import InputRejected, NotFound, TransitionRefused
from dsr.casefile.users import User
from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.errors import DSRError
from dsr.model import Subject
from dsr.pipeline import register as registers
from dsr.pipeline.erasure import (
    ErasurePlan,
    HoldKind,
    LegalClaim,
    PlannedAction,
    PlannedOutcome,
    plan_erasure,
    plan_restriction,
)
from dsr.pipeline.gather import gather
from dsr.service.casework.common import ConnectorsOf, close_connectors
from dsr.service.casework.routing import keep_guardian_addressee
from dsr.writing import RestrictHow, Step, StepAction, StoreWriter, Target, WriteError

log = logging.getLogger(__name__)

#: seconds to wait after a store committed, before its log lines are completed (tests kill the
#: process there to show that a re-run recovers)
PAUSE_VARIABLE = "DSR_ERASE_PAUSE_BETWEEN_STORES"
#: holds that end on a date; the others last until a condition ends (asked of the store)
_DATED = {HoldKind.RETENTION, HoldKind.LEGAL_CLAIM, HoldKind.ROTATION}


class ErasureError(DSRError):
    """Execution cannot go on (names stores and plan ids, never a person). ``code`` as on
    :class:`dsr.casefile.CaseError`: no_writer | write_failed | log_invalid."""

    def __init__(self, message: str, *, code: str, **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


class Execution(msgspec.Struct, frozen=True, kw_only=True):
    """What executing a plan did (ids only)."""

    plan_id: str
    executed_at: dt.datetime
    erased: tuple[Target, ...] = ()  #: erased now (or found already erased)
    restricted: tuple[Target, ...] = ()  #: restricted and scheduled (a hold row each)
    changed: int = 0  #: store records this run changed (0 when run again)
    notices: tuple[int, ...] = ()  #: the Art. 19 notice task ids
    again: bool = False  #: the plan had been executed before: nothing more was done


class DueHold(msgspec.Struct, frozen=True, kw_only=True):
    """A restricted record and whether its holds ended."""

    target: Target
    plan_id: str
    kinds: tuple[str, ...]
    until: dt.date | None
    due: bool  #: erased by the next :func:`run_holds`
    waiting: tuple[str, ...] = ()  #: what still holds it (kinds; "unreachable": its store did not answer)


class HoldRun(msgspec.Struct, frozen=True, kw_only=True):
    erased: tuple[Target, ...] = ()
    still_held: int = 0
    failed: tuple[str, ...] = ()  #: stores that could not be written (tried again next run)


class Replayed(msgspec.Struct, frozen=True, kw_only=True):
    steps: int
    changed: int
    stores: tuple[str, ...]


# ------------------------------------------------------------------ plan, propose, approve


def register_of(settings: Settings, controller: str) -> registers.Register:
    c = settings.controller(controller)
    name = c.register or ("james-school" if c.kind == "school" else "james-vendor")
    return registers.load(name, base_dir=settings.base_dir)


def writers_of(connectors: Sequence[Connector]) -> dict[str, StoreWriter]:
    return {c.name: w for c in connectors if (w := c.writer()) is not None}


def make_plan(
    settings: Settings,
    controller: str,
    subject: Subject,
    *,
    legal_claims: Sequence[LegalClaim] = (),
    today: dt.date | None = None,
    connectors_of: ConnectorsOf = connect,
) -> ErasurePlan:
    """Gather everything of ``subject`` in the controller's stores and plan its erasure."""
    today = today or dt.datetime.now(settings.zone).date()
    connectors = connectors_of(settings, controller)
    try:
        gathering = gather(subject, connectors)
        return plan_erasure(
            gathering,
            writers_of(connectors),
            register_of(settings, controller),
            today=today,
            legal_claims=legal_claims,
            zone=settings.zone,
        )
    finally:
        close_connectors(connectors)


def make_restriction_plan(
    settings: Settings,
    controller: str,
    subject: Subject,
    *,
    ground: str,
    until: dt.date | None = None,
    today: dt.date | None = None,
    connectors_of: ConnectorsOf = connect,
) -> ErasurePlan:
    """Gather everything of ``subject`` and plan its restriction at the person's request
    (Art. 18(1) GDPR; ``ground``: accuracy | unlawful | claims | objection; ``until``: the last
    day, None until lifted). Proposed, approved and executed like an erasure plan."""
    today = today or dt.datetime.now(settings.zone).date()
    if until is not None and until <= today:
        raise InputRejected("a restriction lasts until a day after today", code="restriction_until_past")
    connectors = connectors_of(settings, controller)
    try:
        gathering = gather(subject, connectors)
        return plan_restriction(
            gathering,
            writers_of(connectors),
            register_of(settings, controller),
            today=today,
            ground=ground,
            until=until,
            zone=settings.zone,
        )
    finally:
        close_connectors(connectors)


def propose(engine: sa.Engine, plan: ErasurePlan, *, case_reference: str | None = None, actor: User | str) -> str:
    """Record the plan as proposed (audited); returns its id."""
    return cf.propose_plan(engine, plan, who=actor, case_reference=case_reference)


def approve(engine: sa.Engine, plan_id: str, user: User) -> cf.StoredPlan:
    """Four eyes: ``user`` (an approver, not the proposer) approves exactly this plan."""
    return cf.approve_plan(engine, user, plan_id)


# ------------------------------------------------------------------ execute


def _pause() -> None:
    seconds = os.environ.get(PAUSE_VARIABLE)
    if seconds:
        time.sleep(float(seconds))


def _store_step(line: cf.LogEntry) -> Step | None:
    if line.action == "list":
        return None  # dsr's own restriction list: nothing to change in the store
    return Step(target=line.target, action=StepAction(line.action))


def _apply_lines(engine: sa.Engine, plan_id: str, writer: StoreWriter, lines: Sequence[cf.LogEntry]) -> int:
    """One store's pending lines in one transaction, then completed in the log; the count changed."""
    pairs = [(line, step) for line in lines if (step := _store_step(line)) is not None]
    try:
        applied = writer.apply([s for _, s in pairs]) if pairs else []
    except WriteError as exc:
        raise ErasureError(f"plan {plan_id}: store {writer.store} refused: {exc}", code="write_failed") from None
    _pause()  # the store committed, its log lines are still pending: where a crash hurts most
    results = [(line.seq, a.changed) for (line, _), a in zip(pairs, applied, strict=True)]
    results += [(line.seq, True) for line in lines if line.action == "list"]
    cf.log_done(engine, plan_id, results)
    return sum(1 for _, changed in results if changed)


def _lines_of(plan: ErasurePlan, writers: Mapping[str, StoreWriter]) -> list[tuple[Target, str, str | None]]:
    """The plan's steps in log form (target, action, erase action), store by store."""
    steps: list[tuple[Target, str, str | None]] = []
    for a in sorted(plan.actions, key=lambda a: a.target):
        if a.outcome not in (PlannedOutcome.ERASE, PlannedOutcome.RESTRICT):
            continue
        writer = writers.get(a.target.store)
        if writer is None:
            raise ErasureError(
                f"plan {plan.id}: store {a.target.store} has no write side (is it configured?)",
                code="no_writer",
                store=a.target.store,
            )
        if a.outcome is PlannedOutcome.ERASE:
            steps.append((a.target, "erase", a.erase.value))
        else:
            steps.append((a.target, _how(writer, a), None))
    return steps


def _how(writer: StoreWriter, action: PlannedAction) -> str:
    """restrict (the store's flag) or list (dsr's restriction list)."""
    rule = writer.rules().get(action.target.collection)
    return "restrict" if rule is not None and rule.restrict.how is RestrictHow.FLAG else "list"


def _kept_until(plan: ErasurePlan, action: PlannedAction) -> dt.date | None:
    """Until when a restriction lasts: the day a held record is due for erasure; for a restriction
    at the person's request the day it ends (None: until lifted)."""
    if plan.kind == "restriction":
        return next((h.until for h in action.holds if h.kind is HoldKind.REQUEST), None)
    return action.erase_on


def _holds_json(action: PlannedAction) -> list[dict[str, Any]]:
    return [
        {
            "kind": h.kind.value,
            "until": h.until.isoformat() if h.until else None,
            "kept_with": [h.kept_with.store, h.kept_with.collection, h.kept_with.key] if h.kept_with else None,
        }
        for h in action.holds
    ]


def execute(
    engine: sa.Engine, settings: Settings, plan_id: str, *, actor: User | str, connectors_of: ConnectorsOf = connect
) -> Execution:
    """Carry out an approved plan (see the module docstring). Raises
    :class:`~dsr.casefile.TransitionRefused` (``plan_not_approved``, ``plan_altered``) before any
    store is touched, :class:`ErasureError` when a store has no write side or refuses (that store
    is rolled back; the stores before it stay done and a re-run carries on). Before the first store
    is written, a young pupil's guardian addressee is kept with the plan's case
    (:func:`~dsr.service.casework.routing.keep_guardian_addressee`)."""
    stored = cf.ensure_executable(engine, plan_id, actor)
    plan = stored.plan
    erased = tuple(a.target for a in plan.actions if a.outcome is PlannedOutcome.ERASE)
    held = [a for a in plan.actions if a.outcome is PlannedOutcome.RESTRICT]
    pending = [e for e in cf.log_entries(engine, plan_id) if e.done_at is None]
    if stored.state is cf.PlanState.EXECUTED and not pending:
        return Execution(
            plan_id=plan_id,
            executed_at=stored.executed_at or dt.datetime.now(dt.UTC),
            erased=erased,
            restricted=tuple(a.target for a in held),
            notices=tuple(n.id for n in cf.notices_of_plan(engine, plan_id)),
            again=True,
        )
    connectors = connectors_of(settings, plan.controller)
    try:
        writers = writers_of(connectors)
        if plan.kind == "erasure" and stored.case_reference is not None:
            # the erasure overwrites the subject's account: a young pupil's guardian rows can no longer
            # be reached through her, so the addressee of her case's letters is kept first
            keep_guardian_addressee(engine, settings, stored.case_reference, connectors)
        lines = cf.log_intent(engine, plan_id, _lines_of(plan, writers))
        changed = 0
        for store in dict.fromkeys(line.target.store for line in lines):
            todo = [line for line in lines if line.target.store == store and line.done_at is None]
            if not todo:
                continue
            changed += _apply_lines(engine, plan_id, writers[store], todo)
            log.info("plan %s: store %s done", plan_id, store)
        how = {line.target: line.action for line in lines}
        again, notice_ids = cf.record_execution(
            engine,
            plan_id,
            who=actor,
            restricted=[
                (a.target, "flag" if how[a.target] == "restrict" else "list", _holds_json(a), _kept_until(plan, a))
                for a in held
            ],
            new_notices=[
                cf.NewNotice(number=i, activity=r.activity, recipient=dict(r.name), kind=plan.kind)
                for i, r in enumerate(plan.recipients, start=1)
            ],
            changed=changed,
        )
    finally:
        close_connectors(connectors)
    return Execution(
        plan_id=plan_id,
        executed_at=cf.get_plan(engine, plan_id).executed_at or dt.datetime.now(dt.UTC),
        erased=erased,
        restricted=tuple(a.target for a in held),
        changed=changed,
        notices=tuple(notice_ids),
        again=again,
    )


# ------------------------------------------------------------------ holds


def _controllers(engine: sa.Engine, settings: Settings) -> dict[str, list[cf.Restriction]]:
    by: dict[str, list[cf.Restriction]] = {}
    for r in cf.restrictions_of(engine):
        if r.controller in settings.controllers:
            by.setdefault(r.controller, []).append(r)
    return by


def _judge(
    rows: Sequence[cf.Restriction], writers: Mapping[str, StoreWriter], today: dt.date
) -> dict[int, tuple[str, ...]]:
    """What still holds each restriction (empty: due). Condition holds are asked of the store
    now; a record kept with another goes once that one goes (in the same run, too)."""
    waiting: dict[int, list[str]] = {r.id: [] for r in rows}
    by_store: dict[str, list[cf.Restriction]] = {}
    for r in rows:
        by_store.setdefault(r.target.store, []).append(r)
    for store, some in by_store.items():
        writer = writers.get(store)
        if writer is None:
            for r in some:
                waiting[r.id].append("unreachable")
            continue
        try:
            now_held = writer.holds([r.target for r in some])
        except Exception:  # noqa: BLE001 - a store that cannot answer keeps its records held
            log.warning("store %s: could not check holds", store)
            now_held = {r.target: ("unreachable",) for r in some}
        for r in some:
            waiting[r.id].extend(now_held.get(r.target, ()))
    for r in rows:
        for h in r.holds:
            kind = HoldKind(h["kind"])
            if kind in _DATED and h.get("until") and dt.date.fromisoformat(h["until"]) >= today:
                waiting[r.id].append(kind.value)
            elif kind in (HoldKind.SECURITY, HoldKind.REQUEST):
                waiting[r.id].append(kind.value)  # an officer ends it (lift or erase); a request is never erased
    # kept with another record: waits while that one waits (to a fixed point)
    by_target = {r.target: r for r in rows}
    changed = True
    while changed:
        changed = False
        for r in rows:
            if waiting[r.id]:
                continue
            for h in r.holds:
                if h["kind"] == HoldKind.REFERENCED and h.get("kept_with"):
                    other = by_target.get(Target(*h["kept_with"]))
                    if other is not None and waiting[other.id]:
                        waiting[r.id].append(HoldKind.REFERENCED.value)
                        changed = True
                        break
    return {k: tuple(dict.fromkeys(v)) for k, v in waiting.items()}


def _due(
    engine: sa.Engine, settings: Settings, today: dt.date, connectors_of: ConnectorsOf
) -> list[tuple[cf.Restriction, tuple[str, ...]]]:
    found: list[tuple[cf.Restriction, tuple[str, ...]]] = []
    for controller, rows in _controllers(engine, settings).items():
        try:
            connectors = connectors_of(settings, controller)
        except DSRError:
            found += [(r, ("unreachable",)) for r in rows]
            continue
        try:
            waiting = _judge(rows, writers_of(connectors), today)
        finally:
            close_connectors(connectors)
        found += [(r, waiting[r.id]) for r in rows]
    return found


def due_holds(
    engine: sa.Engine, settings: Settings, today: dt.date, *, connectors_of: ConnectorsOf = connect
) -> list[DueHold]:
    """Every restricted record of the configured controllers, and whether it is due for erasure."""
    return [
        DueHold(
            target=r.target,
            plan_id=r.plan_id,
            kinds=tuple(dict.fromkeys(str(h["kind"]) for h in r.holds)),
            until=r.until,
            due=not waiting,
            waiting=waiting,
        )
        for r, waiting in _due(engine, settings, today, connectors_of)
    ]


def _referenced_first(rows: Sequence[cf.Restriction]) -> list[cf.Restriction]:
    """A record others are kept with goes first (the row pointing at it may not outlive it)."""
    anchors = {Target(*h["kept_with"]) for r in rows for h in r.holds if h.get("kept_with")}
    return sorted(rows, key=lambda r: (r.target not in anchors, r.target))


def run_holds(
    engine: sa.Engine, settings: Settings, today: dt.date, actor: str, *, connectors_of: ConnectorsOf = connect
) -> HoldRun:
    """Erase every restricted record whose holds ended (one transaction per store), end its
    restriction (audited), and record the run. Running it again erases nothing more."""
    judged = _due(engine, settings, today, connectors_of)
    due = [r for r, waiting in judged if not waiting]
    erased: list[Target] = []
    failed: list[str] = []
    plans: dict[str, ErasurePlan] = {}
    by_store: dict[tuple[str, str], list[cf.Restriction]] = {}
    for r in due:
        by_store.setdefault((r.controller, r.target.store), []).append(r)
    for (controller, store), rows in by_store.items():
        connectors = connectors_of(settings, controller)
        try:
            writer = writers_of(connectors).get(store)
            if writer is None:
                failed.append(store)
                continue
            rows = _referenced_first(rows)
            lines: list[cf.LogEntry] = []
            for plan_id in dict.fromkeys(r.plan_id for r in rows):
                plan = plans.setdefault(plan_id, cf.get_plan(engine, plan_id).plan)
                how = {a.target: a.erase.value for a in plan.actions}
                steps: list[tuple[Target, str, str | None]] = []
                for r in rows:
                    if r.plan_id != plan_id:
                        continue
                    if r.how == "flag":
                        steps.append((r.target, "lift", None))
                    steps.append((r.target, "erase", how.get(r.target)))
                lines += cf.log_intent(engine, plan_id, steps)
            order = {r.target: i for i, r in enumerate(rows)}
            lines.sort(key=lambda line: (order[line.target], line.action != "lift"))
            pending = [line for line in lines if line.done_at is None]
            try:
                _apply_many(engine, writer, pending)
            except ErasureError:
                failed.append(store)
                continue
            for r in rows:
                cf.end_restriction(engine, r.id, cf.RestrictionState.ERASED, who=actor, reason="holds_ended")
                erased.append(r.target)
        finally:
            close_connectors(connectors)
    run = HoldRun(erased=tuple(erased), still_held=len(judged) - len(erased), failed=tuple(failed))
    cf.audit_hold_run(engine, actor=actor, erased=len(erased), still_held=run.still_held, failed=failed)
    return run


def _apply_many(engine: sa.Engine, writer: StoreWriter, lines: Sequence[cf.LogEntry]) -> None:
    """Lines of several plans for one store: one transaction, then each plan's lines completed."""
    if not lines:
        return
    try:
        applied = writer.apply([Step(target=line.target, action=StepAction(line.action)) for line in lines])
    except WriteError as exc:
        log.warning("store %s refused the due erasures: %s", writer.store, exc)
        raise ErasureError(f"store {writer.store} refused: {exc}", code="write_failed") from None
    _pause()
    by_plan: dict[str, list[tuple[int, bool]]] = {}
    for line, a in zip(lines, applied, strict=True):
        by_plan.setdefault(line.plan_id, []).append((line.seq, a.changed))
    for plan_id, results in by_plan.items():
        cf.log_done(engine, plan_id, results)


def at_request(row: cf.Restriction) -> bool:
    """Whether the restriction was made at the person's request (Art. 18(1) GDPR)."""
    return any(h.get("kind") == HoldKind.REQUEST for h in row.holds)


#: how the person was told before a restriction at their request is lifted (Art. 18(3) GDPR):
#: dsr's lift notice (:mod:`dsr.service.lift_notice`), or otherwise, recorded as such
INFORMED_HOW = ("letter", "in_person", "phone", "other")


def lift(
    engine: sa.Engine,
    settings: Settings,
    restriction_id: int,
    *,
    actor: User | str,
    reason: str,
    informed_on: dt.date | None = None,
    informed_how: str = "other",
    connectors_of: ConnectorsOf = connect,
) -> None:
    """An officer ends a restriction without erasing (a security record released, a hold
    decided otherwise, a restriction at the person's request that ended): a flag in the store is
    lifted (logged under the plan), then the restriction is ``lifted`` (audited with the coded
    ``reason``). A restriction at the person's request is lifted only once they were told
    (Art. 18(3) GDPR): ``informed_on``, the day, is required (``restriction_not_told``)."""
    row = next((r for r in cf.restrictions_of(engine, state=None) if r.id == restriction_id), None)
    if row is None:
        raise NotFound(f"no restriction {restriction_id}")
    if at_request(row) and row.state is cf.RestrictionState.RESTRICTED:
        _check_told(settings, row, informed_on)
    if row.how == "flag" and row.state is cf.RestrictionState.RESTRICTED:
        connectors = connectors_of(settings, row.controller)
        try:
            writer = writers_of(connectors).get(row.target.store)
            if writer is None:
                raise ErasureError(f"store {row.target.store} has no write side", code="no_writer")
            lines = cf.log_intent(engine, row.plan_id, [(row.target, "lift", None)])
            _apply_many(engine, writer, [line for line in lines if line.done_at is None])
        finally:
            close_connectors(connectors)
    cf.end_restriction(
        engine,
        restriction_id,
        cf.RestrictionState.LIFTED,
        who=actor,
        reason=reason,
        informed_on=informed_on,
        informed_how=informed_how if informed_on else "",
    )


def _check_told(settings: Settings, row: cf.Restriction | None, informed_on: dt.date | None) -> None:
    if informed_on is None:
        raise TransitionRefused(
            "the person must be told before a restriction at their request is lifted (Art. 18(3) GDPR): "
            "send the lift notice, or record the day they were told otherwise",
            code="restriction_not_told",
        )
    if informed_on > dt.datetime.now(settings.zone).date():
        raise InputRejected("the person cannot have been told in the future", code="informed_on_future")
    if row is not None and informed_on < row.created_at.astimezone(settings.zone).date():
        raise InputRejected("the person was told before the restriction began", code="informed_on_early")


def lift_plan(
    engine: sa.Engine,
    settings: Settings,
    plan_id: str,
    *,
    actor: User | str,
    informed_on: dt.date | None,
    informed_how: str = "other",
    note: str = "",
    connectors_of: ConnectorsOf = connect,
) -> int:
    """Lift every restriction a restriction plan (at the person's request) still holds, once the
    person was told (Art. 18(3) GDPR), checked before anything changes: without ``informed_on``
    the case's lift notice must have gone out (:func:`told_by_letter`: the day it was mailed counts,
    and the day it names must have come); with it the person was told otherwise, ``informed_how``
    (in_person | phone | other), recorded as such. ``note`` (how they were told; personal data) is
    kept as a document of the plan's case, never in the audit trail. Returns how many restrictions
    were lifted."""
    stored = cf.get_plan(engine, plan_id, actor)
    rows = cf.restrictions_of(engine, stored.controller, plan_id_=plan_id)
    if stored.plan.kind != "restriction":
        raise TransitionRefused("only a restriction plan is lifted as a whole", code="restriction_not_requested")
    if informed_how not in INFORMED_HOW:
        raise InputRejected(f"told: one of {', '.join(INFORMED_HOW)}", code="informed_how")
    if informed_on is None and rows:
        informed_on, informed_how = told_by_letter(engine, settings, stored), "letter"
    for row in rows:
        _check_told(settings, row, informed_on)
    if note.strip() and stored.case_reference is not None:
        told = informed_on.isoformat() if informed_on else ""
        attach_document(
            engine,
            stored.case_reference,
            "restriction_lift",
            Document(
                filename=f"aufhebung-{plan_id}.txt",
                media_type="text/plain; charset=utf-8",
                content=f"{plan_id} {told} {informed_how}\n{note.strip()}\n".encode(),
            ),
            user=actor if isinstance(actor, User) else None,
        )
    for row in rows:
        lift(
            engine,
            settings,
            row.id,
            actor=actor,
            reason="request_ended",
            informed_on=informed_on,
            informed_how=informed_how,
            connectors_of=connectors_of,
        )
    return len(rows)


def told_by_letter(engine: sa.Engine, settings: Settings, stored: cf.StoredPlan) -> dt.date:
    """The day the case's lift notice of this plan was mailed: refused while there is none
    (``restriction_not_told``), while it has not gone out (``lift_notice_not_sent``) and before the
    day it names (``lift_notice_later``)."""
    notice = announced(engine, stored.case_reference, stored.id) if stored.case_reference else None
    if notice is None:
        _check_told(settings, None, None)
    assert notice is not None
    if notice.mailed_on is None:
        raise TransitionRefused(
            "the lift notice has not gone out yet: it is approved and mailed before the restriction is lifted "
            "(Art. 18(3) GDPR)",
            code="lift_notice_not_sent",
        )
    if dt.datetime.now(settings.zone).date() < notice.lift_on:
        raise TransitionRefused(
            f"the lift notice announced the lift from {notice.lift_on.isoformat()}",
            code="lift_notice_later",
            day=notice.lift_on.isoformat(),
        )
    return notice.mailed_on


# ------------------------------------------------------------------ the log, replay, the list


class _Line(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    plan: str
    controller: str
    seq: int
    at: str
    store: str
    collection: str
    key: str
    action: str
    erase: str | None
    changed: bool | None


def export_log(engine: sa.Engine, plan_id: str) -> bytes:
    """The plan's erasure log as JSON lines (the steps every store committed, in order): ids and
    actions only. :func:`replay` applies it to a restored backup."""
    stored = cf.get_plan(engine, plan_id)
    out = [
        msgspec.json.encode(
            _Line(
                plan=plan_id,
                controller=stored.controller,
                seq=e.seq,
                at=e.at.isoformat(),
                store=e.target.store,
                collection=e.target.collection,
                key=e.target.key,
                action=e.action,
                erase=e.erase_action,
                changed=e.changed,
            )
        )
        for e in cf.log_entries(engine, plan_id)
        if e.done_at is not None
    ]
    return b"".join(line + b"\n" for line in out)


def replay(settings: Settings, log_lines: Iterable[bytes | str], *, connectors_of: ConnectorsOf = connect) -> Replayed:
    """Apply logged erasures again, in order, onto stores restored from a backup: consecutive
    lines of one store in one transaction. Lines of dsr's own restriction list change no store."""
    lines: list[_Line] = []
    for n, raw in enumerate(log_lines, start=1):
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        try:
            lines.append(msgspec.json.decode(text, type=_Line))
        except msgspec.DecodeError as exc:
            raise ErasureError(f"erasure log line {n}: not a log line ({exc})", code="log_invalid") from None
    runs: list[list[_Line]] = []
    for line in lines:
        if line.action not in ("erase", "restrict", "lift"):
            continue
        if runs and (runs[-1][0].controller, runs[-1][0].store) == (line.controller, line.store):
            runs[-1].append(line)
        else:
            runs.append([line])
    steps = changed = 0
    stores: list[str] = []
    built: dict[str, Sequence[Connector]] = {}
    try:
        for run in runs:
            controller, store = run[0].controller, run[0].store
            if controller not in built:
                built[controller] = connectors_of(settings, controller)
            writer = writers_of(built[controller]).get(store)
            if writer is None:
                raise ErasureError(f"store {store} of {controller} has no write side", code="no_writer", store=store)
            try:
                applied = writer.apply(
                    [Step(target=Target(x.store, x.collection, x.key), action=StepAction(x.action)) for x in run]
                )
            except WriteError as exc:
                raise ErasureError(f"store {store} refused: {exc}", code="write_failed") from None
            steps += len(applied)
            changed += sum(1 for a in applied if a.changed)
            stores.append(store)
    finally:
        for connectors in built.values():
            close_connectors(connectors)
    return Replayed(steps=steps, changed=changed, stores=tuple(dict.fromkeys(stores)))


def restricted(engine: sa.Engine, controller: str) -> list[Target]:
    """The controller's restricted records (flag and list), each once, in order."""
    return sorted({r.target for r in cf.restrictions_of(engine, controller)})


def restricted_until(engine: sa.Engine, controller: str) -> dict[tuple[str, str, str], dt.date | None]:
    """The restriction list for a gather (``prepare_answer(processing_restricted=…)``): each
    restricted record → the last day of its dated holds, None while a condition lasts."""
    out: dict[tuple[str, str, str], dt.date | None] = {}
    for r in cf.restrictions_of(engine, controller):
        key = (r.target.store, r.target.collection, r.target.key)
        earlier = out.get(key, r.until)
        out[key] = None if earlier is None or r.until is None else max(earlier, r.until)
    return out


def restriction_rows(engine: sa.Engine, controller: str) -> list[cf.Restriction]:
    """The same with how, holds and until (``dsr restricted`` exports them)."""
    return cf.restrictions_of(engine, controller)
