"""Identity in a case: match candidates, checks by staff, identity queries that pause the clock.

Wrong person = data breach: a case proceeds only once an officer has confirmed exactly one
person. A candidate found by weak evidence only (a name) can be confirmed only after an identity
check (in person, by post, a reply from the address on file) has been recorded. The same
recording keeps what a parent's or representative's case needs (``dsr.casefile.requirements``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.errors import InputRejected, NotFound, TransitionRefused
from dsr.casefile.permission import load_case
from dsr.casefile.schema import candidates, cases, identity_checks, identity_queries
from dsr.casefile.states import CaseState, check_move
from dsr.casefile.users import User
from dsr.model import Candidate
from dsr.pipeline.deadlines import BERLIN, pause_days


class CheckMethod(enum.StrEnum):
    IN_PERSON = "in_person"  #: staff saw the person (and, for a parent, the guardian record)
    POSTAL = "postal"  #: a letter to the postal address on file was answered
    EMAIL_REPLY = "email_reply"  #: a reply from the e-mail address on file
    PORTAL_ACCOUNT = "portal_account"  #: the person's logged-in library account
    CARD_AND_BIRTHDATE = "card_and_birthdate"  #: library card number plus date of birth
    # what a parent's, a young pupil's or a representative's case needs (dsr.casefile.requirements);
    # the automatic check against the guardian rows ("guardian_records") is recorded by the system only
    GUARDIAN_IN_PERSON = "guardian_in_person"  #: staff saw the parent and checked the guardianship (custody papers)
    GUARDIAN_POSTAL = "guardian_postal"  #: a letter to the guardian's postal address on file was answered
    PUPIL_CONSENT = "pupil_consent"  #: the pupil (old enough to act alone) agrees to the parent's request
    WRITTEN_AUTHORISATION = "written_authorisation"  #: the subject's written authorisation is on file


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(BERLIN).date()


def record_candidates(
    engine: sa.Engine, user: User | None, reference: str, found: Sequence[Candidate], *, now: dt.datetime | None = None
) -> None:
    """Keep the identify stage's candidates (references and evidence, not the rows)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        conn.execute(sa.delete(candidates).where(candidates.c.case_id == case.id, candidates.c.confirmed.is_(False)))
        for c in found:
            conn.execute(
                sa.insert(candidates).values(
                    case_id=case.id,
                    reference=c.reference,
                    store=c.store,
                    strong=c.strong,
                    evidence=msgspec.to_builtins(list(c.evidence)),
                    confirmed=False,
                )
            )
        audit.append(
            conn,
            "candidates found",
            actor=user.actor if user else "system",
            case_ref=reference,
            now=now,
            detail={"candidates": sorted(c.reference for c in found), "strong": sum(c.strong for c in found)},
        )


