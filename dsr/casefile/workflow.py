"""Moving a case along: gathering, review decisions, preparing, four-eyes approval, dispatch, and
refusing (proposed by one person, confirmed by another).

Each function checks the move against ``states`` and its own guard, changes the case, and
appends the audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock, jobs
from dsr.casefile.approval import ensure_letter_opened
from dsr.casefile.attachments import Document, store_document
from dsr.casefile.delivery import ensure_decided, ensure_electronic
from dsr.casefile.downloads import DownloadOffer, new_download_token, token_hash
from dsr.casefile.errors import InputRejected, NotFound, TransitionRefused
from dsr.casefile.permission import actor_of, deadline_of, load_case
from dsr.casefile.requirements import ensure_addressable, ensure_may_gather, ensure_met
from dsr.casefile.schema import cases, documents, downloads, review_items
from dsr.casefile.states import OPEN, TERMINAL, CaseState, DispatchMethod, check_move
from dsr.casefile.users import User
from dsr.config import DEFAULT_ZONE
from dsr.pipeline.deadlines import Deadline, ExtensionNotAllowed

#: withhold_silently: a restricted record left out and not even counted (dsr.pipeline.restriction)
DECISIONS = ("disclose", "redact", "withhold", "withhold_silently")


def _move(
    conn: sa.Connection,
    case: sa.Row[Any],
    target: CaseState,
    actor: str,
    now: dt.datetime,
    values: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    check_move(CaseState(case.state), target)
    changes: dict[str, Any] = {"state": target.value, "updated_at": now, **(values or {})}
    if target in TERMINAL:
        changes["closed_at"] = now
    conn.execute(sa.update(cases).where(cases.c.id == case.id).values(**changes))
    audit.append(
        conn,
        "state changed",
        actor=actor,
        case_ref=case.reference,
        now=now,
        detail={"from": case.state, "to": target.value, **(detail or {})},
    )


def _open_items(conn: sa.Connection, case_id: int) -> int:
    return conn.execute(
        sa.select(sa.func.count())
        .select_from(review_items)
        .where(review_items.c.case_id == case_id, review_items.c.decision.is_(None))
    ).scalar_one()


def start_gathering(
    engine: sa.Engine, user: User, reference: str, stores: Sequence[str], *, now: dt.datetime | None = None
) -> int:
    """Queue the gathering job for a confirmed subject; returns the job id."""
    with engine.begin() as conn:
        return start_gathering_in(conn, user, reference, stores, now=now)


def start_gathering_in(
    conn: sa.Connection, user: User, reference: str, stores: Sequence[str], *, now: dt.datetime | None = None
) -> int:
    """:func:`start_gathering` inside the caller's transaction (the identity's confirmation)."""
    now = clock.resolve(now)
    case = load_case(conn, user, reference)
    if case.subject_reference is None:
        raise TransitionRefused("the person is not confirmed: an ambiguous match cannot proceed", code="not_confirmed")
    ensure_may_gather(conn, case)
    _move(conn, case, CaseState.GATHERING, user.actor, now)
    return jobs.enqueue_in(conn, "gather", case_id=case.id, stores=stores, now=now)


def finish_gathering(engine: sa.Engine, reference: str, *, now: dt.datetime | None = None) -> None:
    """Called by the gathering job when every store is done: the case goes to review."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        _move(conn, load_case(conn, None, reference), CaseState.REVIEW, "worker", now)


