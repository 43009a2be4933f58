"""What an officer can do to a case: one typed body and one function per action.

The JSON API and the HTML forms share these, so both do exactly the same (forms post the same
fields; a checkbox sends "on"). Every function runs in a worker thread (``portal.call``) and
goes through ``dsr.casefile``, which checks the user's controller and role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.approval import letter_opened
from dsr.casefile.assignment import Colleague, assign, colleagues
from dsr.casefile.casepage import candidates_of, checks_of, comments_of, queries_of
from dsr.casefile.documents import DocumentInfo, list_documents, review_states
from dsr.casefile.rights import ASKED_KIND, Asked, asked_of
from dsr.casefile.schema import cases as case_table
from dsr.casefile.schema import parties
from dsr.config import Settings
from dsr.errors import DSRError
from dsr.model import Descriptor
from dsr.pipeline.redact import REASONS
from dsr.portal.context import Portal
from dsr.portal.officer import erasure, rights
from dsr.portal.params import RowId
from dsr.service import casework, letters, restricted
from dsr.service.download_notice import DOWNLOAD_NOTICE, notice_state


class Confirm(msgspec.Struct, kw_only=True):
    candidate: str
    #: start gathering right after, where the case allows it (the case page's button does)
    gather: bool = False


class IdentityCheck(msgspec.Struct, kw_only=True):
    method: casefile.CheckMethod
    #: the candidate the check verified (default: the case's confirmed subject)
    candidate: str | None = None
    #: what was compared (dsr.casefile.checks.EVIDENCE; needed where a method compares several)
    evidence: str | None = None
    note: str | None = None
    #: with a guardianship check for a young pupil whose school records hold no guardian's address:
    #: the guardian checked, whom the answer is then addressed to (all four, or none)
    guardian_name: str | None = None
    guardian_street: str | None = None
    guardian_postal_code: str | None = None
    guardian_city: str | None = None

    def guardian(self) -> casefile.GuardianAddress | None:
        """The guardian's address when any of it was filled in (the case file refuses a partial one)."""
        given = (self.guardian_name, self.guardian_street, self.guardian_postal_code, self.guardian_city)
        if not any(v and v.strip() for v in given):
            return None
        name, street, postal_code, city = (v or "" for v in given)
        return casefile.GuardianAddress(name=name, street=street, postal_code=postal_code, city=city)


class DeliveryDecision(msgspec.Struct, kw_only=True):
    route: str  #: post | download
    reason: str | None = None  #: a code of dsr.casefile.delivery.REASONS (download to an address not on file)


class IdentityQuery(msgspec.Struct, kw_only=True):
    reasons: str


class IdentityReply(msgspec.Struct, kw_only=True):
    received_on: dt.date  #: the day the reply came in: the deadline's pause ends then


class RetryStore(msgspec.Struct, kw_only=True):
    job: RowId
    store: str


class Decide(msgspec.Struct, kw_only=True):
    item: str
    decision: str  #: disclose | redact | withhold
    reason: str  #: a code of dsr.pipeline.redact.REASONS
    same_text: bool = True  #: decide once for every item with the same text


class DecideRestricted(msgspec.Struct, kw_only=True):
    record: str  #: the record reference (R-…)
    decision: str  #: disclose | withhold | withhold_silently
    ground: str | None = None  #: bdsg-34 | land-law (required to withhold)


class MailedOn(msgspec.Struct, kw_only=True):
    mailed_on: dt.date | None = None  #: default today


class DownloadOffer(msgspec.Struct, kw_only=True):
    valid_days: int = 14  #: 1 to 60 (notify.VALID_DAYS)
    max_count: int = 3  #: 1 to 10 (notify.MAX_DOWNLOADS)


class Extend(msgspec.Struct, kw_only=True):
    months: int
    reasons: str


class Comment(msgspec.Struct, kw_only=True):
    body: str


class ProposeRefusal(msgspec.Struct, kw_only=True):
    ground: str  #: a code of dsr.casefile.REFUSAL_GROUNDS
    note: str | None = None  #: why, in the officer's words: kept with the case, never in the audit log


