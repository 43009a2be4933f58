"""Rectifications (Art. 16) and objections (Art. 21) in the case file. No connectors here:
changing the stores is :mod:`dsr.service.rectification`'s and :mod:`dsr.service.objection`'s job.

A rectification's before and after are personal data: they are kept in ``rectifications`` only.
The audit events say what kind of thing happened, to how many columns of which stores — never a
value, a column's content or a statement's text.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.errors import InputRejected
from dsr.casefile.permission import actor_of, load_case
from dsr.casefile.schema import notices, objections, rectifications
from dsr.casefile.users import User
from dsr.model import Value
from dsr.writing import Target

#: the longest reasons or statement kept (a page of text)
TEXT_LIMIT = 5000
#: what a requester can name as wrong on the public form (texts: form.rect_detail.<code>)
DETAILS = ("name", "email", "address", "phone", "class", "other")
#: the document kind the form's rectification fields are kept under, with the request
ASKED_KIND = "rectification_request"


class Asked(msgspec.Struct, frozen=True, kw_only=True):
    """What the requester says is wrong and the correct value (personal data: never logged)."""

    detail: str  #: one of :data:`DETAILS`
    value: str = ""


def asked_document(asked: Asked) -> bytes:
    return msgspec.json.encode(asked)


def asked_of(content: bytes) -> Asked | None:
    try:
        return msgspec.json.decode(content, type=Asked)
    except msgspec.DecodeError:
        return None


class Decision(enum.StrEnum):
    UPHELD = "upheld"  #: the objection succeeds: the processing stops (Art. 21(1) sentence 2)
    REJECTED = "rejected"  #: compelling legitimate grounds override (stated in the reasons)


class Corrected(msgspec.Struct, frozen=True, kw_only=True):
    """One column to record: what it held and what it holds now (or was asked to hold)."""

    target: Target
    column: str
    before: Value
    after: Value
    applied: bool  #: the store was changed


class Rectification(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    target: Target
    column: str
    before: Any  #: as kept (JSON: dates as ISO text)
    after: Any
    applied: bool
    verified: bool
    statement: str | None
    applied_by: str
    applied_at: dt.datetime


class Objection(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    processing: str
    decision: Decision
    reasons: str
    decided_by: str
    decided_at: dt.datetime
    applied: dict[str, int] | None
    applied_at: dt.datetime | None


def _json(value: Value) -> Any:
    """A store's value as JSON keeps it (dates and decimals as text)."""
    return msgspec.to_builtins(value)


