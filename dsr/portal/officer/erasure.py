"""Erasure (Art. 17) and restriction (Art. 18) on the officer's case page, and their API.

The steps, each a form of the case page (posting to ``/officer/cases/<ref>/do/<action>`` like every
other action) and a route of the JSON API:

1. ``erasure-plan``: make the plan for the confirmed subject (:func:`dsr.service.erasure.make_plan`,
   which gathers itself) and propose it; ``erasure-hold`` adds a legal-claim hold and makes it again;
   For a restriction at the person's request (Art. 18(1)), ``restriction-plan`` makes the
   restriction plan instead: the ground the officer records and an optional last day;
2. ``erasure-approve``: a second officer approves the plan (four eyes: refused for its proposer);
3. ``erasure-execute``: execute the approved plan (one transaction per store; idempotent);
4. ``erasure-task``: close each Art. 19 notice task (told / impossible / disproportionate + note);
5. ``erasure-letter``: the confirmation (:mod:`dsr.service.erasure_letter`) becomes the case's
   prepared answer; approval and dispatch follow as for every answer.
6. ``restriction-lift``: a restriction at the person's request is lifted once the person was told
   (Art. 18(3)): by the lift notice (``lift-notice``, its approval and post:
   :mod:`dsr.portal.officer.lift_notice`) — the day it was mailed counts —, or otherwise (in person,
   by phone), recorded with the day the officer gives.

A request that asks for access (or a copy) as well is answered in order: the access answer first,
from the data as they are; once it is dispatched the erasure is planned and carried out, and its
confirmation is the case's second letter (:mod:`dsr.casefile.confirmation`):
``erasure-letter-approve`` (four eyes, the letter opened) and ``erasure-letter-post``.

The case file enforces every rule; this module only shows what is possible and says why not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from dsr import casefile
from dsr.casefile import confirmation
from dsr.casefile.erasure import PlanState, close_notice, notices_of_plan, plans_of_case, restrictions_of
from dsr.casefile.states import OPEN
from dsr.model import Subject, Text
from dsr.pipeline.compose.wording import pick
from dsr.pipeline.erasure import (
    RESTRICTION_GROUNDS,
    ErasurePlan,
    HoldKind,
    LegalClaim,
    PlannedAction,
    PlannedOutcome,
    plan_pdf,
)
from dsr.portal.context import Portal
from dsr.portal.i18n import Language, keys, text
from dsr.portal.officer.lift_notice import ACTIONS as NOTICE_ACTIONS
from dsr.portal.officer.lift_notice import NoticeView, notice_view
from dsr.portal.officer.session import page_language
from dsr.portal.params import RowId
from dsr.service import erasure as service
from dsr.service import erasure_letter
from dsr.service.casework.common import case_by_reference, close_connectors, confirmed_subject

Kind = Literal["erasure", "restriction"]
#: where the erasure stands, in order (the template and the next-step panel branch on it)
#: access_first: the access answer goes out before the erasure; confirm_*: the second letter
Stage = Literal[
    "identity",
    "access_first",
    "plan",
    "approval",
    "execute",
    "tasks",
    "letter",
    "confirm_approval",
    "confirm_dispatch",
    "done",
]
Ground = Literal["accuracy", "unlawful", "claims", "objection"]
#: the states in which the plan is worked (before: identity; after: the letter is the answer)
WORKING = frozenset({casefile.CaseState.IDENTITY_CONFIRMED, casefile.CaseState.GATHERING, casefile.CaseState.REVIEW})


def kind_of(request_types: Any) -> Kind | None:
    """Erasure wins where both are asked: what may not be erased is restricted anyway."""
    types = {str(t) for t in request_types}
    return "erasure" if "erasure" in types else "restriction" if "restriction" in types else None


# --------------------------------------------------------------------------- bodies


class NoBody(msgspec.Struct, kw_only=True):
    pass


class RestrictionBody(msgspec.Struct, kw_only=True):
    """A restriction at the person's request: the Art. 18(1) ground and, optionally, its last day."""

    ground: Ground  #: a accuracy contested, b unlawful (erasure opposed), c legal claims, d objection pending
    until: dt.date | None = None  #: None: until lifted