class Empty(msgspec.Struct, kw_only=True):
    pass


class Assign(msgspec.Struct, kw_only=True):
    assignee: RowId | None = None  #: a colleague's user id (your own to take the case); None: nobody


class ManualEntry(msgspec.Struct, kw_only=True):
    """A request that came by post, e-mail or in person, entered by staff."""

    controller: str
    channel: casefile.Channel
    request_types: list[casefile.RequestType]
    received_at: dt.datetime | None = None  #: exact time of receipt; default now
    acting: casefile.Acting = casefile.Acting.SELF
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: dt.date | None = None
    card_number: str | None = None
    email: str | None = None
    postal_address: str | None = None
    requester_first_name: str | None = None
    requester_last_name: str | None = None
    requester_email: str | None = None
    requester_postal_address: str | None = None
    authorisation: str | None = None
    language: str | None = None  #: de | en: the requester's language for letters and mails (default: config)


def today(settings: Settings) -> dt.date:
    """The local day (``[dsr] timezone``): what "today" means on the officer's pages and in letters."""
    return dt.datetime.now(settings.zone).date()


# --------------------------------------------------------------------------- the actions


def _find(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    casefile.get_case(p.engine, u, ref)  # membership first: no store is asked for someone else's case
    return {"status": casework.find_candidates(p.engine, p.settings, ref, user=u, connectors_of=p.connectors_of).value}


def _confirm(p: Portal, u: casefile.User, ref: str, b: Confirm) -> Any:
    if not b.gather:
        casefile.confirm_identity(p.engine, u, ref, b.candidate, zone=p.settings.zone)
        return None
    # gathering is always the next step after a confirmation: one click, one transaction for both
    # where the case allows it; where it does not (e.g. a guardian check is missing) the
    # confirmation stands and the next-step panel says what blocks gathering
    job = casework.confirm_and_gather(p.engine, p.settings, u, ref, b.candidate, connectors_of=p.connectors_of)
    return None if job is None else {"job": job, "done": "confirm_identity_and_gather"}


def _check(p: Portal, u: casefile.User, ref: str, b: IdentityCheck) -> Any:
    casefile.record_identity_check(
        p.engine,
        u,
        ref,
        b.method,
        b.note or None,
        candidate=b.candidate or None,
        evidence=b.evidence or None,
        guardian=b.guardian(),
    )


def _decide_delivery(p: Portal, u: casefile.User, ref: str, b: DeliveryDecision) -> Any:
    if b.route not in ("post", "download"):
        raise casefile.InputRejected("the answer goes by post or as a download", code="delivery_route")
    casefile.decide_delivery(p.engine, u, ref, b.route, b.reason or None, zone=p.settings.zone)


def _approve_delivery(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    casefile.approve_delivery(p.engine, u, ref)


def _query(p: Portal, u: casefile.User, ref: str, b: IdentityQuery) -> Any:
    return {"document": letters.send_identity_query(p.engine, p.settings, u, ref, b.reasons)}


def _reply(p: Portal, u: casefile.User, ref: str, b: IdentityReply) -> Any:
    casefile.identity_query_answered(p.engine, u, ref, answered_on=b.received_on, zone=p.settings.zone)


def _gather(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    # routing first: a parent not verified as the child's guardian is refused before any store is read
    return {"job": casework.start_gathering(p.engine, p.settings, u, ref, connectors_of=p.connectors_of)}


def _retry(p: Portal, u: casefile.User, ref: str, b: RetryStore) -> Any:
    view = casefile.get_case(p.engine, u, ref)
    case_id = _case_id(p, view.reference)
    job = casefile.get_job(p.engine, b.job)
    if job.case_id != case_id:
        raise casefile.NotFound(f"no job {b.job} in case {ref}")
    if job.state in (casefile.JobState.QUEUED, casefile.JobState.RUNNING):
        raise casefile.TransitionRefused("the job is still queued or running", code="job_busy")
    # only a store that failed is asked again: re-running one that answered (a finished job)
    # would re-open gathering behind the officer's back
    if job.progress.get(b.store, {}).get("state") != casefile.StoreProgress.FAILED:
        raise casefile.TransitionRefused(
            f"store {b.store!r} of job {b.job} did not fail: nothing to retry", code="store_not_failed", store=b.store
        )
    casefile.retry_store(p.engine, b.job, b.store, actor=u.actor)


def _decide(p: Portal, u: casefile.User, ref: str, b: Decide) -> Any:
    return {"decided": casework.decide_items(p.engine, u, ref, b.item, b.decision, b.reason, same_text=b.same_text)}


def _decide_restricted(p: Portal, u: casefile.User, ref: str, b: DecideRestricted) -> Any:
    restricted.decide_restricted_record(p.engine, u, ref, b.record, b.decision, b.ground)


def _prepare(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    return {"document": casework.render_answer(p.engine, p.settings, u, ref, connectors_of=p.connectors_of)}


def _approve(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    # the approver must have opened the current final letter (dsr.casefile.approval)
    casefile.approve(p.engine, u, ref, letter_opened=True)


def _assign(p: Portal, u: casefile.User, ref: str, b: Assign) -> Any:
    assign(p.engine, u, ref, b.assignee)


def _send_back(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    casefile.send_back(p.engine, u, ref)


def _post(p: Portal, u: casefile.User, ref: str, b: MailedOn) -> Any:
    received_on = casefile.get_case(p.engine, u, ref).received_at.astimezone(p.settings.zone).date()  # membership first
    mailed_on = b.mailed_on or today(p.settings)
    if mailed_on > today(p.settings):
        raise casefile.InputRejected("the answer cannot have been mailed in the future", code="mailed_on_future")
    if mailed_on < received_on:
        raise casefile.InputRejected(
            "the answer cannot have been mailed before the request came in",
            code="mailed_on_before_receipt",
            received_on=received_on.strftime("%d.%m.%Y"),
        )
    casefile.dispatch_by_post(p.engine, u, ref, mailed_on)


def _download(p: Portal, u: casefile.User, ref: str, b: DownloadOffer) -> Any:
    from dsr.portal.officer.notify import offer_download

    offer = offer_download(p, u, ref, valid_days=b.valid_days, max_count=b.max_count)
    done = "dispatch_download" if offer.notice == "sent" else "dispatch_download_queued"
    return {"download": offer.download, "notice": offer.notice, "done": done}


def _resend_notice(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    from dsr.portal.officer.notify import resend_notice

    offer = resend_notice(p, u, ref)
    done = "resend_download_notice" if offer.notice == "sent" else "resend_download_notice_queued"
    return {"download": offer.download, "notice": offer.notice, "done": done}


def _extend(p: Portal, u: casefile.User, ref: str, b: Extend) -> Any:
    return {"due_on": letters.extend_deadline(p.engine, p.settings, u, ref, b.months, b.reasons).isoformat()}


def _comment(p: Portal, u: casefile.User, ref: str, b: Comment) -> Any:
    if not b.body.strip():
        raise casefile.InputRejected("a comment needs some text", code="comment_empty")
    casefile.add_comment(p.engine, u, ref, b.body.strip())


def _propose_refusal(p: Portal, u: casefile.User, ref: str, b: ProposeRefusal) -> Any:
    return {"document": casefile.propose_refusal(p.engine, u, ref, b.ground, b.note)}


def _confirm_refusal(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    casefile.confirm_refusal(p.engine, u, ref)


def _withdraw_refusal(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    casefile.withdraw_refusal_proposal(p.engine, u, ref)


def _close(p: Portal, u: casefile.User, ref: str, _: Empty) -> Any:
    casefile.close_case(p.engine, u, ref)


Action = Callable[[Portal, casefile.User, str, Any], Any]

#: path segment → (body type, function). The API has one documented route per entry.
ACTIONS: dict[str, tuple[type[msgspec.Struct], Action]] = {
    "find-candidates": (Empty, _find),
    "confirm-identity": (Confirm, _confirm),
    "identity-check": (IdentityCheck, _check),
    "identity-query": (IdentityQuery, _query),
    "identity-reply": (IdentityReply, _reply),
    "decide-delivery": (DeliveryDecision, _decide_delivery),
    "approve-delivery": (Empty, _approve_delivery),
    "gather": (Empty, _gather),
    "retry-store": (RetryStore, _retry),
    "decide": (Decide, _decide),
    "decide-restricted": (DecideRestricted, _decide_restricted),
    "prepare": (Empty, _prepare),
    "approve": (Empty, _approve),
    "send-back": (Empty, _send_back),
    "dispatch-post": (MailedOn, _post),
    "dispatch-download": (DownloadOffer, _download),
    "resend-download-notice": (Empty, _resend_notice),
    "extend": (Extend, _extend),
    "comment": (Comment, _comment),
    "propose-refusal": (ProposeRefusal, _propose_refusal),
    "confirm-refusal": (Empty, _confirm_refusal),
    "withdraw-refusal": (Empty, _withdraw_refusal),
    "close": (Empty, _close),
    "assign": (Assign, _assign),
    **erasure.ACTIONS,  # erasure-plan, -hold, -approve, -execute, -task, -letter
    **rights.ACTIONS,  # objection-decide, portability-make
}


def from_form(body_type: type[msgspec.Struct], form: dict[str, Any]) -> msgspec.Struct:
    """A form's fields as the action's body (strings converted; empty fields left out)."""
    values: dict[str, Any] = {}
    for key, value in form.items():
        if key == "_csrf" or value in ("", None):
            continue
        values[key] = value
    for name in getattr(body_type, "__struct_fields__", ()):
        if name in ("same_text",):
            values[name] = values.get(name) in ("on", "true", "1", True)
    return msgspec.convert(values, body_type, strict=False)


def run(portal: Portal, user: casefile.User, reference: str, action: str, body: msgspec.Struct) -> Any:
    return ACTIONS[action][1](portal, user, reference, body)


def _case_id(p: Portal, reference: str) -> int:
    with p.engine.connect() as conn:
        return conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()


# --------------------------------------------------------------------------- reading


class JobView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    state: str
    attempts: int
    progress: dict[str, dict[str, Any]]
    failed_stores: list[str]


class CaseDetail(msgspec.Struct, frozen=True, kw_only=True):
    case: casefile.CaseView
    allowed: list[str]
    subject: casefile.Party | None
    requester: casefile.Party | None
    candidates: list[Any]
    identity_checks: list[Any]
    identity_queries: list[Any]
    jobs: list[JobView]
    documents: list[DocumentInfo]
    review: list[casework.ReviewEntry]
    restricted: list[restricted.RestrictedEntry]
    comments: list[Any]
    history: list[casefile.Event]
    other_controllers: dict[str, Any] | None
    reasons: dict[str, str]
    #: the contact address (requester's, else subject's) was confirmed with a code; None: no address.
    #: Without it nobody can download the answer: dispatch by download is refused.
    email_verified: bool | None = None
    #: the open refusal proposal (ground code, who proposed it, the note), waiting for a second person
    refusal: casefile.RefusalProposal | None = None
    #: the ground codes a refusal may be proposed on (dsr.casefile.REFUSAL_GROUNDS)
    refusal_grounds: list[str] = []
    #: where the answer may go and why (dsr.casefile.delivery)
    delivery: casefile.DeliveryPlan | None = None
    #: users who decided a review item or restricted record (four eyes: they do not approve)
    deciders: list[int] = []
    #: the user opened the current final letter (approval waits for it: dsr.casefile.approval)
    letter_opened: bool = False
    #: the staff the case may be assigned to (members of its controller)
    colleagues: list[Colleague] = []
    #: the newest download notice: sent | queued | failed | not_needed (None: none was queued)
    download_notice: str | None = None
    #: a young pupil's guardian an officer checked and recorded with their postal address (where the
    #: school's records hold none, the answer is addressed there: dsr.casefile.guardians)
    guardian_address: casefile.GuardianAddress | None = None


def contact_email_verified(p: Portal, references: list[str]) -> dict[str, bool]:
    """reference → whether its contact address (the requester's, else the subject's) was confirmed
    with a code; cases whose contact has no e-mail address are left out."""
    if not references:
        return {}
    others = parties.alias("others")
    requester = sa.exists().where(others.c.case_id == case_table.c.id, others.c.role == "requester")
    contact = sa.case((requester, "requester"), else_="subject")
    query = (
        sa.select(case_table.c.reference, parties.c.email_verified_at)
        .join(parties, parties.c.case_id == case_table.c.id)
        .where(
            case_table.c.reference.in_(references),
            parties.c.role == contact,
            parties.c.email.is_not(None),
            parties.c.email != "",
        )
    )
    with p.engine.connect() as conn:
        return {ref: verified is not None for ref, verified in conn.execute(query)}


def unverified_emails(p: Portal, references: list[str]) -> set[str]:
    """Of ``references`` (cases the user may see), those whose contact address was never confirmed."""
    return {ref for ref, verified in contact_email_verified(p, references).items() if not verified}


def case_detail(p: Portal, u: casefile.User, ref: str) -> CaseDetail:
    """Everything the case page shows. Viewing the request details and the review is audited."""
    view = casefile.get_case(p.engine, u, ref, zone=p.settings.zone)
    requester = casefile.get_party(p.engine, u, ref, "requester") if view.acting is not casefile.Acting.SELF else None
    case_jobs = casefile.jobs_of_case(p.engine, _case_id(p, ref))
    jobs = [
        JobView(
            id=j.id,
            kind=j.kind,
            state=j.state.value,
            attempts=j.attempts,
            progress=j.progress,
            failed_stores=list(j.failed_stores),
        )
        for j in case_jobs
    ]
    notices = [j for j in case_jobs if j.kind == DOWNLOAD_NOTICE]  # newest first
    return CaseDetail(
        case=view,
        allowed=sorted(s.value for s in casefile.allowed(view.state)),
        subject=casefile.get_party(p.engine, u, ref, "subject"),
        requester=requester,
        candidates=candidates_of(p.engine, u, ref),
        identity_checks=checks_of(p.engine, u, ref),
        identity_queries=queries_of(p.engine, u, ref),
        jobs=jobs,
        documents=list_documents(p.engine, u, ref),
        review=casework.review_entries(p.engine, u, ref),
        restricted=restricted.restricted_entries(p.engine, u, ref),
        comments=comments_of(p.engine, u, ref),
        history=casefile.history(p.engine, ref),
        other_controllers=casework.other_controllers_hint(p.engine, u, ref),
        reasons=dict(REASONS),
        email_verified=contact_email_verified(p, [view.reference]).get(view.reference),
        refusal=casefile.refusal_proposal(p.engine, u, ref),
        guardian_address=casefile.recorded_guardian_of(p.engine, u, ref),
        refusal_grounds=list(casefile.REFUSAL_GROUNDS),
        delivery=casefile.plan_of(p.engine, u, ref, zone=p.settings.zone),
        deciders=sorted({s.decided_by for s in review_states(p.engine, u, ref) if s.decided_by is not None}),
        letter_opened=letter_opened(p.engine, u, ref),
        colleagues=colleagues(p.engine, u, view.controller),
        download_notice=notice_state(notices[0]) if notices else None,
    )


def enter_request(p: Portal, u: casefile.User, b: ManualEntry) -> casefile.OpenedCase:
    """Manual entry of a request that came by post, e-mail or in person."""
    if b.controller not in u.controllers or not u.can(b.controller, "officer"):
        raise casefile.NotFound(f"no controller {b.controller} for this user")
    if b.channel is casefile.Channel.PORTAL:
        raise casefile.InputRejected("requests through the portal are entered by the requester", code="portal_channel")
    controller = p.settings.controller(b.controller)
    subject = casefile.Party(
        descriptor=Descriptor(
            first_name=b.first_name,
            last_name=b.last_name,
            date_of_birth=b.date_of_birth,
            card_number=b.card_number,
            email=b.email,
        ),
        email=b.email,
        postal_address=b.postal_address,
    )
    requester = None
    if b.acting is not casefile.Acting.SELF:
        requester = casefile.Party(
            descriptor=Descriptor(
                first_name=b.requester_first_name, last_name=b.requester_last_name, email=b.requester_email
            ),
            email=b.requester_email,
            postal_address=b.requester_postal_address,
        )
    received = b.received_at or dt.datetime.now(dt.UTC)
    if received.tzinfo is None:
        received = received.replace(tzinfo=p.settings.zone)  # a time typed by staff is local time
    opened = casefile.open_case(
        p.engine,
        p.secret,
        casefile.Intake(
            controller=b.controller,
            land=controller.land,
            request_types=tuple(b.request_types),
            channel=b.channel,
            received_at=received,
            subject=subject,
            acting=b.acting,
            requester=requester,
            authorisation=b.authorisation or None,
            language=b.language or None,
        ),
        user=u,
        zone=p.settings.zone,
    )
    try:
        casework.find_candidates(p.engine, p.settings, opened.reference, user=u, connectors_of=p.connectors_of)
    except DSRError:
        pass  # a store is down: the case page offers "find candidates" again
    return opened


def staff_ids(detail: CaseDetail) -> set[int]:
    """The users a case page names (history, checks, comments, refusal, delivery), by id."""
    ids = {int(e.actor.removeprefix("user:")) for e in detail.history if e.actor.removeprefix("user:").isdigit()}
    ids |= {k.performed_by for k in detail.identity_checks if k.performed_by is not None}
    ids |= {k.author for k in detail.comments if k.author is not None}
    if detail.refusal is not None:
        ids.add(detail.refusal.proposed_by)
    if detail.delivery is not None:
        ids |= {i for i in (detail.delivery.decided_by, detail.delivery.approved_by) if i is not None}
    if detail.case.assignee is not None:
        ids.add(detail.case.assignee)
    ids |= {e.detail["previous"] for e in detail.history if isinstance(e.detail.get("previous"), int)}
    ids |= {e.detail["assignee"] for e in detail.history if isinstance(e.detail.get("assignee"), int)}
    return ids


class RequesterWords(msgspec.Struct, frozen=True, kw_only=True):
    """What the requester wrote and sent, for the case page (personal data: never logged)."""

    details: str | None  #: "Weitere Angaben" of the form, as typed
    #: the requester asks to correct, erase, restrict or objects: the page makes it stand out
    beyond_access: list[str]
    uploads: list[DocumentInfo]  #: files the requester sent (authorisation, ID copies)
    #: a rectification: the detail the form names as wrong and the correct value
    rectification: Asked | None = None


#: documents that came from the requester (the rest dsr or staff wrote)
REQUESTER_KINDS = frozenset({"request_details", "authorisation"})


def requester_words(p: Portal, u: casefile.User, ref: str, detail: CaseDetail) -> RequesterWords:
    from dsr.casefile.documents import read_document

    latest = [d for d in detail.documents if d.kind == "request_details"]
    details = None
    if latest:
        # part of the request as given: its view is audited once, as "request details viewed"
        _, content = read_document(p.engine, u, ref, latest[-1].id, audited=False)
        details = content.decode("utf-8", errors="replace")
    beyond = [str(t) for t in detail.case.request_types if str(t) not in ("access", "copy")]
    uploads = [d for d in detail.documents if d.kind in REQUESTER_KINDS and d.kind != "request_details"]
    asked = [d for d in detail.documents if d.kind == ASKED_KIND]
    rectification = asked_of(read_document(p.engine, u, ref, asked[-1].id, audited=False)[1]) if asked else None
    return RequesterWords(details=details, beyond_access=beyond, uploads=uploads, rectification=rectification)
