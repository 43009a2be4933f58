"""Identity in a case: the candidates resolution found, the officer's confirmation, identity queries.

Wrong person = data breach. Resolution (which stored person the request names) is kept as the
case's candidates, with the masked attributes that tell namesakes apart; verification (what proves
the requester is that person) is a check bound to one candidate (:mod:`dsr.casefile.checks`). A
self request is confirmed only for a candidate a possession or presence check verified — a code to
an address on file, a James login, post, in person; name and birth date, however exact, never do.
A parent's or representative's request is confirmed as the person it names; what they must prove
is kept as the case's needs (``dsr.casefile.requirements``), which gate gathering and approval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.checks import SELF_PROOF, CheckMethod, contact, insert_check, methods_for
from dsr.casefile.errors import InputRejected, NotFound, TransitionRefused
from dsr.casefile.permission import load_case
from dsr.casefile.schema import candidates, cases, identity_queries
from dsr.casefile.states import CaseState, check_move
from dsr.casefile.users import User
from dsr.config import DEFAULT_ZONE
from dsr.model import Candidate, IdentifierKind
from dsr.pipeline.deadlines import pause_days

#: a masked character: enough to tell two addresses apart, not enough to learn one
MASK = "\u2022\u2022\u2022"


class CandidateHints(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What tells namesakes apart, masked so the case page does not become a lookup service."""

    birth_year: int | None = None
    emails: tuple[str, ...] = ()  #: ``e•••@gmx.de``
    address: str | None = None  #: ``H••• 12, 93047 Regensburg`` → ``H•••, 93••• Regensburg``


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}{MASK}@{domain}" if domain else f"{address[:1]}{MASK}"


def hints_of(candidate: Candidate) -> CandidateHints:
    p = candidate.profile
    born = p.date_of_birth
    if born is None:
        dobs = sorted(i.value for i in candidate.identifiers if i.kind is IdentifierKind.DATE_OF_BIRTH)
        born = dt.date.fromisoformat(dobs[0]) if dobs else None
    emails = sorted(
        {i.value for i in candidate.identifiers if i.kind is IdentifierKind.EMAIL} | ({p.email} if p.email else set())
    )
    parts = []
    if p.street:
        parts.append(f"{p.street[:1]}{MASK}")
    if p.postal_code or p.city:
        parts.append(
            " ".join(x for x in ((p.postal_code or "")[:2] + MASK if p.postal_code else "", p.city or "") if x)
        )
    return CandidateHints(
        birth_year=born.year if born else None,
        emails=tuple(mask_email(e) for e in emails),
        address=", ".join(parts) or None,
    )


def _on_file(candidate: Candidate, email: str | None) -> bool:
    if not email:
        return False
    wanted = email.strip().lower()
    emails = {i.value.strip().lower() for i in candidate.identifiers if i.kind is IdentifierKind.EMAIL}
    if candidate.profile.email:
        emails.add(candidate.profile.email.strip().lower())
    return wanted in emails