class LiftBody(msgspec.Struct, kw_only=True):
    """Lifting a restriction at the person's request once they were told (Art. 18(3) GDPR): by the
    lift notice (no day: the day it was mailed counts; refused until it went out), or otherwise on
    ``informed_on``, ``told`` how."""

    informed_on: dt.date | None = None  #: the day they were told otherwise; None: by the lift notice
    told: Literal["in_person", "phone", "other"] | None = None  #: with informed_on (default other)
    note: str | None = None  #: how they were told (kept with the case)


class MailedBody(msgspec.Struct, kw_only=True):
    mailed_on: dt.date | None = None  #: default today


class PlanRef(msgspec.Struct, kw_only=True):
    plan: str | None = None  #: the plan's id (E-…); default: the case's current plan


class LegalClaimBody(msgspec.Struct, kw_only=True):
    """A hold for legal claims (Art. 17(3)(e) GDPR) on a collection of a store, until a date."""

    scope: str  #: "<store>/<collection>" of a record in the plan
    until: dt.date
    reason: str


class TaskBody(msgspec.Struct, kw_only=True):
    task: RowId
    outcome: Literal["done", "impossible", "disproportionate"]
    note: str | None = None  #: required unless done: the letter states it


class LetterBody(msgspec.Struct, kw_only=True):
    reasons: str | None = None  #: a restriction's reasons (Art. 18(1) GDPR): stated in the letter


# --------------------------------------------------------------------------- the page's view


class PlanRow(msgspec.Struct, frozen=True, kw_only=True):
    title: str  #: the collection's title in the page's language
    store: str
    collection: str
    key: str
    outcome: str  #: erase | restrict | expires | keep
    how: str  #: delete | anonymise | overwrite | expires | none
    holds: list[str]  #: hold kinds
    reasons: list[str]  #: each hold's reason in words
    until: str  #: a date in words, or the condition ("bis zur Rückgabe"); "" for none


class TaskRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    recipient: Text  #: by language
    activity: Text = {}  #: the register's activity whose data the recipient received, by language
    state: str  #: open | done | impossible | disproportionate
    note: str = ""
    closed_at: dt.datetime | None = None
    closed_by: str | None = None  #: the actor ("user:3")


class ClaimRow(msgspec.Struct, frozen=True, kw_only=True):
    until: dt.date
    reason: str


class ErasureView(msgspec.Struct, frozen=True, kw_only=True):
    kind: Kind
    stage: Stage
    plan_id: str | None = None
    created: dt.datetime | None = None
    proposed_by: str | None = None  #: the actor ("user:3")
    rows: list[PlanRow] = []
    counts: dict[str, int] = {}
    incomplete: list[str] = []
    claims: list[ClaimRow] = []
    scopes: dict[str, str] = {}  #: "<store>/<collection>" → its title, for the legal-claim form
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    executed_at: dt.datetime | None = None
    #: the confirmation is the case's answer (no access or copy was asked for as well)
    answers: bool = True
    may_plan: bool = False
    may_approve: bool = False
    approve_reason: str = ""  #: own | role: why approving is not offered
    tasks: list[TaskRow] = []
    review_open: bool = False
    #: the texts.toml keys (the template words an unknown hold kind generically)
    known: frozenset[str] = frozenset()
    grounds: tuple[str, ...] = tuple(RESTRICTION_GROUNDS)  #: for the restriction form
    ground: str = ""  #: the current restriction plan's ground
    restrict_until: dt.date | None = None  #: its last day (None: until lifted)
    #: restrictions at the person's request the executed plan still holds (lifted: 0)
    active: int = 0
    lifted_at: dt.datetime | None = None
    #: the lift notice of the restriction (Art. 18(3)); None unless the restriction was executed
    notice: NoticeView | None = None
    #: the second letter (access was asked for as well): its document and how far it went
    letter_id: int | None = None
    letter_approved_by: str | None = None
    letter_approved_at: dt.datetime | None = None
    letter_mailed_on: dt.date | None = None
    may_approve_letter: bool = False
    letter_reason: str = ""  #: own | role | open: why approving the second letter is not offered

    @property
    def open_tasks(self) -> int:
        return sum(1 for t in self.tasks if t.state == "open")