def record_rectification(
    engine: sa.Engine,
    user: User | None,
    reference: str,
    corrected: Sequence[Corrected],
    *,
    verified: bool,
    statement: str | None = None,
    now: dt.datetime | None = None,
) -> list[int]:
    """Keep before/after of every corrected column (and the supplementary statement), audited
    without values. Returns the row ids."""
    statement = (statement or "").strip() or None
    if not corrected:
        raise InputRejected("nothing to record: no column was corrected", code="rectify_nothing")
    if statement is not None and len(statement) > TEXT_LIMIT:
        raise InputRejected("the statement is too long", code="rectify_statement_long", limit=TEXT_LIMIT)
    if not verified and statement is None:
        raise InputRejected(
            "where the correct value cannot be verified, a supplementary statement is recorded",
            code="rectify_statement",
        )
    now = clock.resolve(now)
    actor = actor_of(user)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        ids = []
        for c in corrected:
            inserted = conn.execute(
                sa.insert(rectifications).values(
                    case_id=case.id,
                    store=c.target.store,
                    collection=c.target.collection,
                    key=c.target.key,
                    column=c.column,
                    before=_json(c.before),
                    after=_json(c.after),
                    applied=c.applied,
                    verified=verified,
                    statement=statement,
                    applied_by=actor,
                    applied_at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            ids.append(int(inserted[0]))
        audit.append(
            conn,
            "rectification recorded",
            actor=actor,
            case_ref=reference,
            now=now,
            detail={
                "columns": len(corrected),
                "applied": sum(1 for c in corrected if c.applied),
                "stores": sorted({c.target.store for c in corrected}),
                "verified": verified,
                "statement": statement is not None,
            },
        )
        return ids


def rectifications_of(engine: sa.Engine, user: User | None, reference: str) -> list[Rectification]:
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(
            sa.select(rectifications).where(rectifications.c.case_id == case.id).order_by(rectifications.c.id)
        ).all()
    return [
        Rectification(
            id=r.id,
            target=Target(r.store, r.collection, r.key),
            column=r.column,
            before=r.before,
            after=r.after,
            applied=r.applied,
            verified=r.verified,
            statement=r.statement,
            applied_by=r.applied_by,
            applied_at=r.applied_at,
        )
        for r in rows
    ]


def record_objection(
    engine: sa.Engine,
    user: User | None,
    reference: str,
    processing: str,
    decision: Decision,
    reasons: str,
    *,
    now: dt.datetime | None = None,
) -> int:
    """The balancing decision and its reasons (both required: the letter states them)."""
    reasons = reasons.strip()
    if not reasons:
        raise InputRejected("an objection's decision states its reasons", code="objection_reasons")
    if len(reasons) > TEXT_LIMIT:
        raise InputRejected("the reasons are too long", code="objection_reasons_long", limit=TEXT_LIMIT)
    if not processing or len(processing) > 100:
        raise InputRejected("name the processing objected to", code="objection_processing")
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        inserted = conn.execute(
            sa.insert(objections).values(
                case_id=case.id,
                processing=processing,
                decision=decision.value,
                reasons=reasons,
                decided_by=actor_of(user),
                decided_at=now,
            )
        ).inserted_primary_key
        assert inserted is not None
        oid = int(inserted[0])
        audit.append(
            conn,
            "objection decided",
            actor=actor_of(user),
            case_ref=reference,
            now=now,
            detail={"objection": oid, "processing": processing, "decision": decision.value},
        )
        return oid


def objection_applied(
    engine: sa.Engine,
    user: User | None,
    reference: str,
    objection_id: int,
    counts: Mapping[str, int],
    *,
    now: dt.datetime | None = None,
) -> None:
    """What stopping the processing did (counts only), once the stores committed."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        conn.execute(
            sa.update(objections)
            .where(objections.c.id == objection_id, objections.c.case_id == case.id)
            .values(applied=dict(counts), applied_at=now)
        )
        audit.append(
            conn,
            "objection applied",
            actor=actor_of(user),
            case_ref=reference,
            now=now,
            detail={"objection": objection_id, **{k: int(v) for k, v in counts.items()}},
        )


def objections_of(engine: sa.Engine, user: User | None, reference: str) -> list[Objection]:
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(
            sa.select(objections).where(objections.c.case_id == case.id).order_by(objections.c.id)
        ).all()
    return [
        Objection(
            id=r.id,
            processing=r.processing,
            decision=Decision(r.decision),
            reasons=r.reasons,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            applied=r.applied,
            applied_at=r.applied_at,
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- Art. 19 notices


def open_notices(
    engine: sa.Engine,
    user: User | None,
    reference: str,
    kind: str,
    recipients: Sequence[tuple[str, Mapping[str, str]]],
    *,
    now: dt.datetime | None = None,
) -> list[int]:
    """One Art. 19 task per (activity, recipient name) in the case's ``notices`` (no erasure plan:
    ``plan_id`` stays empty), ``kind`` rectification or objection. A recipient with an open task
    of the same kind is not given a second one (it will be told of both at once). Returns the new ids."""
    if not recipients:
        return []
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(
            sa.select(notices.c.number, notices.c.kind, notices.c.activity, notices.c.recipient, notices.c.state).where(
                notices.c.case_id == case.id, notices.c.plan_id.is_(None)
            )
        ).all()
        waiting = {
            (r.kind, r.activity, msgspec.json.encode(r.recipient, order="sorted")) for r in rows if r.state == "open"
        }
        number = max((r.number for r in rows), default=0)
        ids = []
        for activity, name in recipients:
            key = (kind, activity, msgspec.json.encode(dict(name), order="sorted"))
            if key in waiting:
                continue
            waiting.add(key)
            number += 1
            inserted = conn.execute(
                sa.insert(notices).values(
                    case_id=case.id,
                    plan_id=None,
                    number=number,
                    kind=kind,
                    activity=activity,
                    recipient=dict(name),
                    channel="letter",
                    state="open",
                    created_at=now,
                )
            ).inserted_primary_key
            assert inserted is not None
            ids.append(int(inserted[0]))
        if ids:
            audit.append(
                conn,
                "notices opened",
                actor=actor_of(user),
                case_ref=reference,
                now=now,
                detail={"kind": kind, "notices": ids},
            )
        return ids
