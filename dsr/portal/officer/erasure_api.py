"""The erasure steps in the officer's JSON API (``/api/officer/cases/{ref}/erasure/…``): the same
actions as the case page's forms (:mod:`dsr.portal.officer.erasure`), in the OpenAPI schema.

The order: ``POST …/erasure/plan`` (make and propose the plan; ``…/erasure/hold`` adds a legal-claim
hold and makes it again), ``…/erasure/approve`` (another officer with the approver role),
``…/erasure/execute``, ``…/erasure/task`` once per Art. 19 notice, ``…/erasure/letter`` (the
confirmation becomes the answer); then the usual ``…/approve`` and dispatch.

A restriction at the person's request: ``…/erasure/restriction-plan`` (ground, optional until)
instead of ``…/erasure/plan``, the same steps, and ``…/erasure/lift`` (the day the person was
told, Art. 18(3) GDPR; without it the lift notice must have gone out: ``…/erasure/lift-notice``,
``…/lift-notice/approve``, ``…/lift-notice/post``). Access asked for as well: the access answer is dispatched first; the
confirmation is then a second letter, ``…/erasure/letter/approve`` and ``…/erasure/letter/post``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from dsr import casefile
from dsr.casefile import confirmation
from dsr.casefile.confirmation import Confirmation
from dsr.pipeline.erasure import ErasurePlan
from dsr.portal.context import Portal
from dsr.portal.officer import erasure as e
from dsr.portal.officer import lift_notice as n
from dsr.portal.officer.api_actions import run_action


class ErasureState(msgspec.Struct, frozen=True, kw_only=True):
    """Where a case's erasure or restriction stands, and its current plan (``plan.json``)."""

    kind: e.Kind
    #: identity | access_first | plan | approval | execute | tasks | letter | confirm_approval |
    #: confirm_dispatch | done
    stage: e.Stage
    plan: ErasurePlan | None = None
    proposed_by: str | None = None  #: an audit actor ("user:3")
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    executed_at: dt.datetime | None = None
    #: the Art. 19 notice tasks (state: open | done | impossible | disproportionate)
    notices: list[e.TaskRow] = []
    #: access was asked for as well: the confirmation is the second letter (document, approval, dispatch)
    letter: Confirmation | None = None


def _state(p: Portal, u: casefile.User, ref: str) -> ErasureState:
    view = casefile.get_case(p.engine, u, ref)
    kind = e.kind_of(view.request_types)
    if kind is None:
        raise casefile.NotFound(f"case {ref} asks for no erasure or restriction")
    current = e.current_plan(p, u, ref) if view.subject_reference else None
    second = e.second_letter(view.request_types)
    letter = confirmation.current(p.engine, u, ref) if second and current is not None else None
    stage = e.stage_of(view.state, current, second=second, letter=letter)
    if current is None:
        return ErasureState(kind=kind, stage=stage)
    return ErasureState(
        kind=kind,
        stage=stage,
        plan=current.plan,
        proposed_by=current.proposed_by,
        approved_by=current.approved_by,
        approved_at=current.approved_at,
        executed_at=current.executed_at,
        notices=current.tasks,
        letter=letter,
    )


