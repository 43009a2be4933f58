"""The portal's long work, framework-free: finding candidates, gathering per store, the final answer.

The ``gather`` job re-identifies the subject the officer confirmed, asks each store in turn
(progress per store in the job, visible live on the case page), and — once every store
answered — renders the draft letter, keeps it and the review list with the case, and moves the
case to review. A failed store leaves the case in ``gathering``; the officer retries that store
alone (``dsr.cases.retry_store``) and the job carries on with only that store.

The ``find_candidates`` job (:func:`candidates_job`) runs the identify stage in the background
once a requester confirmed their address (:func:`queue_candidate_search`), so the officer finds
the candidates ready; :func:`find_candidates` is the same search on the officer's click.

Review decisions are stored per item in ``dsr.cases`` (``decide``); the ``ground`` column holds
the reason code of :data:`dsr.redact.REASONS`. :func:`render_answer` turns them into
``dsr.redact.Decision`` values and renders the final letter for approval.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence

import msgspec
import sqlalchemy as sa

from dsr import cases, compose
from dsr.access import RequestFacts, prepare_answer
from dsr.cases.documents import WorkCase, attach_document, latest_document_id, read_document, review_states, work_case
from dsr.config import Settings, connect
from dsr.connector import Connector
from dsr.errors import DSRError
from dsr.gather import gather
from dsr.identify import confirm, resolve
from dsr.model import Candidate, Descriptor, Record, ResolutionStatus, StoreState, Subject
from dsr.redact import REASONS, Action, Decision
from dsr.restricted_review import RESTRICTED, restricted_decisions, restricted_json

log = logging.getLogger(__name__)

ConnectorsOf = Callable[[Settings, str], Sequence[Connector]]

#: how a recorded identity check reads in the letter (keys of ``[identity_checks]`` in wording.toml)
CHECK_WORDING = {
    "in_person": "in_person",
    "postal": "postal_address",
    "email_reply": "email_reply",
    "portal_account": "account",
    "card_and_birthdate": "card_and_birth_date",
}


class CaseworkError(DSRError):
    """The job cannot go on (the message names the case by reference, never a person)."""


class ReviewEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One review item as the case page shows it: in context (the item masked), with its decision."""

    id: str
    group: str
    store: str
    collection: str
    field: str
    kind: str
    rule: str
    role: str | None
    context: str
    decision: str | None  #: disclose | redact | withhold, None while open
    reason: str | None  #: a code of dsr.redact.REASONS


def _close(connectors: Sequence[Connector]) -> None:
    for c in connectors:
        try:
            c.close()
        except Exception:  # noqa: BLE001 - closing must not hide the real outcome
            log.warning("a connector did not close cleanly")


def confirmed_subject(settings: Settings, case: WorkCase, connectors: Sequence[Connector]) -> Subject:
    """The subject the officer confirmed, rebuilt from the stores (references are stable HMACs)."""
    if case.subject_reference is None or case.descriptor is None:
        raise CaseworkError(f"case {case.reference}: nobody confirmed; an ambiguous match cannot proceed")
    resolution = resolve(case.controller, connectors, case.descriptor, secret=settings.dsr.secret_key.encode())
    try:
        return confirm(case.controller, resolution.candidates, case.subject_reference)
    except KeyError:
        raise CaseworkError(f"case {case.reference}: the confirmed person is no longer found in the stores") from None


def find_candidates(
    engine: sa.Engine, settings: Settings, reference: str, *, user: cases.User | None = None,
    connectors_of: ConnectorsOf = connect,
) -> ResolutionStatus:
    """Run the identify stage for a case and record its candidates (the officer confirms one)."""
    case = _case_by_reference(engine, reference)
    if case.descriptor is None:
        raise CaseworkError(f"case {reference} has no description of the person")
    connectors = connectors_of(settings, case.controller)
    try:
        resolution = resolve(case.controller, connectors, case.descriptor, secret=settings.dsr.secret_key.encode())
    finally:
        _close(connectors)
    cases.record_candidates(engine, user, reference, resolution.candidates)
    return resolution.status


# --------------------------------------------------------------------------- the candidate search job