Action = Callable[[Portal, casefile.User, str, Any], Any]


def erasure_step(view: ErasureView) -> tuple[str, dict[str, object]] | None:
    """The next-step panel's step (``officer.next.<key>``) while the erasure is worked; None once
    the confirmation is the case's answer (the usual approval follows)."""
    if view.stage == "plan":
        return ("erasure.restriction_plan" if view.kind == "restriction" else "erasure.plan"), {}
    if view.stage == "confirm_approval":
        key = {"": "erasure.confirm_approve", "open": "erasure.confirm_open"}.get(view.letter_reason)
        return key or "erasure.confirm_await", {}
    if view.stage == "confirm_dispatch":
        return "erasure.confirm_dispatch", {}
    if view.stage == "approval":
        return ("erasure.approve" if view.may_approve else "erasure.await_approval"), {}
    if view.stage in ("execute", "letter"):
        return f"erasure.{view.stage}", {}
    if view.stage == "tasks":
        return "erasure.tasks", {"count": view.open_tasks}
    notice = view.notice
    if view.stage == "done" and notice is not None and notice.document and notice.mailed_on is None:
        if notice.approved_at is not None:
            return "erasure.lift_notice_dispatch", {}
        key = {"": "erasure.lift_notice_approve", "open": "erasure.lift_notice_open"}.get(notice.reason)
        return key or "erasure.lift_notice_await", {}
    return None


# --------------------------------------------------------------------------- the actions


def _subject(p: Portal, ref: str) -> tuple[str, Subject]:
    """The controller and the confirmed subject, rebuilt from the stores (as the answer does)."""
    case = case_by_reference(p.engine, ref)
    connectors = p.connectors_of(p.settings, case.controller)
    try:
        return case.controller, confirmed_subject(p.settings, case, connectors)
    finally:
        close_connectors(connectors)


def second_letter(request_types: Any) -> bool:
    """The request asks for access (or a copy) too: that answer goes out first, from the data as
    they are; the confirmation of the erasure or restriction follows as a second letter."""
    return bool({str(t) for t in request_types} & {"access", "copy"})


def _workable(view: casefile.CaseView) -> None:
    """Refuse planning outside the time it is done: while the case is worked, or — access asked
    for as well — once the access answer is dispatched (``erasure_access_first``)."""
    state = casefile.CaseState(view.state)
    if second_letter(view.request_types):
        if state is not casefile.CaseState.DISPATCHED:
            raise casefile.TransitionRefused(
                "the access answer goes out first; then the erasure is planned", code="erasure_access_first"
            )
    elif state not in WORKING:
        raise casefile.TransitionRefused("the plan is made while the case is worked", code="erasure_not_now")


def _new_plan(p: Portal, u: casefile.User, ref: str, claims: Sequence[LegalClaim]) -> str:
    view = casefile.get_case(p.engine, u, ref)  # membership first: no store is read for someone else's case
    if kind_of(view.request_types) != "erasure":
        # a restriction at the person's request has a plan of its own, with its ground
        raise casefile.InputRejected("a restriction plan names its ground", code="restriction_ground")
    _workable(view)
    controller, subject = _subject(p, ref)
    plan = service.make_plan(p.settings, controller, subject, legal_claims=claims, connectors_of=p.connectors_of)
    return service.propose(p.engine, plan, case_reference=ref, actor=u)


