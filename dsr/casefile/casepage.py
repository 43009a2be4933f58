"""Reading the parts of a case the officer's case page shows: candidates, identity checks, comments.

Each read checks the user's controller (``load_case``) like every other service.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa

from dsr.casefile.identity import confirmation_proof
from dsr.casefile.permission import load_case
from dsr.casefile.schema import candidates, comments, identity_checks, identity_queries
from dsr.casefile.users import User


class CandidateView(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    store: str
    strong: bool  #: how well the request's details match (resolution): never proof of who asks
    evidence: list[dict[str, object]]  #: [{"store", "kind", "strong"}] — kinds of evidence, no values
    confirmed: bool
    email_on_file: bool = False  #: the requester's contact address is on file for this person
    hints: dict[str, object] = {}  #: masked attributes that tell namesakes apart (CandidateHints)
    #: the check that verified the requester as this person (a method), None: nothing did yet
    verified_by: str | None = None
    #: the officer may confirm this candidate: a check discriminates it (see ``confirm_identity``)
    may_confirm: bool = False


class CheckView(msgspec.Struct, frozen=True, kw_only=True):
    method: str
    performed_by: int | None
    performed_at: dt.datetime
    note: str | None
    candidate: str | None = None  #: the person the check verified
    evidence: str | None = None  #: what was compared (dsr.casefile.checks.EVIDENCE)


class QueryView(msgspec.Struct, frozen=True, kw_only=True):
    sent_on: dt.date
    answered_on: dt.date | None


class CommentView(msgspec.Struct, frozen=True, kw_only=True):
    author: int | None
    at: dt.datetime
    body: str


def candidates_of(engine: sa.Engine, user: User, reference: str) -> list[CandidateView]:
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(
            sa.select(candidates).where(candidates.c.case_id == case.id).order_by(candidates.c.id)
        ).all()
        views = []
        for r in rows:
            proof = confirmation_proof(conn, case, r, len(rows))
            views.append(
                CandidateView(
                    reference=r.reference,
                    store=r.store,
                    strong=r.strong,
                    evidence=list(r.evidence),
                    confirmed=r.confirmed,
                    email_on_file=bool(r.email_on_file),
                    hints=dict(r.hints or {}),
                    verified_by=proof,
                    may_confirm=proof is not None,
                )
            )
    return views


def checks_of(engine: sa.Engine, user: User, reference: str) -> list[CheckView]:
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(
            sa.select(identity_checks).where(identity_checks.c.case_id == case.id).order_by(identity_checks.c.id)
        ).all()
    return [
        CheckView(
            method=r.method,
            performed_by=r.performed_by,
            performed_at=r.performed_at,
            note=r.note,
            candidate=r.candidate,
            evidence=r.evidence,
        )
        for r in rows
    ]


def queries_of(engine: sa.Engine, user: User, reference: str) -> list[QueryView]:
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(
            sa.select(identity_queries).where(identity_queries.c.case_id == case.id).order_by(identity_queries.c.id)
        ).all()
    return [QueryView(sent_on=r.sent_on, answered_on=r.answered_on) for r in rows]


def comments_of(engine: sa.Engine, user: User, reference: str) -> list[CommentView]:
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(sa.select(comments).where(comments.c.case_id == case.id).order_by(comments.c.id)).all()
    return [CommentView(author=r.author, at=r.at, body=r.body) for r in rows]