def record_identity_check(
    engine: sa.Engine,
    user: User,
    reference: str,
    method: CheckMethod,
    note: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> None:
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        conn.execute(
            sa.insert(identity_checks).values(
                case_id=case.id, method=method.value, performed_by=user.id, performed_at=now, note=note
            )
        )
        audit.append(
            conn, "identity checked", actor=user.actor, case_ref=reference, detail={"method": method.value}, now=now
        )


def confirm_identity(
    engine: sa.Engine, user: User, reference: str, candidate_reference: str, *, now: dt.datetime | None = None
) -> None:
    """The officer confirms which person the request is about."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        check_move(CaseState(case.state), CaseState.IDENTITY_CONFIRMED)
        row = conn.execute(
            sa.select(candidates).where(candidates.c.case_id == case.id, candidates.c.reference == candidate_reference)
        ).first()
        if row is None:
            raise NotFound(f"candidate {candidate_reference} is not among this case's candidates")
        checked = conn.execute(sa.select(identity_checks.c.id).where(identity_checks.c.case_id == case.id)).first()
        if not row.strong and checked is None:
            raise TransitionRefused(
                "only weak evidence for this person: record an identity check first", code="weak_evidence"
            )
        conn.execute(sa.update(candidates).where(candidates.c.id == row.id).values(confirmed=True))
        # a reply recorded earlier already ended the pause on its day; one never recorded ends it now
        conn.execute(
            sa.update(identity_queries)
            .where(identity_queries.c.case_id == case.id, identity_queries.c.answered_on.is_(None))
            .values(answered_on=_today(now))
        )
        conn.execute(
            sa.update(cases)
            .where(cases.c.id == case.id)
            .values(subject_reference=candidate_reference, state=CaseState.IDENTITY_CONFIRMED.value, updated_at=now)
        )
        audit.append(
            conn,
            "identity confirmed",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"candidate": candidate_reference, "from": case.state, "to": CaseState.IDENTITY_CONFIRMED.value},
        )


def send_identity_query(
    engine: sa.Engine,
    user: User,
    reference: str,
    *,
    justified: bool,
    sent_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Record that the requester was asked to prove who they are.

    Only a *justified* identity query pauses the deadline; a clarification question does not.
    """
    now = clock.resolve(now)
    sent_on = sent_on or _today(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if not justified:
            audit.append(conn, "clarification asked", actor=user.actor, case_ref=reference, now=now)
            return
        if _open_query(conn, case.id) is not None:
            raise TransitionRefused(
                "an identity query is already outstanding: record the reply first", code="query_open"
            )
        # after an unsatisfactory reply the case is still pending: a new query starts a new pause
        if CaseState(case.state) is not CaseState.IDENTITY_PENDING:
            check_move(CaseState(case.state), CaseState.IDENTITY_PENDING)
        conn.execute(sa.insert(identity_queries).values(case_id=case.id, sent_on=sent_on, sent_by=user.id))
        conn.execute(
            sa.update(cases).where(cases.c.id == case.id).values(state=CaseState.IDENTITY_PENDING.value, updated_at=now)
        )
        audit.append(
            conn,
            "identity query sent",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"sent_on": sent_on.isoformat(), "from": case.state, "to": CaseState.IDENTITY_PENDING.value},
        )


def _open_query(conn: sa.Connection, case_id: int) -> sa.Row[object] | None:
    """The identity query still waiting for a reply (there is at most one)."""
    return conn.execute(
        sa.select(identity_queries.c.id, identity_queries.c.sent_on).where(
            identity_queries.c.case_id == case_id, identity_queries.c.answered_on.is_(None)
        )
    ).first()


def identity_query_answered(
    engine: sa.Engine,
    user: User,
    reference: str,
    *,
    answered_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The reply to the identity query came in on ``answered_on`` (default today): the pause ends
    that day, whether or not the reply proves who the requester is. Confirm the identity
    separately, or send a new query (a new pause) when the reply was not enough."""
    now = clock.resolve(now)
    today = _today(now)
    answered_on = answered_on or today
    if answered_on > today:
        raise InputRejected("the reply cannot have come in the future", code="reply_in_future")
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        query = _open_query(conn, case.id)
        if query is None:
            raise TransitionRefused("no identity query is outstanding", code="no_query_open")
        if answered_on < query.sent_on:
            raise InputRejected(
                "the reply cannot have come before the query was sent",
                code="reply_before_query",
                sent_on=query.sent_on.strftime("%d.%m.%Y"),
            )
        conn.execute(
            sa.update(identity_queries).where(identity_queries.c.id == query.id).values(answered_on=answered_on)
        )
        audit.append(
            conn,
            "identity query answered",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"answered_on": answered_on.isoformat()},
        )


def paused_days(engine: sa.Engine, user: User, reference: str, today: dt.date) -> int:
    """Days the case's deadline stood still for justified identity queries, as of ``today``
    (an unanswered query keeps counting)."""
    with engine.connect() as conn:
        case = load_case(conn, user, reference)
        pauses = conn.execute(
            sa.select(identity_queries.c.sent_on, identity_queries.c.answered_on).where(
                identity_queries.c.case_id == case.id
            )
        ).all()
    return pause_days([(p.sent_on, p.answered_on) for p in pauses], today)
