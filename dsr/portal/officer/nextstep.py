"""The one thing to do next on a case, and why: the "Nächster Schritt" panel of the case page.

Worked out from what the case page already knows (state, candidates, checks, jobs, review,
delivery, the conditions for disclosure). The panel names the step and its reason and links to the
section that does it; rules that would refuse a step are said here, before anyone tries. The
case file still enforces every rule: this only saves the officer a refused click.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dsr import casefile
from dsr.casefile.requirements import ON_FILE, Requirements
from dsr.pipeline.representation import Capacity, route
from dsr.portal.officer.actions import CaseDetail
from dsr.portal.officer.erasure import ErasureView, erasure_step
from dsr.portal.officer.rights import RightsView, rights_step

#: an acting of the request → the capacity the age rule knows it by
_CAPACITY = {"self": Capacity.SELF, "parent": Capacity.PARENT, "representative": Capacity.REPRESENTATIVE}


@dataclass(frozen=True)
class Step:
    """``key``: ``officer.next.<key>`` of texts.toml (its ``values`` fill it in); ``anchor``: the
    section of the case page that does it; ``who``: someone else must act (``approver``)."""

    key: str
    anchor: str = ""
    values: dict[str, object] = field(default_factory=dict)
    #: what stands in the way later, said now (``officer.next.warn_<key>``)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EarlyAge:
    """The age rule worked out from the date of birth the requester gave, before any store is read
    (the routing after the identity is confirmed replaces it)."""

    age: int
    age_of_consent: int
    to_guardians: bool  #: a child asks for themselves: the answer goes by post to a guardian


def early_age(detail: CaseDetail, received_on: dt.date, age_of_consent: int) -> EarlyAge | None:
    """From the request as given; None without a date of birth (then the stores tell at gathering)."""
    subject = detail.subject
    born = subject.descriptor.date_of_birth if subject is not None else None
    if born is None:
        return None
    routing = route(_CAPACITY.get(detail.case.acting.value, Capacity.SELF), born, received_on, age_of_consent)
    assert routing.age is not None
    return EarlyAge(age=routing.age, age_of_consent=age_of_consent, to_guardians=routing.to_guardians)


def preparers(detail: CaseDetail) -> set[str]:
    """Who may not approve (four eyes): whoever made the answer ready for approval or decided its
    review items (actors as the audit log names them, and user names of the review)."""
    who: set[str] = set()
    for event in detail.history:
        if event.action == "state changed" and event.detail.get("to") == "prepared":
            who = {event.actor}  # the latest preparation counts
    who |= {r.decided_by for r in detail.review if r.decided_by}
    return who


def may_approve(detail: CaseDetail, user: casefile.User) -> bool:
    return (
        detail.case.state is casefile.CaseState.PREPARED
        and user.can(detail.case.controller, "approver")
        and not ({user.actor, user.username} & preparers(detail))
        and user.id not in detail.deciders
    )


def to_guardians(needs: Requirements, early: EarlyAge | None) -> bool:
    """A child below the age of consent asked: the answer goes by post to a guardian."""
    if needs.routing is not None:
        return needs.routing.to_guardians
    return early is not None and early.to_guardians


def guardian_address_missing(needs: Requirements) -> bool:
    """A young pupil asked alone, the school's records hold no guardian with a full address, and no
    officer recorded a checked guardian's address: the answer has nowhere to go yet (preparing and
    approving are refused, ``to_guardians``)."""
    routing = needs.routing
    return (
        routing is not None
        and routing.to_guardians
        and routing.guardian != ON_FILE  # not_on_file; None: a routing kept before the records were read
        and "guardian_verification" in needs.open
    )


def offers_download(detail: CaseDetail, needs: Requirements, early: EarlyAge | None) -> bool:
    """Whether "offer the download" can succeed: a download route, a verified address, and not a
    child's answer (that goes by post to a guardian)."""
    plan = detail.delivery
    return plan is not None and plan.electronic and bool(detail.email_verified) and not to_guardians(needs, early)