def queue_candidate_search(engine: sa.Engine, settings: Settings, reference: str, *,
                           actor: str = "requester") -> int | None:
    """Queue the ``find_candidates`` job once the requester confirmed their address.

    Idempotent: a case gets at most one such job (a second verification finds it), and none
    once the case left ``received``. Returns the job id, None when nothing was queued.
    """
    from dsr.cases import audit
    from dsr.cases.access import load_case

    with engine.begin() as conn:
        case = load_case(conn, None, reference)
        if case.state != cases.CaseState.RECEIVED.value:
            return None
        job_id, new = cases.jobs.enqueue_once_in(conn, "find_candidates", case_id=case.id,
                                                 stores=store_names(settings, case.controller))
        if new:
            audit.append(conn, "candidate search queued", actor=actor, case_ref=reference, detail={"job": job_id})
    return job_id if new else None


class _Answered(Connector):
    """One store's answer, replayed: :func:`dsr.identify.resolve` groups every store's candidates at once."""

    def __init__(self, name: str, found: list[Candidate]) -> None:
        super().__init__(name)
        self.found = found

    def records(self, subject: Subject) -> Iterator[Record]:
        return iter(())

    def candidates(self, descriptor: Descriptor) -> list[Candidate]:
        return self.found


def _has_candidates(engine: sa.Engine, case_id: int) -> bool:
    from dsr.cases.schema import candidates

    with engine.connect() as conn:
        return conn.execute(sa.select(candidates.c.id).where(candidates.c.case_id == case_id).limit(1)).first() is not None


def candidates_job(settings: Settings, *, connectors_of: ConnectorsOf = connect) -> cases.jobs.Handler:
    """The handler of ``find_candidates`` jobs: the identify stage, per store, in the background.

    Each store's answer is recorded in the job (visible on the case page). If a store fails, no
    candidates are recorded — a store that cannot be asked must not turn an ambiguous case into a
    match — and the job fails its attempt, so the worker tries again with backoff; the officer can
    also retry the store or search by hand. Nothing happens when the officer was quicker (the case
    has candidates or moved on).
    """

    def run(ctx: cases.JobContext) -> None:
        engine = ctx.engine
        assert ctx.job.case_id is not None
        case = work_case(engine, ctx.job.case_id)
        if case.state is not cases.CaseState.RECEIVED or case.descriptor is None:
            return
        if _has_candidates(engine, ctx.job.case_id):
            return  # the officer searched already
        answered: list[Connector] = []
        connectors = connectors_of(settings, case.controller)
        try:
            for connector in sorted(connectors, key=lambda c: c.name):
                ctx.store(connector.name, cases.StoreProgress.RUNNING)
                try:
                    found = connector.candidates(case.descriptor)
                except Exception as exc:  # noqa: BLE001 - one store's outage is that store's failure
                    # dsr's own errors promise messages without personal data; others only by type
                    error = f"{type(exc).__name__}: {exc}" if isinstance(exc, DSRError) else type(exc).__name__
                    ctx.store(connector.name, cases.StoreProgress.FAILED, error=error)
                    continue
                ctx.store(connector.name, cases.StoreProgress.OK, records=len(found))
                answered.append(_Answered(connector.name, found))
        finally:
            _close(connectors)
        failed = [s for s, p in sorted(ctx.progress.items()) if p.get("state") != cases.StoreProgress.OK]
        if failed:
            raise CaseworkError(f"case {case.reference}: store(s) not searched ({', '.join(failed)})")
        resolution = resolve(case.controller, answered, case.descriptor, secret=settings.dsr.secret_key.encode())
        if _has_candidates(engine, ctx.job.case_id):
            return  # the officer searched while the stores were asked
        try:
            cases.record_candidates(engine, None, case.reference, resolution.candidates)
        except sa.exc.IntegrityError:
            log.info("candidate search for %s: the officer's search recorded them first", case.reference)

    return run


def _case_by_reference(engine: sa.Engine, reference: str) -> WorkCase:
    with engine.connect() as conn:
        case_id = conn.execute(
            sa.select(cases_table().c.id).where(cases_table().c.reference == reference)
        ).scalar_one_or_none()
    if case_id is None:
        raise cases.NotFound(f"no case {reference}")
    return work_case(engine, case_id)