def record_candidates(
    engine: sa.Engine, user: User | None, reference: str, found: Sequence[Candidate], *, now: dt.datetime | None = None
) -> None:
    """Keep the identify stage's candidates: references, evidence kinds, masked hints, and whether
    the requester's contact address is on file for each (never the rows themselves)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        party = contact(conn, case.id)
        email = party.email if party is not None else None
        conn.execute(sa.delete(candidates).where(candidates.c.case_id == case.id, candidates.c.confirmed.is_(False)))
        kept = set(conn.execute(sa.select(candidates.c.reference).where(candidates.c.case_id == case.id)).scalars())
        for c in found:
            if c.reference in kept:
                continue  # the confirmed candidate stays as it was confirmed
            conn.execute(
                sa.insert(candidates).values(
                    case_id=case.id,
                    reference=c.reference,
                    store=c.store,
                    strong=c.strong,
                    evidence=msgspec.to_builtins(list(c.evidence)),
                    confirmed=False,
                    email_on_file=_on_file(c, email),
                    hints=msgspec.to_builtins(hints_of(c)),
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


def code_proves(conn: sa.Connection, case_id: int, candidate: sa.Row[object]) -> bool:
    """The contact address is on file for ``candidate`` and the requester entered the code sent to it."""
    party = contact(conn, case_id)
    return bool(candidate.email_on_file) and party is not None and party.email_verified_at is not None


def proof_of(conn: sa.Connection, case: sa.Row[object], candidate: sa.Row[object]) -> str | None:
    """What verifies the requester as ``candidate`` in a self request (a check method), or None."""
    recorded = [m for m in methods_for(conn, case.id, candidate.reference) if m in SELF_PROOF]
    if recorded:
        return recorded[-1]
    return CheckMethod.EMAIL_CODE.value if code_proves(conn, case.id, candidate) else None


def confirmation_proof(
    conn: sa.Connection, case: sa.Row[object], candidate: sa.Row[object], candidates: int
) -> str | None:
    """Why the officer may confirm ``candidate`` (a check method, or ``single`` / ``none_needed``), None: not yet.

    A self request: what verified the requester as that person (:func:`proof_of`). A parent or a
    representative proves their standing later (the case's needs gate gathering and approval); among
    several candidates only one a recorded check names tells the namesakes apart."""
    if case.acting == "self":
        return proof_of(conn, case, candidate)
    named = methods_for(conn, case.id, candidate.reference)
    if named:
        return named[-1]
    return "single" if candidates == 1 else None


def confirm_identity(
    engine: sa.Engine,
    user: User,
    reference: str,
    candidate_reference: str,
    *,
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
    then: Callable[[sa.Connection, str], object] | None = None,
) -> None:
    """The officer confirms which person the request is about.

    For a self request only a candidate the requester was verified as: a check recorded for that
    candidate, or the code entered from an address on file for them (recorded here as the check).
    For a parent or representative: the only candidate, or the one a recorded check names.

    ``then(conn, reference)`` runs in the same transaction (the officer's "confirm and gather"
    queues the gathering there): a crash after the commit cannot leave the one without the other."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        check_move(CaseState(case.state), CaseState.IDENTITY_CONFIRMED)
        row = conn.execute(
            sa.select(candidates).where(candidates.c.case_id == case.id, candidates.c.reference == candidate_reference)
        ).first()
        if row is None:
            raise NotFound(f"candidate {candidate_reference} is not among this case's candidates")
        count = len(conn.execute(sa.select(candidates.c.id).where(candidates.c.case_id == case.id)).all())
        proof = confirmation_proof(conn, case, row, count)
        if proof is None and case.acting == "self":
            raise TransitionRefused(
                "nothing the requester holds proves they are this person (name and birth date are "
                "known to others): record a check — code to an address on file, post, in person",
                code="not_verified",
            )
        if proof is None:
            raise TransitionRefused(
                "several people match: record the check that names this one (e.g. the examined documents)",
                code="not_discriminated",
            )
        if proof == CheckMethod.EMAIL_CODE.value and CheckMethod.EMAIL_CODE.value not in methods_for(
            conn, case.id, row.reference
        ):
            insert_check(conn, case.id, CheckMethod.EMAIL_CODE, row.reference, by=None, now=now)
        conn.execute(sa.update(candidates).where(candidates.c.id == row.id).values(confirmed=True))
        # a reply recorded earlier already ended the pause on its day; one never recorded ends it now
        conn.execute(
            sa.update(identity_queries)
            .where(identity_queries.c.case_id == case.id, identity_queries.c.answered_on.is_(None))
            .values(answered_on=clock.today(zone, now))
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
        if then is not None:
            then(conn, reference)


def send_identity_query(
    engine: sa.Engine,
    user: User,
    reference: str,
    *,
    justified: bool,
    sent_on: dt.date | None = None,
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> None:
    """Record that the requester was asked to prove who they are (``sent_on`` default: today in
    ``zone``, ``Settings.zone``).

    Only a *justified* identity query pauses the deadline; a clarification question does not.
    """
    now = clock.resolve(now)
    sent_on = sent_on or clock.today(zone, now)
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
    zone: ZoneInfo = DEFAULT_ZONE,
) -> None:
    """The reply to the identity query came in on ``answered_on`` (default today in ``zone``): the pause ends
    that day, whether or not the reply proves who the requester is. Confirm the identity
    separately, or send a new query (a new pause) when the reply was not enough."""
    now = clock.resolve(now)
    today = clock.today(zone, now)
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