def add_review_items(
    engine: sa.Engine,
    user: User | None,
    reference: str,
    items: Sequence[tuple[str, str]],
    *,
    now: dt.datetime | None = None,
) -> None:
    """Items an officer must decide on before the answer is prepared: (item, reason) pairs."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        for item, reason in items:
            conn.execute(sa.insert(review_items).values(case_id=case.id, item=item, reason=reason))
        audit.append(
            conn,
            "review items added",
            actor=actor_of(user),
            case_ref=reference,
            now=now,
            detail={"items": [i for i, _ in items]},
        )


def decide(
    engine: sa.Engine,
    user: User,
    reference: str,
    item: str,
    decision: str,
    ground: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Record a redaction review decision and its ground (e.g. art15-4)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    if decision != "disclose" and not ground:
        raise ValueError("withholding or redacting needs a ground")
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if CaseState(case.state) is not CaseState.REVIEW:
            raise TransitionRefused("decisions are taken while the case is in review", code="decide_in_review")
        taken = conn.execute(
            sa.select(review_items.c.decision, review_items.c.ground, review_items.c.decided_by).where(
                review_items.c.case_id == case.id, review_items.c.item == item
            )
        ).first()
        if taken is not None and tuple(taken) == (decision, ground, user.id):
            return  # the same decision again (a retry after its answer was lost): nothing new to record
        done = conn.execute(
            sa.update(review_items)
            .where(review_items.c.case_id == case.id, review_items.c.item == item)
            .values(decision=decision, ground=ground, decided_by=user.id, decided_at=now)
        )
        if done.rowcount == 0:
            raise NotFound(f"no review item {item!r} in this case")
        audit.append(
            conn,
            "review decision",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"item": item, "decision": decision, "ground": ground},
        )


def prepare(
    engine: sa.Engine,
    user: User,
    reference: str,
    answer: Document,
    *,
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> int:
    """Store the finished answer for approval; returns its document id. ``zone`` (``Settings.zone``):
    the clock of the delivery plan (a child's age on the day of receipt)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if (n := _open_items(conn, case.id)) > 0:
            raise TransitionRefused(f"{n} review item(s) are still open", code="items_open", count=n)
        ensure_decided(conn, case, zone=zone)
        ensure_addressable(conn, case)  # a young pupil's answer: a guardian to address it to
        doc_id = store_document(conn, case.id, "answer", answer, user.id, now)
        _move(conn, case, CaseState.PREPARED, user.actor, now, {"prepared_by": user.id}, {"document": doc_id})
        return doc_id


def approve(
    engine: sa.Engine,
    user: User,
    reference: str,
    *,
    letter_opened: bool = False,
    now: dt.datetime | None = None,
) -> None:
    """Second pair of eyes: an approver who did not prepare the answer — and took none of its
    redaction decisions (review items, restricted records): whoever decided what the answer
    leaves out prepared it as much as whoever rendered it.

    ``letter_opened``: refuse (``letter_not_opened``) unless this approver opened the current final
    letter (:mod:`dsr.casefile.approval`); the portal's pages and API always ask for it."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference, role="approver")
        decided = conn.execute(
            sa.select(review_items.c.id).where(review_items.c.case_id == case.id, review_items.c.decided_by == user.id)
        ).first()
        if case.prepared_by == user.id or decided is not None:
            raise TransitionRefused(
                "four eyes: the approver must not be the one who prepared the answer or decided what it leaves out",
                code="four_eyes",
            )
        if (n := _open_items(conn, case.id)) > 0:
            raise TransitionRefused(f"{n} review item(s) are still open", code="items_open", count=n)
        ensure_met(conn, case)
        if letter_opened:
            ensure_letter_opened(conn, case, user)
        # a newly approved answer has not been printed yet, even if an earlier version was
        _move(conn, case, CaseState.APPROVED, user.actor, now, {"approved_by": user.id, "printed_at": None})


def send_back(engine: sa.Engine, user: User, reference: str, *, now: dt.datetime | None = None) -> None:
    """The approver returns the answer to review; approval is void."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference, role="approver")
        _move(conn, case, CaseState.REVIEW, user.actor, now, {"approved_by": None})


def mark_printed(engine: sa.Engine, user: User, reference: str, *, now: dt.datetime | None = None) -> None:
    """Note that the approved answer went into a print batch: the next batch leaves it out."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if CaseState(case.state) is not CaseState.APPROVED:
            raise TransitionRefused("only approved answers are printed", code="print_unapproved")
        doc = answer_document(conn, case.id)
        conn.execute(sa.update(cases).where(cases.c.id == case.id).values(printed_at=now, updated_at=now))
        audit.append(
            conn,
            "answer printed",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"document": doc.id, "sha256": doc.sha256},
        )


def answer_document(conn: sa.Connection, case_id: int) -> sa.Row[Any]:
    row = conn.execute(
        sa.select(documents.c.id, documents.c.sha256)
        .where(documents.c.case_id == case_id, documents.c.kind == "answer")
        .order_by(documents.c.id.desc())
    ).first()
    if row is None:
        raise NotFound("the case has no prepared answer")
    return row


def dispatch_by_post(
    engine: sa.Engine, user: User, reference: str, mailed_on: dt.date, *, now: dt.datetime | None = None
) -> None:
    """Mark the approved answer as mailed; the stored copy is what was sent."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        ensure_met(conn, case)
        doc = answer_document(conn, case.id)
        _move(
            conn,
            case,
            CaseState.DISPATCHED,
            user.actor,
            now,
            {"dispatch_method": DispatchMethod.POST.value, "dispatched_at": now},
            {"method": "post", "mailed_on": mailed_on.isoformat(), "document": doc.id, "sha256": doc.sha256},
        )


def dispatch_by_download(
    engine: sa.Engine,
    user: User,
    reference: str,
    *,
    valid_for: dt.timedelta = dt.timedelta(days=14),
    max_count: int = 3,
    now: dt.datetime | None = None,
    then: Callable[[sa.Connection, int, int], object] | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> DownloadOffer:
    """Offer the approved answer for secure download; returns the offer's id and link token
    (``zone``: ``Settings.zone``, the clock of the delivery plan).

    ``then(conn, case_id, download_id)`` runs in the same transaction: the portal queues the notice
    job there (``dsr.service.download_notice``), which makes the link the requester gets — the
    token returned here is then never shown to anyone."""

    now = clock.resolve(now)
    token = new_download_token()
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        ensure_met(conn, case, download=True)
        ensure_electronic(conn, case, zone=zone)
        doc = answer_document(conn, case.id)
        download_id = conn.execute(
            sa.insert(downloads).values(
                case_id=case.id,
                document_id=doc.id,
                created_at=now,
                expires_at=now + valid_for,
                max_count=max_count,
                count=0,
                token_hash=token_hash(token),
            )
        ).inserted_primary_key[0]
        _move(
            conn,
            case,
            CaseState.DISPATCHED,
            user.actor,
            now,
            {"dispatch_method": DispatchMethod.DOWNLOAD.value, "dispatched_at": now},
            {"method": "download", "download": download_id, "document": doc.id, "sha256": doc.sha256},
        )
        if then is not None:
            then(conn, case.id, download_id)
        return DownloadOffer(id=download_id, token=token)


def close_case(engine: sa.Engine, user: User, reference: str, *, now: dt.datetime | None = None) -> None:
    now = clock.resolve(now)
    with engine.begin() as conn:
        _move(conn, load_case(conn, user, reference), CaseState.CLOSED, user.actor, now)


#: the grounds a request may be refused on (codes; their words are ``[officer.refusal_ground]`` of the
#: portal's texts.toml). Art. 11(2)/12(2),(6) GDPR: identity; Art. 12(5): manifestly unfounded or excessive
REFUSAL_GROUNDS = (
    "identity_not_proven",  #: the requester's identity could not be established (Art. 12(6), 11(2))
    "manifestly_unfounded",  #: Art. 12(5)(b)
    "excessive",  #: Art. 12(5)(b), in particular repetitive
    "not_a_data_subject_request",  #: the letter asks for something else (no right under Art. 15–22)
    "representation_not_proven",  #: a parent's or representative's authority was not shown
    "withdrawn_by_conduct",  #: the requester made clear they no longer pursue it (no formal withdrawal)
)
#: document kinds of a refusal: the proposal (JSON, codes and ids only), its note (the officer's text),
#: and the withdrawal of a proposal (JSON)
REFUSAL_PROPOSAL, REFUSAL_NOTE, REFUSAL_WITHDRAWAL = "refusal_proposal", "refusal_note", "refusal_withdrawal"


class RefusalProposal(msgspec.Struct, frozen=True, kw_only=True):
    """A refusal one person proposed and a second must confirm (or anyone withdraw)."""

    document: int  #: the proposal's document id
    ground: str  #: a code of :data:`REFUSAL_GROUNDS`
    proposed_by: int  #: user id
    proposed_at: dt.datetime
    note: str | None = None  #: the proposer's note (kept as a ``refusal_note`` document; never audited)
    note_document: int | None = None


def _open_proposal(conn: sa.Connection, case: sa.Row[Any]) -> RefusalProposal | None:
    """The case's open refusal proposal: the newest proposal, unless withdrawn since or the case is over."""
    if CaseState(case.state) not in OPEN:
        return None
    row = conn.execute(
        sa.select(documents.c.id, documents.c.kind, documents.c.content, documents.c.created_at)
        .where(documents.c.case_id == case.id, documents.c.kind.in_((REFUSAL_PROPOSAL, REFUSAL_WITHDRAWAL)))
        .order_by(documents.c.id.desc())
    ).first()
    if row is None or row.kind != REFUSAL_PROPOSAL or row.content is None:
        return None
    facts = msgspec.json.decode(row.content)
    note = None
    if facts.get("note") is not None:
        note = conn.execute(
            sa.select(documents.c.content).where(documents.c.id == facts["note"], documents.c.case_id == case.id)
        ).scalar_one_or_none()
    return RefusalProposal(
        document=row.id,
        ground=facts["ground"],
        proposed_by=facts["proposed_by"],
        proposed_at=row.created_at,
        note=note.decode("utf-8") if note is not None else None,
        note_document=facts.get("note"),
    )


def refusal_proposal(engine: sa.Engine, user: User, reference: str) -> RefusalProposal | None:
    """The open refusal proposal of a case (for the case page), or None."""
    with engine.begin() as conn:
        return _open_proposal(conn, load_case(conn, user, reference))


def propose_refusal(
    engine: sa.Engine,
    user: User,
    reference: str,
    ground: str,
    note: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Propose to refuse the request on ``ground`` (a code of :data:`REFUSAL_GROUNDS`); returns the
    proposal's document id. A second person confirms it (:func:`confirm_refusal`); until then the case
    goes on as before. The note is kept with the case as a document, the audit log gets codes only."""
    if ground not in REFUSAL_GROUNDS:
        raise InputRejected(
            f"unknown refusal ground; one of {', '.join(REFUSAL_GROUNDS)}", code="refusal_ground_unknown"
        )
    note = (note or "").strip() or None
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        check_move(CaseState(case.state), CaseState.REFUSED)
        if _open_proposal(conn, case) is not None:
            raise TransitionRefused(
                "a refusal is already proposed: confirm or withdraw it first", code="refusal_proposed"
            )
        note_id = None
        if note is not None:
            note_id = store_document(
                conn,
                case.id,
                REFUSAL_NOTE,
                Document(filename="refusal-note.txt", media_type="text/plain; charset=utf-8", content=note.encode()),
                user.id,
                now,
            )
        facts = {"ground": ground, "proposed_by": user.id, "note": note_id}
        doc_id = store_document(
            conn,
            case.id,
            REFUSAL_PROPOSAL,
            Document(
                filename="refusal-proposal.json", media_type="application/json", content=msgspec.json.encode(facts)
            ),
            user.id,
            now,
        )
        audit.append(
            conn,
            "refusal proposed",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"ground": ground, "document": doc_id, "note": note_id},
        )
        return doc_id


def confirm_refusal(engine: sa.Engine, user: User, reference: str, *, now: dt.datetime | None = None) -> None:
    """Second pair of eyes: an approver other than the proposer confirms the open proposal; the case
    ends as refused on its ground."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference, role="approver")
        proposal = _open_proposal(conn, case)
        if proposal is None:
            check_move(CaseState(case.state), CaseState.REFUSED)  # an ended case says so
            raise TransitionRefused("no refusal is proposed for this case", code="no_refusal_proposed")
        if proposal.proposed_by == user.id:
            raise TransitionRefused(
                "four eyes: the refusal must be confirmed by someone other than who proposed it",
                code="refusal_four_eyes",
            )
        _move(
            conn,
            case,
            CaseState.REFUSED,
            user.actor,
            now,
            detail={"ground": proposal.ground, "proposal": proposal.document, "proposed_by": proposal.proposed_by},
        )


def withdraw_refusal_proposal(engine: sa.Engine, user: User, reference: str, *, now: dt.datetime | None = None) -> None:
    """Take back the open proposal (the proposer, or a colleague who will not confirm it); the case goes on."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        proposal = _open_proposal(conn, case)
        if proposal is None:
            raise TransitionRefused("no refusal is proposed for this case", code="no_refusal_proposed")
        facts = {"proposal": proposal.document, "withdrawn_by": user.id}
        doc_id = store_document(
            conn,
            case.id,
            REFUSAL_WITHDRAWAL,
            Document(
                filename="refusal-withdrawal.json", media_type="application/json", content=msgspec.json.encode(facts)
            ),
            user.id,
            now,
        )
        audit.append(
            conn,
            "refusal proposal withdrawn",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"ground": proposal.ground, "proposal": proposal.document, "document": doc_id},
        )


def withdraw(engine: sa.Engine, user: User | None, reference: str, *, now: dt.datetime | None = None) -> None:
    """The requester withdrew the request (``user=None``: through the portal themselves)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        _move(conn, load_case(conn, user, reference), CaseState.WITHDRAWN, actor_of(user) if user else "requester", now)


def extend_deadline(
    engine: sa.Engine,
    user: User,
    reference: str,
    months: int,
    notice: Document,
    notice_sent_on: dt.date,
    *,
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> Deadline:
    """Extend by up to two months; only with the notice sent inside the first month (kept as a copy).
    ``zone`` (``Settings.zone``): the local time of the day of receipt and of today."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if CaseState(case.state) in TERMINAL or CaseState(case.state) is CaseState.DISPATCHED:
            raise TransitionRefused("the answer has already gone out", code="already_sent")
        today = clock.today(zone, now)
        try:
            deadline = deadline_of(conn, case, today, zone).extend(months, notice_sent_on)
        except ExtensionNotAllowed as exc:
            raise TransitionRefused(str(exc), code="extension_not_allowed") from None
        doc_id = store_document(conn, case.id, "extension_notice", notice, user.id, now)
        conn.execute(
            sa.update(cases)
            .where(cases.c.id == case.id)
            .values(
                extension_months=deadline.extension_months,
                extension_notice_on=notice_sent_on,
                due_on=deadline.due,
                updated_at=now,
            )
        )
        audit.append(
            conn,
            "deadline extended",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={
                "months": months,
                "notice_sent_on": notice_sent_on.isoformat(),
                "due_on": deadline.due.isoformat(),
                "document": doc_id,
            },
        )
        return deadline