def cases_table() -> sa.Table:
    from dsr.cases.schema import cases as table

    return table


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


def store_names(settings: Settings, controller: str) -> list[str]:
    return sorted(settings.controller(controller).stores)


# --------------------------------------------------------------------------- the gather job


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
            _close(connectors)
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


def handlers(settings: Settings, *, connectors_of: ConnectorsOf = connect) -> dict[str, cases.jobs.Handler]:
    """Every job kind the portal queues, for :func:`dsr.cases.run_next`."""
    return {
        "gather": gather_job(settings, connectors_of=connectors_of),
        "find_candidates": candidates_job(settings, connectors_of=connectors_of),
    }


# --------------------------------------------------------------------------- review and answer


def review_entries(engine: sa.Engine, user: cases.User, reference: str) -> list[ReviewEntry]:
    """The case's review items in context, with their decisions (reading them is audited)."""
    doc_id = latest_document_id(engine, user, reference, "review")
    if doc_id is None:
        return []
    _, content = read_document(engine, user, reference, doc_id)
    states = {s.item: s for s in review_states(engine, user, reference)}
    entries = []
    for i in msgspec.json.decode(content)["items"]:
        state = states.get(i["id"])
        entries.append(ReviewEntry(
            id=i["id"], group=i["group"], store=i["store"], collection=i["collection"], field=i["field"],
            kind=i["kind"], rule=i["rule"], role=i.get("role"), context=i["context"],
            decision=state.decision if state else None, reason=state.ground if state else None,
        ))
    return entries


def decide_items(
    engine: sa.Engine, user: cases.User, reference: str, item: str, decision: str, reason: str, *,
    same_text: bool = True,
) -> int:
    """Decide one review item and, with ``same_text``, every item with the same text; returns how many."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason code; one of {', '.join(REASONS)}")
    entries = review_entries(engine, user, reference)
    chosen = next((e for e in entries if e.id == item), None)
    if chosen is None:
        raise cases.NotFound(f"no review item {item!r} in case {reference}")
    targets = [e for e in entries if e.group == chosen.group] if same_text else [chosen]
    for e in targets:
        cases.decide(engine, user, reference, e.id, decision, reason)
    return len(targets)


def _decisions(engine: sa.Engine, user: cases.User, reference: str) -> list[Decision]:
    result = []
    for s in review_states(engine, user, reference):
        if s.decision is None or s.reason == RESTRICTED:
            continue
        action = Action.KEEP if s.decision == "disclose" else Action.REDACT
        reason = s.ground if s.ground in REASONS else "other"
        result.append(Decision(action=action, reason=reason, decider=f"user:{s.decided_by}", item=s.item))
    return result


def render_answer(
    engine: sa.Engine, settings: Settings, user: cases.User, reference: str, *, language: str | None = None,
    connectors_of: ConnectorsOf = connect,
) -> int:
    """Render the final letter with the officer's decisions and store it for approval (``prepare``).

    Returns the answer's document id. Refused while review items are open or a store fails.
    """
    cases.get_case(engine, user, reference)  # membership check before touching any store
    case = _case_by_reference(engine, reference)
    connectors = connectors_of(settings, case.controller)
    try:
        subject = confirmed_subject(settings, case, connectors)
        answer = prepare_answer(
            settings, case.controller, subject, connectors, facts=facts_of(case, subject),
            language=language_of(settings, case, language),
            decisions=_decisions(engine, user, reference), restricted=restricted_decisions(engine, user, reference),
            formats=("pdf", "json"),
        )
    finally:
        _close(connectors)
    if not answer.complete:
        failed = ", ".join(r.store for r in answer.reports if r.state is StoreState.FAILED)
        raise CaseworkError(f"case {reference}: store(s) failed ({failed}); try again later")
    if answer.draft:
        raise cases.TransitionRefused(f"{answer.open_reviews} item(s) still need a decision")
    attach_document(engine, reference, "answer_json", cases.Document(
        filename="disclosure.json", media_type="application/json", content=answer.documents["disclosure.json"]),
        user=user)
    return cases.prepare(engine, user, reference, cases.Document(
        filename="disclosure.pdf", media_type="application/pdf", content=answer.documents["disclosure.pdf"]))