def _make_restriction(p: Portal, u: casefile.User, ref: str, b: RestrictionBody) -> Any:
    view = casefile.get_case(p.engine, u, ref)
    if kind_of(view.request_types) != "restriction":
        raise casefile.TransitionRefused("the request asks for erasure", code="restriction_not_requested")
    _workable(view)
    controller, subject = _subject(p, ref)
    plan = service.make_restriction_plan(
        p.settings, controller, subject, ground=b.ground, until=b.until, connectors_of=p.connectors_of
    )
    return {"plan": service.propose(p.engine, plan, case_reference=ref, actor=u), "done": "erasure.restriction_plan"}


def _lift(p: Portal, u: casefile.User, ref: str, b: LiftBody) -> Any:
    current = current_plan(p, u, ref)
    if current is None or current.plan.kind != "restriction" or current.executed_at is None:
        raise casefile.TransitionRefused("no restriction of this case to lift", code="restriction_not_requested")
    lifted = service.lift_plan(
        p.engine,
        p.settings,
        current.plan.id,
        actor=u,
        informed_on=b.informed_on,
        informed_how=(b.told or "other") if b.informed_on else "letter",
        note=(b.note or "").strip(),
        connectors_of=p.connectors_of,
    )
    return {"done": "erasure.lift", "lifted": lifted}


def _approve_letter(p: Portal, u: casefile.User, ref: str, _: NoBody) -> Any:
    confirmation.approve(p.engine, u, ref)
    return {"done": "erasure.letter_approve"}


def _post_letter(p: Portal, u: casefile.User, ref: str, b: MailedBody) -> Any:
    today = dt.datetime.now(p.settings.zone).date()  # the local day ([dsr] timezone)
    mailed_on = b.mailed_on or today
    if mailed_on > today:
        raise casefile.InputRejected("the letter cannot have been mailed in the future", code="mailed_on_future")
    confirmation.dispatch_by_post(p.engine, u, ref, mailed_on)
    return {"done": "erasure.letter_post"}


def _make_plan(p: Portal, u: casefile.User, ref: str, _: NoBody) -> Any:
    current = current_plan(p, u, ref)
    claims = _claims_of(current.plan) if current is not None else ()
    return {"plan": _new_plan(p, u, ref, claims), "done": "erasure.plan"}


def _add_hold(p: Portal, u: casefile.User, ref: str, b: LegalClaimBody) -> Any:
    current = current_plan(p, u, ref)
    if current is None:
        raise casefile.TransitionRefused("make the plan first", code="erasure_no_plan")
    store, _, collection = b.scope.partition("/")
    if not b.reason.strip() or (store, collection) not in {
        (a.target.store, a.target.collection) for a in current.plan.actions
    }:
        raise casefile.InputRejected("a legal claim names a collection of the plan and why", code="erasure_claim")
    if b.until <= dt.datetime.now(p.settings.zone).date():
        raise casefile.InputRejected("a legal claim lasts until a day after today", code="erasure_claim_past")
    claim = LegalClaim(until=b.until, reason=b.reason.strip(), store=store, collection=collection)
    return {"plan": _new_plan(p, u, ref, (*_claims_of(current.plan), claim)), "done": "erasure.hold"}


def _plan_of(p: Portal, u: casefile.User, ref: str, plan: str | None) -> str:
    current = current_plan(p, u, ref)
    if current is None or (plan is not None and plan != current.plan.id):
        # an approval names exactly what was approved: a plan made again since is another plan
        raise casefile.TransitionRefused("this is not the case's current plan", code="erasure_not_current")
    return current.plan.id


def _approve(p: Portal, u: casefile.User, ref: str, b: PlanRef) -> Any:
    service.approve(p.engine, _plan_of(p, u, ref, b.plan), u)
    return {"done": "erasure.approve"}


