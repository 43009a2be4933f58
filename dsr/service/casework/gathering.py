"""The ``gather`` job and what the letters say about the request.

The job re-identifies the subject the officer confirmed, asks each store in turn (progress per
store in the job, visible live on the case page), and — once every store answered — renders the
draft letter, keeps it and the review list with the case, and moves the case to review. A failed
store leaves the case in ``gathering``; the officer retries that store alone
(``dsr.casefile.retry_store``) and the job carries on with only that store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.documents import (
    WorkCase,
    attach_document,
    latest_document_id,
    read_document,
    review_states,
    work_case,
)
from dsr.casefile.errors import TransitionRefused
from dsr.casefile.requirements import GUARDIAN_RECORDS, ensure_may_gather, routing_in
from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.model import Descriptor, StoreState, Subject
from dsr.pipeline import compose
from dsr.pipeline.answer import RequestFacts, prepare_answer
from dsr.pipeline.gather import gather
from dsr.service.casework.common import CaseworkError, ConnectorsOf, close_connectors, confirmed_subject
from dsr.service.restricted import RESTRICTED, restricted_json

#: how a recorded check reads in the letter (keys of ``[identity_checks]`` in wording.toml); consent,
#: authorisation and representation records are not identity checks and never read as one
CHECK_WORDING = {
    "email_code": "email_code",
    "james_login": "james_login",
    "in_person": "in_person",
    "postal": "postal_address",
    "email_reply": "email_reply",
    "answer_by_post": "answer_by_post",
    GUARDIAN_RECORDS: "guardian_records",  #: recorded by the system only when the guardian rows verified
    "guardian_in_person": "in_person",
    "guardian_postal": "postal_address",
    "representative_in_person": "in_person",
    "representative_postal": "postal_address",
}


_POSTCODE_CITY = re.compile(r"^\s*(\d{5})\s+(.+?)\s*$")


def _full_name(d: Descriptor) -> str | None:
    return " ".join(p for p in (d.first_name, d.last_name) if p) or None


def recipient(
    party: casefile.Party, acting_for: casefile.Party | None = None, *, child_name: str | None = None
) -> compose.Recipient:
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
    return compose.Recipient(
        name=_full_name(party.descriptor) or "—", street=street, postal_code=postal_code, city=city, acting_for=child
    )


def language_of(settings: Settings, case: WorkCase, language: str | None = None) -> str:
    """The letter's language: an explicit choice, else the requester's, else the configured default."""
    return language or case.language or settings.dsr.language


def identity_wording(methods: Sequence[str]) -> str | None:
    """The letter's wording of the last recorded check that established identity (consent and
    authorisation records are not identity checks and never read as one)."""
    worded = [CHECK_WORDING[m] for m in methods if m in CHECK_WORDING]
    return worded[-1] if worded else None


def facts_of(
    case: WorkCase, subject: Subject | None = None, *, addressee: compose.Recipient | None = None
) -> RequestFacts:
    """What the letter says about the request: channel, receipt, how identity was established (as
    recorded for the confirmed subject — never a default), and —
    when a parent or representative asked, or a young pupil's answer goes to the guardians — that the
    letter goes to them "for" the subject (``addressee``: :func:`dsr.service.casework.routing.addressee`).

    "Checked against the guardian records" is said only when that check is recorded on the case."""
    check = identity_wording(case.identity_checks)  # None: nothing recorded, and the letter says so
    to = addressee
    if to is None and case.acting is not casefile.Acting.SELF and case.requester is not None:
        named = subject.profile.name if subject is not None and subject.profile.name else None
        child = named or (_full_name(case.descriptor) if case.descriptor is not None else None)
        to = recipient(case.requester, child_name=child)
    return RequestFacts(
        case_reference=case.reference,
        received_at=case.received_at,
        channel=case.channel.value,
        identity_check=check,
        recipient=to,
    )


def letter_facts(
    engine: sa.Engine, settings: Settings, case: WorkCase, subject: Subject, connectors: Sequence[Connector]
) -> RequestFacts:
    """:func:`facts_of` with the addressee the case's routing asks for, and whether the answer goes
    by post (a paper letter then says how to get the electronic copy)."""
    from dsr.casefile.delivery import Route, plan_in
    from dsr.service.casework.routing import addressee

    with engine.connect() as conn:
        routing = routing_in(conn, case.id, case.subject_reference)
        by_post = plan_in(conn, case, zone=settings.zone).route is Route.POST
    facts = facts_of(case, subject, addressee=addressee(engine, case, subject, routing, connectors))
    return dataclasses.replace(facts, delivery="post") if by_post else facts


def gather_job(settings: Settings, *, connectors_of: ConnectorsOf = connect) -> casefile.jobs.Handler:
    """The handler of ``gather`` jobs (see the module docstring)."""

    def run(ctx: casefile.JobContext) -> None:
        engine = ctx.engine
        assert ctx.job.case_id is not None
        case = work_case(engine, ctx.job.case_id)
        if case.state is not casefile.CaseState.GATHERING:
            return  # finished before a crash, or the case moved on: nothing left to do
        connectors = connectors_of(settings, case.controller)
        try:
            subject = confirmed_subject(settings, case, connectors)
            _ensure_routing(engine, settings, case, subject, connectors)
            for store in ctx.pending_stores():
                ctx.store(store, casefile.StoreProgress.RUNNING)
                found = gather(subject, connectors, only=[store])
                report = next((r for r in found.reports if r.store == store), None)
                if report is None:
                    ctx.store(store, casefile.StoreProgress.FAILED, error="store is not configured")
                elif report.state is StoreState.OK:
                    ctx.store(store, casefile.StoreProgress.OK, records=report.records)
                else:
                    ctx.store(store, casefile.StoreProgress.FAILED, error=report.error or "store failed")
            if any(p.get("state") != casefile.StoreProgress.OK for p in ctx.progress.values()):
                return  # the case waits in gathering until the failed store is retried
            ctx.heartbeat()
            hint = _other_controllers(settings, case.controller, subject, connectors_of)
            answer = prepare_answer(
                settings,
                case.controller,
                subject,
                connectors,
                facts=letter_facts(engine, settings, work_case(engine, case.id), subject, connectors),
                language=language_of(settings, case),
                formats=("pdf",),
                processing_restricted=_restriction_list(engine, case.controller),
            )
            # the mapping's words for the restricted records the officer decides on
            specs = {(c.store, c.name): c for connector in connectors for c in connector.collections()}
        finally:
            close_connectors(connectors)
        if not answer.complete:
            for r in answer.reports:
                if r.state is StoreState.FAILED:
                    ctx.store(r.store, casefile.StoreProgress.FAILED, error=r.error or "store failed")
            return
        ctx.heartbeat()
        attach_document(
            engine,
            case.reference,
            "other_controllers",
            casefile.Document(filename="other-controllers.json", media_type="application/json", content=hint),
        )
        attach_document(
            engine,
            case.reference,
            "draft",
            casefile.Document(
                filename="disclosure-draft.pdf",
                media_type="application/pdf",
                content=answer.documents["disclosure.pdf"],
            ),
        )
        known = {r.item for r in review_states(engine, None, case.reference)}
        items: list[tuple[str, str]] = []
        review = answer.documents.get("review.json")
        if review is not None:
            attach_document(
                engine,
                case.reference,
                "review",
                casefile.Document(filename="review.json", media_type="application/json", content=review),
            )
            items += [(i["id"], i["rule"]) for i in msgspec.json.decode(review)["items"] if i["id"] not in known]
        if answer.review_sheet is not None:  # the flagged text in its sentence: officers only
            attach_document(
                engine,
                case.reference,
                "review_sheet",
                casefile.Document(
                    filename="review-sheet.json", media_type="application/json", content=answer.review_sheet
                ),
            )
        if answer.restricted_records:
            attach_document(
                engine,
                case.reference,
                "restricted",
                casefile.Document(
                    filename="restricted.json",
                    media_type="application/json",
                    content=restricted_json(answer.restricted_records, specs),
                ),
            )
            items += [(ref, RESTRICTED) for ref in answer.restricted_records if ref not in known]
        if items:
            casefile.add_review_items(engine, None, case.reference, items)
        casefile.finish_gathering(engine, case.reference)

    return run


def _restriction_list(engine: sa.Engine, controller: str) -> dict[tuple[str, str, str], dt.date | None]:
    """Records restricted after an erasure request: the letter marks them (Art. 18 GDPR)."""
    from dsr.service.erasure import restricted_until

    return restricted_until(engine, controller)


def _ensure_routing(
    engine: sa.Engine, settings: Settings, case: WorkCase, subject: Subject, connectors: Sequence[Connector]
) -> None:
    """Before any store is read: the routing is settled, and a parent not verified as guardian gets nothing."""
    from dsr.casefile.permission import load_case
    from dsr.service.casework.routing import settle_routing

    settle_routing(engine, settings, case, subject, connectors)
    try:
        with engine.connect() as conn:
            ensure_may_gather(conn, load_case(conn, None, case.reference))
    except TransitionRefused as exc:
        raise CaseworkError(f"case {case.reference}: not gathered, {exc}", code=exc.code) from None


def _other_controllers(settings: Settings, controller: str, subject: Subject, connectors_of: ConnectorsOf) -> bytes:
    """Keys of other controllers that may hold data of the subject (a hint for the officer; no data)."""
    from dsr.pipeline.other_controllers import other_controllers

    found = other_controllers(settings, controller, subject, connectors_of=connectors_of)
    return msgspec.json.encode(
        {
            "found": list(found.found),
            "unreachable": [{"controller": u.controller, "store": u.store} for u in found.unreachable],
        }
    )


def other_controllers_hint(engine: sa.Engine, user: casefile.User, reference: str) -> dict[str, list[object]] | None:
    """What the gather job found out about other controllers (None before gathering)."""
    doc_id = latest_document_id(engine, user, reference, "other_controllers")
    if doc_id is None:
        return None
    _, content = read_document(engine, user, reference, doc_id, audited=False)
    return msgspec.json.decode(content)
