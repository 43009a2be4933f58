"""The ``gather`` job and what the letters say about the request.

The job re-identifies the subject the officer confirmed, asks each store in turn (progress per
store in the job, visible live on the case page), and — once every store answered — renders the
draft letter, keeps it and the review list with the case, and moves the case to review. A failed
store leaves the case in ``gathering``; the officer retries that store alone
(``dsr.cases.retry_store``) and the job carries on with only that store.
"""

from __future__ import annotations

import re

import msgspec
import sqlalchemy as sa

from dsr import cases, compose
from dsr.access import RequestFacts, prepare_answer
from dsr.cases.documents import WorkCase, attach_document, latest_document_id, read_document, review_states, work_case
from dsr.casework.common import ConnectorsOf, close_connectors, confirmed_subject
from dsr.config import Settings, connect
from dsr.gather import gather
from dsr.model import Descriptor, StoreState, Subject
from dsr.restricted_review import RESTRICTED, restricted_json

#: how a recorded identity check reads in the letter (keys of ``[identity_checks]`` in wording.toml)
CHECK_WORDING = {
    "in_person": "in_person",
    "postal": "postal_address",
    "email_reply": "email_reply",
    "portal_account": "account",
    "card_and_birthdate": "card_and_birth_date",
}


_POSTCODE_CITY = re.compile(r"^\s*(\d{5})\s+(.+?)\s*$")


def _full_name(d: Descriptor) -> str | None:
    return " ".join(p for p in (d.first_name, d.last_name) if p) or None


def recipient(party: cases.Party, acting_for: cases.Party | None = None, *, child_name: str | None = None) -> compose.Recipient:
    """The letter's address block from what the requester gave (postal address as free text).

    ``acting_for`` (or ``child_name``, the name the stores hold) makes it a letter "for" that person."""
    street = postal_code = city = None
    lines = [line.strip() for line in (party.postal_address or "").replace(",", "\n").splitlines() if line.strip()]
    for line in lines:
        m = _POSTCODE_CITY.match(line)
        if m:
            postal_code, city = m.group(1), m.group(2)
        elif street is None:
            street = line
    child = child_name or (_full_name(acting_for.descriptor) if acting_for is not None else None)
    return compose.Recipient(name=_full_name(party.descriptor) or "—", street=street, postal_code=postal_code,
                             city=city, acting_for=child)


def language_of(settings: Settings, case: WorkCase, language: str | None = None) -> str:
    """The letter's language: an explicit choice, else the requester's, else the configured default."""
    return language or case.language or settings.dsr.language


def facts_of(case: WorkCase, subject: Subject | None = None) -> RequestFacts:
    """What the letter says about the request: channel, receipt, how identity was established, and —
    when a parent or representative asked — that the letter goes to them "for" the subject."""
    if case.identity_checks:
        check = CHECK_WORDING.get(case.identity_checks[-1], "in_person")
    elif case.acting is cases.Acting.PARENT:
        check = "guardian_records"
    elif case.descriptor is not None and case.descriptor.card_number:
        check = "card_and_birth_date"
    else:
        check = "email_reply"
    to = None
    if case.acting is not cases.Acting.SELF and case.requester is not None:
        named = subject.profile.name if subject is not None and subject.profile.name else None
        child = named or (_full_name(case.descriptor) if case.descriptor is not None else None)
        to = recipient(case.requester, child_name=child)
    return RequestFacts(
        case_reference=case.reference, received_at=case.received_at, channel=case.channel.value, identity_check=check,
        recipient=to,
    )


def gather_job(settings: Settings, *, connectors_of: ConnectorsOf = connect) -> cases.jobs.Handler:
    """The handler of ``gather`` jobs (see the module docstring)."""

    def run(ctx: cases.JobContext) -> None:
        engine = ctx.engine
        assert ctx.job.case_id is not None
        case = work_case(engine, ctx.job.case_id)
        if case.state is not cases.CaseState.GATHERING:
            return  # finished before a crash, or the case moved on: nothing left to do
        connectors = connectors_of(settings, case.controller)
        try:
            subject = confirmed_subject(settings, case, connectors)
            for store in ctx.pending_stores():
                ctx.store(store, cases.StoreProgress.RUNNING)
                found = gather(subject, connectors, only=[store])
                report = next((r for r in found.reports if r.store == store), None)
                if report is None:
                    ctx.store(store, cases.StoreProgress.FAILED, error="store is not configured")
                elif report.state is StoreState.OK:
                    ctx.store(store, cases.StoreProgress.OK, records=report.records)
                else:
                    ctx.store(store, cases.StoreProgress.FAILED, error=report.error or "store failed")
            if any(p.get("state") != cases.StoreProgress.OK for p in ctx.progress.values()):
                return  # the case waits in gathering until the failed store is retried
            ctx.heartbeat()
            hint = _other_controllers(settings, case.controller, subject)
            answer = prepare_answer(
                settings, case.controller, subject, connectors, facts=facts_of(case, subject),
                language=language_of(settings, case), formats=("pdf",),
            )
        finally:
            close_connectors(connectors)
        if not answer.complete:
            for r in answer.reports:
                if r.state is StoreState.FAILED:
                    ctx.store(r.store, cases.StoreProgress.FAILED, error=r.error or "store failed")
            return
        ctx.heartbeat()
        attach_document(engine, case.reference, "other_controllers", cases.Document(
            filename="other-controllers.json", media_type="application/json", content=hint))
        attach_document(engine, case.reference, "draft", cases.Document(
            filename="disclosure-draft.pdf", media_type="application/pdf", content=answer.documents["disclosure.pdf"]))
        known = {r.item for r in review_states(engine, None, case.reference)}
        items: list[tuple[str, str]] = []
        review = answer.documents.get("review.json")
        if review is not None:
            attach_document(engine, case.reference, "review", cases.Document(
                filename="review.json", media_type="application/json", content=review))
            items += [(i["id"], i["rule"]) for i in msgspec.json.decode(review)["items"] if i["id"] not in known]
        if answer.restricted_records:
            attach_document(engine, case.reference, "restricted", cases.Document(
                filename="restricted.json", media_type="application/json",
                content=restricted_json(answer.restricted_records)))
            items += [(ref, RESTRICTED) for ref in answer.restricted_records if ref not in known]
        if items:
            cases.add_review_items(engine, None, case.reference, items)
        cases.finish_gathering(engine, case.reference)

    return run


def _other_controllers(settings: Settings, controller: str, subject: Subject) -> bytes:
    """Keys of other controllers that may hold data of the subject (a hint for the officer; no data)."""
    from dsr.controllers import other_controllers

    found = other_controllers(settings, controller, subject)
    return msgspec.json.encode({
        "found": list(found.found),
        "unreachable": [{"controller": u.controller, "store": u.store} for u in found.unreachable],
    })


def other_controllers_hint(engine: sa.Engine, user: cases.User, reference: str) -> dict[str, list[object]] | None:
    """What the gather job found out about other controllers (None before gathering)."""
    doc_id = latest_document_id(engine, user, reference, "other_controllers")
    if doc_id is None:
        return None
    _, content = read_document(engine, user, reference, doc_id, audited=False)
    return msgspec.json.decode(content)