def _execute(p: Portal, u: casefile.User, ref: str, b: PlanRef) -> Any:
    done = service.execute(p.engine, p.settings, _plan_of(p, u, ref, b.plan), actor=u, connectors_of=p.connectors_of)
    return {"done": "erasure.execute", "changed": done.changed, "notices": list(done.notices)}


def _task(p: Portal, u: casefile.User, ref: str, b: TaskBody) -> Any:
    current = current_plan(p, u, ref)
    if current is None:
        raise casefile.NotFound(f"no erasure plan in case {ref}")
    if b.task not in {t.id for t in current.tasks}:
        raise casefile.NotFound(f"no notice {b.task} in case {ref}")
    close_notice(p.engine, u, b.task, b.outcome, (b.note or "").strip())
    return {"done": "erasure.task"}


def _letter(p: Portal, u: casefile.User, ref: str, b: LetterBody) -> Any:
    view = casefile.get_case(p.engine, u, ref)
    kind = kind_of(view.request_types)
    current = current_plan(p, u, ref)
    if kind is None or current is None or current.executed_at is None:
        raise casefile.TransitionRefused("the plan is not executed yet", code="erasure_not_executed")
    told = [_told(t) for t in current.tasks]
    document = erasure_letter.prepare_confirmation(
        p.engine,
        p.settings,
        u,
        ref,
        current.plan,
        told,
        kind=kind,
        reasons=(b.reasons or "").strip(),
        second=second_letter(view.request_types),
        connectors_of=p.connectors_of,
    )
    return {"document": document, "done": "erasure.letter"}


ACTIONS: dict[str, tuple[type[msgspec.Struct], Action]] = {
    "erasure-plan": (NoBody, _make_plan),
    "erasure-hold": (LegalClaimBody, _add_hold),
    "erasure-approve": (PlanRef, _approve),
    "erasure-execute": (PlanRef, _execute),
    "erasure-task": (TaskBody, _task),
    "erasure-letter": (LetterBody, _letter),
    "restriction-plan": (RestrictionBody, _make_restriction),
    "restriction-lift": (LiftBody, _lift),
    "erasure-letter-approve": (NoBody, _approve_letter),
    "erasure-letter-post": (MailedBody, _post_letter),
    **NOTICE_ACTIONS,  # lift-notice, -approve, -post
}


# --------------------------------------------------------------------------- the case's plan


class CurrentPlan(msgspec.Struct, frozen=True, kw_only=True):
    """The case's newest plan with who proposed, approved and executed it, and its notice tasks."""

    plan: ErasurePlan
    proposed_by: str
    proposed_at: dt.datetime
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    executed_at: dt.datetime | None = None
    tasks: list[TaskRow] = []


def _claims_of(plan: ErasurePlan) -> tuple[LegalClaim, ...]:
    """The legal-claim holds an officer added, as claims again (a plan made anew keeps them)."""
    found: dict[tuple[str, str, dt.date, str], LegalClaim] = {}
    for action in plan.actions:
        for hold in action.holds:
            if hold.kind is HoldKind.LEGAL_CLAIM and hold.until is not None:
                reason = next(iter(hold.reason.values()), "")
                key = (action.target.store, action.target.collection, hold.until, reason)
                found[key] = LegalClaim(until=hold.until, reason=reason, store=key[0], collection=key[1], law=hold.law)
    return tuple(found.values())


def _told(task: TaskRow) -> erasure_letter.Told:
    return erasure_letter.Told(name=task.recipient, outcome=cast(erasure_letter.Outcome, task.state), note=task.note)


def _until(action: PlannedAction, language: Language) -> str:
    if action.erase_on is not None:
        return action.erase_on.strftime(text(language, "officer.date_format"))
    for hold in action.holds:
        if hold.until is None:
            key = f"officer.erasure.waits.{hold.kind}"
            return text(language, key if key in keys() else "officer.erasure.waits.other")
    return ""