@get("/cases/{ref:str}/erasure", summary="The erasure or restriction of a case: stage, current plan, Art. 19 notices")
async def erasure_state(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> ErasureState:
    return await portal.call(_state, portal, user, ref)


@get("/cases/{ref:str}/erasure/plan.pdf", summary="The current erasure plan as a readable PDF (de or en)")
async def erasure_plan_pdf(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    lang: Annotated[Literal["de", "en"], QueryParameter(required=False)] = "de",
) -> Response[bytes]:
    content = await portal.call(e.plan_document, portal, user, ref, lang)
    return e.pdf_response(content, ref, inline=False)


@post(
    "/cases/{ref:str}/erasure/plan",
    status_code=200,
    summary="Make the erasure plan for the confirmed subject (reads every store) and propose it; "
    "a plan made again supersedes the unexecuted one. Returns its id (plan)",
)
async def erasure_plan(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-plan", e.NoBody())


@post(
    "/cases/{ref:str}/erasure/hold",
    status_code=200,
    summary="Hold the records of a collection (scope: store/collection) for a legal claim until a date "
    "(Art. 17(3)(e) GDPR); the plan is made again and needs a new approval",
)
async def erasure_hold(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[e.LegalClaimBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-hold", data)


@post(
    "/cases/{ref:str}/erasure/approve",
    status_code=200,
    summary="Approve the current plan (plan: its id) — an approver other than who proposed it (four eyes)",
)
async def erasure_approve(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str], data: JSONBody[e.PlanRef]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-approve", data)


@post(
    "/cases/{ref:str}/erasure/execute",
    status_code=200,
    summary="Execute the approved plan: erase, restrict what is held, open one Art. 19 notice per recipient; "
    "running it again changes nothing more (changed: records changed, notices: their ids)",
)
async def erasure_execute(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str], data: JSONBody[e.PlanRef]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-execute", data)


@post(
    "/cases/{ref:str}/erasure/task",
    status_code=200,
    summary="Close an Art. 19 notice: done, or impossible / disproportionate with a note (the letter states it)",
)
async def erasure_task(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[e.TaskBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-task", data)


@post(
    "/cases/{ref:str}/erasure/letter",
    status_code=200,
    summary="Prepare the confirmation (what was erased, kept with why and until when, who was told) as the "
    "case's answer for approval; a restriction needs its reasons. Returns the document id",
)
async def erasure_letter(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[e.LetterBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-letter", data)


@post(
    "/cases/{ref:str}/erasure/restriction-plan",
    status_code=200,
    summary="Make the restriction plan (Art. 18(1) GDPR) for the confirmed subject: every record restricted "
    "on the ground (accuracy | unlawful | claims | objection) until a day or until lifted; returns its id (plan)",
)
async def restriction_plan(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[e.RestrictionBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "restriction-plan", data)


@post(
    "/cases/{ref:str}/erasure/lift",
    status_code=200,
    summary="Lift the case's restriction (Art. 18(3) GDPR) once the person was told: without informed_on by the "
    "lift notice (refused until it went out: restriction_not_told, lift_notice_not_sent, lift_notice_later); with "
    "informed_on and told (in_person | phone | other) told otherwise. Returns how many records were lifted",
)
async def restriction_lift(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[e.LiftBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "restriction-lift", data)


@post(
    "/cases/{ref:str}/erasure/letter/approve",
    status_code=200,
    summary="Approve the second letter (access asked for as well): an approver who did not prepare it and "
    "opened it (GET …/documents/{id})",
)
async def letter_approve(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-letter-approve", e.NoBody())


@post(
    "/cases/{ref:str}/erasure/letter/post",
    status_code=200,
    summary="Record that the approved second letter was mailed (mailed_on, default today)",
)
async def letter_post(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[e.MailedBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "erasure-letter-post", data)


@post(
    "/cases/{ref:str}/erasure/lift-notice",
    status_code=200,
    summary="Prepare the lift notice (Art. 18(3) GDPR): which restriction is lifted from lift_on (today or later) "
    "and why (the ground that ended, and reasons); approved and mailed like a second letter. Returns the document id",
)
async def lift_notice_prepare(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[n.LiftNoticeBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "lift-notice", data)


@post(
    "/cases/{ref:str}/erasure/lift-notice/approve",
    status_code=200,
    summary="Approve the lift notice: an approver who did not prepare it and opened it (GET …/documents/{id})",
)
async def lift_notice_approve(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "lift-notice-approve", n.NoticeApproval())


@post(
    "/cases/{ref:str}/erasure/lift-notice/post",
    status_code=200,
    summary="Record that the approved lift notice was mailed (mailed_on, default today): the day the person was told",
)
async def lift_notice_post(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[n.NoticeMailed],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "lift-notice-post", data)


ROUTES = [
    lift_notice_prepare,
    lift_notice_approve,
    lift_notice_post,
    restriction_plan,
    restriction_lift,
    letter_approve,
    letter_post,
    erasure_state,
    erasure_plan_pdf,
    erasure_plan,
    erasure_hold,
    erasure_approve,
    erasure_execute,
    erasure_task,
    erasure_letter,
]