def next_step(
    detail: CaseDetail,
    needs: Requirements,
    user: casefile.User,
    *,
    running: bool,
    early: EarlyAge | None,
    query_open: bool,
    erasure: ErasureView | None = None,
    rights: RightsView | None = None,
) -> Step:
    state = detail.case.state.value
    warnings = _warnings(detail, needs, early)
    if detail.refusal is not None and state not in ("refused", "closed", "withdrawn"):
        mine = detail.refusal.proposed_by == user.id
        key = "refusal_confirm" if user.can(detail.case.controller, "approver") and not mine else "refusal_wait"
        return Step(key, "refusal", warnings=warnings)
    if state in ("received", "identity_pending"):
        return _identity(detail, running=running, query_open=query_open, warnings=warnings)
    if state == "identity_confirmed":
        if needs.routing is not None and needs.open and needs.routing.guardian == "not_a_guardian":
            return Step("guardian_first", "needs", warnings=warnings)
        return Step("gather", "h-gather", warnings=warnings)
    if state == "gathering":
        failed = [s for j in detail.jobs for s in j.failed_stores if j.state not in ("queued", "running")]
        if failed and not running:
            return Step("retry", "h-gather", {"count": len(failed)}, warnings)
        return Step("gathering", "h-gather", warnings=warnings)
    if state == "review":
        left = sum(1 for r in detail.review if r.decision is None)
        left += sum(1 for r in detail.restricted if r.decision is None)
        if left:
            return Step("review", "review", {"count": left}, warnings)
        if guardian_address_missing(needs):
            return Step("guardian_address", "h-check", warnings=warnings)
        if needs.open:
            return Step("needs", "needs", {"count": len(needs.open)}, warnings)
        if detail.delivery is not None and detail.delivery.undecided:
            return Step("delivery", "delivery", warnings=warnings)
        if erasure is not None and (worked := erasure_step(erasure)) is not None:
            return Step(worked[0], "erasure", worked[1], warnings)  # its letter is the answer
        if rights is not None and (step := rights_step(rights)) is not None:
            return Step(step[0], step[1], step[2], warnings)  # apply, tell recipients, the letter
        return Step("prepare", "h-docs", warnings=warnings)
    if state == "prepared":
        if may_approve(detail, user) and not detail.letter_opened:
            return Step("open_letter", "final-letter", warnings=warnings)
        if may_approve(detail, user):
            return Step("approve", "h-docs", warnings=warnings)
        return Step("await_approval", "h-docs", warnings=warnings)
    if state == "approved":
        if offers_download(detail, needs, early):
            return Step("offer_download", "h-dispatch", warnings=warnings)
        return Step("print_and_mail", "h-dispatch", warnings=warnings)
    if state == "dispatched":
        # access asked for as well: the answer went out, now the erasure and its second letter
        if erasure is not None and (worked := erasure_step(erasure)) is not None:
            return Step(worked[0], "erasure", worked[1], warnings)
        if rights is not None and (step := rights_step(rights)) is not None:
            return Step(step[0], step[1], step[2], warnings)  # the rights letter follows the access answer
        return Step("close", "h-docs", warnings=warnings)
    return Step("none", warnings=warnings)


def _identity(detail: CaseDetail, *, running: bool, query_open: bool, warnings: tuple[str, ...]) -> Step:
    if running and not detail.candidates:
        return Step("searching", "h-identity", warnings=warnings)
    if query_open:
        return Step("await_reply", "h-reply", warnings=warnings)
    if not detail.candidates:
        return Step("find", "h-identity", warnings=warnings)
    if any(k.may_confirm for k in detail.candidates):
        return Step("confirm", "h-identity", warnings=warnings)
    if len(detail.candidates) > 1:
        return Step("tell_apart", "h-check", {"count": len(detail.candidates)}, warnings)
    return Step("verify", "h-check", warnings=warnings)


def _warnings(detail: CaseDetail, needs: Requirements, early: EarlyAge | None) -> tuple[str, ...]:
    """Conditions that will decide the case later, said from the start (age, guardianship)."""
    found: list[str] = []
    routing = needs.routing
    acting = detail.case.acting.value
    if to_guardians(needs, early):
        found.append("to_guardians")
    if guardian_address_missing(needs):
        found.append("guardian_address")  # said from the confirmation on: the stores were read then
    elif routing is not None and routing.guardian in ("name_only", "not_a_guardian"):
        found.append("guardian_unproven")
    if routing is None and early is not None and early.age < early.age_of_consent and acting != "self":
        found.append("guardian_needed")
    if acting == "representative" and routing is None:
        found.append("authorisation_needed")
    if detail.email_verified is False and detail.case.state.value not in ("dispatched", "closed", "refused"):
        found.append("email_unverified")
    return tuple(found)
