"""The lift notice on the officer's case page (Art. 18(3) GDPR): before a restriction at the
person's request is lifted, a letter tells them (:mod:`dsr.service.lift_notice`).

``lift-notice`` prepares it (the day the restriction is lifted from, the officer's own words),
``lift-notice-approve`` is the second person's approval (not the preparer, the letter opened) and
``lift-notice-post`` records the day it was mailed — the day the person was told; then
``restriction-lift`` (:mod:`dsr.portal.officer.erasure`) lifts the restriction without a typed day.
The case file enforces every rule; this module only shows what is possible and says why not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from dsr import casefile
from dsr.casefile import confirmation
from dsr.portal.context import Portal
from dsr.service import lift_notice

TRACK = confirmation.LIFT_NOTICE


class LiftNoticeBody(msgspec.Struct, kw_only=True):
    """The lift notice: from which day the restriction is lifted, and the officer's own words."""

    lift_on: dt.date  #: today or later; the restriction is lifted no earlier
    reasons: str | None = None  #: added to the ground that ended (Art. 18(1)), in the letter


class NoticeMailed(msgspec.Struct, kw_only=True):
    mailed_on: dt.date | None = None  #: default today


class NoticeApproval(msgspec.Struct, kw_only=True):
    pass


def _announce(p: Portal, u: casefile.User, ref: str, b: LiftNoticeBody) -> Any:
    document = lift_notice.prepare(
        p.engine,
        p.settings,
        u,
        ref,
        lift_on=b.lift_on,
        reasons=(b.reasons or "").strip(),
        connectors_of=p.connectors_of,
    )
    return {"document": document, "done": "erasure.lift_notice"}


def _approve(p: Portal, u: casefile.User, ref: str, _: NoticeApproval) -> Any:
    confirmation.approve(p.engine, u, ref, track=TRACK)
    return {"done": "erasure.lift_notice_approve"}


def _post(p: Portal, u: casefile.User, ref: str, b: NoticeMailed) -> Any:
    today = dt.datetime.now(p.settings.zone).date()  # the local day ([dsr] timezone)
    mailed_on = b.mailed_on or today
    if mailed_on > today:
        raise casefile.InputRejected("the letter cannot have been mailed in the future", code="mailed_on_future")
    confirmation.dispatch_by_post(p.engine, u, ref, mailed_on, track=TRACK)
    return {"done": "erasure.lift_notice_post"}


ACTIONS: dict[str, tuple[type[msgspec.Struct], Any]] = {
    "lift-notice": (LiftNoticeBody, _announce),
    "lift-notice-approve": (NoticeApproval, _approve),
    "lift-notice-post": (NoticeMailed, _post),
}


class NoticeView(msgspec.Struct, frozen=True, kw_only=True):
    """The lift notice part of the erasure section."""

    #: the notice may be prepared now (a restriction in force, the case's answer gone out)
    may_prepare: bool = False
    document: int | None = None
    lift_on: dt.date | None = None
    approved_by: str | None = None  #: the actor ("user:3")
    approved_at: dt.datetime | None = None
    mailed_on: dt.date | None = None
    may_approve: bool = False
    reason: str = ""  #: own | role | open: why approving is not offered


def notice_view(
    p: Portal, u: casefile.User, view: casefile.CaseView, plan_id: str, *, active: bool, first_sent: bool
) -> NoticeView:
    """Where the lift notice of ``plan_id`` stands. ``active``: restrictions of the plan are in force;
    ``first_sent``: the restriction's confirmation went out (the notice follows it)."""
    letter = confirmation.current(p.engine, u, view.reference, track=TRACK)
    if letter is not None and letter.facts.get("plan") != plan_id:
        letter = None  # a notice of an earlier plan
    after = casefile.CaseState(view.state) in TRACK.after and first_sent
    may_prepare = active and after and (letter is None or letter.approved_at is None)
    if letter is None:
        return NoticeView(may_prepare=may_prepare)
    reason = ""
    if not u.can(view.controller, "approver"):
        reason = "role"
    elif letter.prepared_by == u.id:
        reason = "own"
    elif not confirmation.opened(p.engine, u, view.reference, track=TRACK):
        reason = "open"
    return NoticeView(
        may_prepare=may_prepare,
        document=letter.document,
        lift_on=dt.date.fromisoformat(letter.facts["lift_on"]),
        approved_by=letter.approved_by,
        approved_at=letter.approved_at,
        mailed_on=letter.mailed_on if letter.dispatched_at is not None else None,
        may_approve=letter.approved_at is None and reason == "",
        reason=reason,
    )