def _row(action: PlannedAction, language: Language) -> PlanRow:
    # a record kept with several others is held once per record: say each kind of hold once
    holds = list({(h.kind.value, pick(h.reason, language, "")): h for h in action.holds})
    return PlanRow(
        title=pick(action.title, language, action.target.collection),
        store=action.target.store,
        collection=action.target.collection,
        key=action.target.key,
        outcome=action.outcome.value,
        how=action.erase.value,
        holds=[kind for kind, _ in holds],
        reasons=[reason for _, reason in holds],
        until=_until(action, language),
    )


def stage_of(
    state: casefile.CaseState,
    current: CurrentPlan | None,
    *,
    second: bool = False,
    letter: confirmation.Confirmation | None = None,
) -> Stage:
    """Where the erasure stands. ``second``: access was asked for as well (the access answer goes
    out first; ``letter``: the second letter, once prepared)."""
    if state in (casefile.CaseState.RECEIVED, casefile.CaseState.IDENTITY_PENDING):
        return "identity"
    if second and state is not casefile.CaseState.DISPATCHED:
        return "access_first" if state in OPEN else "done"
    if not second and state not in WORKING:
        return "done"  # the confirmation is prepared (or the case ended)
    if current is None:
        return "plan"
    if current.approved_at is None:
        return "approval"
    if current.executed_at is None:
        return "execute"
    if any(t.state == "open" for t in current.tasks):
        return "tasks"
    if not second or letter is None or letter.prepared_at < current.executed_at:
        return "letter"
    if letter.approved_at is None:
        return "confirm_approval"
    return "confirm_dispatch" if letter.dispatched_at is None else "done"


def erasure_view(
    p: Portal, u: casefile.User, view: casefile.CaseView, review_open: bool, language: Language
) -> ErasureView | None:
    """The erasure section of the case page; None unless the request asks for erasure or restriction.
    ``review_open``: review items wait for a decision (the letter waits for them)."""
    kind = kind_of(view.request_types)
    if kind is None:
        return None
    second = second_letter(view.request_types)
    current = current_plan(p, u, view.reference) if view.subject_reference else None
    letter = confirmation.current(p.engine, u, view.reference) if second and current is not None else None
    stage = stage_of(view.state, current, second=second, letter=letter)
    if current is None:
        return ErasureView(kind=kind, stage=stage, may_plan=stage == "plan", answers=not second)
    plan = current.plan
    rows = [_row(a, language) for a in plan.actions]
    counts = {o.value: sum(1 for a in plan.actions if a.outcome is o) for o in PlannedOutcome}
    mine = current.proposed_by == u.actor
    may_approve = stage == "approval" and not mine and u.can(view.controller, "approver")
    restricting = plan.kind == "restriction"
    held = restrictions_of(p.engine, plan.controller, state=None, plan_id_=plan.id) if restricting else []
    lifted = [r.ended_at for r in held if r.state.value == "lifted" and r.ended_at is not None]
    active = sum(1 for r in held if r.state.value == "restricted")
    notice = None
    if restricting and current.executed_at is not None:
        first_sent = not second or (letter is not None and letter.dispatched_at is not None)
        notice = notice_view(p, u, view, plan.id, active=active > 0, first_sent=first_sent)
    return ErasureView(
        kind=kind,
        stage=stage,
        plan_id=plan.id,
        created=plan.created,
        proposed_by=current.proposed_by,
        rows=rows,
        counts=counts,
        incomplete=list(plan.incomplete),
        claims=[ClaimRow(until=c.until, reason=c.reason) for c in _claims_of(plan)],
        scopes={f"{r.store}/{r.collection}": r.title for r in rows},
        approved_by=current.approved_by,
        approved_at=current.approved_at,
        executed_at=current.executed_at,
        answers=not second,
        may_plan=stage in ("plan", "approval", "execute"),
        may_approve=may_approve,
        approve_reason="" if may_approve else "own" if mine else "role",
        tasks=current.tasks,
        review_open=review_open,
        known=frozenset(k for k in keys() if k.startswith("officer.erasure.holds.")),
        ground=plan.ground,
        restrict_until=next((h.until for a in plan.actions for h in a.holds if h.kind is HoldKind.REQUEST), None),
        active=active,
        lifted_at=max(lifted) if lifted else None,
        notice=notice,
        **_letter_view(p, u, view, letter),
    )


def _letter_view(
    p: Portal, u: casefile.User, view: casefile.CaseView, letter: confirmation.Confirmation | None
) -> dict[str, Any]:
    """The second letter's part of the view: who approved it, and why this user may not."""
    if letter is None:
        return {}
    reason = ""
    if not u.can(view.controller, "approver"):
        reason = "role"
    elif letter.prepared_by == u.id:
        reason = "own"
    elif not confirmation.opened(p.engine, u, view.reference):
        reason = "open"
    return {
        "letter_id": letter.document,
        "letter_approved_by": letter.approved_by,
        "letter_approved_at": letter.approved_at,
        "letter_mailed_on": letter.mailed_on,
        "may_approve_letter": letter.approved_at is None and reason == "",
        "letter_reason": reason,
    }


def staff_ids(view: ErasureView) -> set[int]:
    """The users the section names (proposer, approver, who closed a task), by id."""
    actors = [view.proposed_by, view.approved_by, view.letter_approved_by, *(t.closed_by for t in view.tasks)]
    actors.append(view.notice.approved_by if view.notice is not None else None)
    return {int(a.removeprefix("user:")) for a in actors if a and a.removeprefix("user:").isdigit()}


def _activity(plan: ErasurePlan, number: int) -> Text:
    """The activity of the plan's ``number``-th recipient (counted from 1), in words."""
    if 0 < number <= len(plan.recipients):
        recipient = plan.recipients[number - 1]
        return recipient.activity_name or {"de": recipient.activity, "en": recipient.activity}
    return {}


def current_plan(p: Portal, u: casefile.User, ref: str) -> CurrentPlan | None:
    """The case's newest plan not superseded, with its notice tasks."""
    casefile.get_case(p.engine, u, ref)  # membership first
    stored = [s for s in plans_of_case(p.engine, u, ref) if s.state is not PlanState.SUPERSEDED]
    if not stored:
        return None
    newest = stored[0]
    return CurrentPlan(
        plan=newest.plan,
        proposed_by=newest.proposed_by,
        proposed_at=newest.proposed_at,
        approved_by=newest.approved_by,
        approved_at=newest.approved_at,
        executed_at=newest.executed_at,
        tasks=[
            TaskRow(
                id=t.id,
                recipient=t.recipient,
                activity=_activity(newest.plan, t.number),
                state=t.state.value,
                note=t.note or "",
                closed_at=t.closed_at,
                closed_by=t.closed_by,
            )
            for t in notices_of_plan(p.engine, newest.id)
        ],
    )


# --------------------------------------------------------------------------- plan.pdf


def plan_document(p: Portal, u: casefile.User, ref: str, language: str) -> bytes:
    """The case's current plan as the readable PDF the approver reads (in ``language``)."""
    current = current_plan(p, u, ref)
    if current is None:
        raise casefile.NotFound(f"no erasure plan in case {ref}")
    return plan_pdf(current.plan, p.settings.controller(current.plan.controller), language, p.settings.zone)


def pdf_response(content: bytes, plan_id: str, *, inline: bool) -> Response[bytes]:
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "content-disposition": f'{disposition}; filename="loeschplan-{plan_id}.pdf"',
            "x-content-type-options": "nosniff",
        },
    )


@get("/cases/{ref:str}/erasure/plan.pdf", include_in_schema=False)
async def plan_pdf_page(
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
) -> Response[bytes]:
    content = await portal.call(plan_document, portal, user, ref, page_language(request))
    return pdf_response(content, ref, inline=True)


HANDLERS = [plan_pdf_page]
