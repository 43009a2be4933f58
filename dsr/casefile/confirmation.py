"""The second letter of a case: the erasure or restriction confirmation of a request that asked
for access as well (docs/erasure.md, "Access and erasure in one request").

Such a request is answered in order: the access answer first, from the data as they are (the
case's usual answer: prepared, approved, dispatched); only then is the erasure planned and carried
out, and its confirmation goes out as a letter of its own — a document of kind
:data:`KIND` with its own four-eyes approval and dispatch, recorded as audit events that name the
document and its sha256. The case's state stays ``dispatched`` meanwhile; nothing here moves it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.approval import LETTER_OPENED
from dsr.casefile.attachments import Document, store_document
from dsr.casefile.errors import InputRejected, TransitionRefused
from dsr.casefile.permission import load_case
from dsr.casefile.schema import documents, events
from dsr.casefile.states import CaseState
from dsr.casefile.users import User

#: the document kind of the second letter (after the access answer): the confirmation of an
#: erasure, restriction, rectification, objection or the portability file
KIND = "confirmation"
PREPARED, APPROVED, DISPATCHED = "confirmation prepared", "confirmation approved", "confirmation dispatched"


class Confirmation(msgspec.Struct, frozen=True, kw_only=True):
    """The case's current second letter and how far it went."""

    document: int
    sha256: str
    prepared_by: int | None  #: user id
    prepared_at: dt.datetime
    approved_by: str | None = None  #: audit actor ("user:3")
    approved_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    mailed_on: dt.date | None = None


def _current(conn: sa.Connection, case: Any) -> Confirmation | None:
    doc = conn.execute(
        sa.select(documents.c.id, documents.c.sha256, documents.c.created_by, documents.c.created_at)
        .where(documents.c.case_id == case.id, documents.c.kind == KIND)
        .order_by(documents.c.id.desc())
    ).first()
    if doc is None:
        return None
    found = Confirmation(document=doc.id, sha256=doc.sha256, prepared_by=doc.created_by, prepared_at=doc.created_at)
    rows = conn.execute(
        sa.select(events.c.action, events.c.actor, events.c.at, events.c.detail)
        .where(events.c.case_ref == case.reference, events.c.action.in_((APPROVED, DISPATCHED)))
        .order_by(events.c.seq)
    ).all()
    for row in rows:
        detail = msgspec.json.decode(row.detail) if row.detail else {}
        if detail.get("document") != doc.id:
            continue  # an earlier letter's approval does not count for this one
        if row.action == APPROVED:
            found = msgspec.structs.replace(found, approved_by=row.actor, approved_at=row.at)
        else:
            mailed = detail.get("mailed_on")
            found = msgspec.structs.replace(
                found, dispatched_at=row.at, mailed_on=dt.date.fromisoformat(mailed) if mailed else None
            )
    return found


def current(engine: sa.Engine, user: User, reference: str) -> Confirmation | None:
    """The case's newest second letter (None: none prepared)."""
    with engine.begin() as conn:
        return _current(conn, load_case(conn, user, reference))


def prepare(engine: sa.Engine, user: User, reference: str, letter: Document, *, now: dt.datetime | None = None) -> int:
    """Keep the confirmation as the case's second letter, for approval; only once the first answer
    went out (``confirmation_too_early``), and not again once it went out itself."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if CaseState(case.state) is not CaseState.DISPATCHED:
            raise TransitionRefused(
                "the access answer goes out first; the confirmation follows it", code="confirmation_too_early"
            )
        earlier = _current(conn, case)
        if earlier is not None and earlier.dispatched_at is not None:
            raise TransitionRefused("the confirmation has gone out already", code="confirmation_sent")
        doc_id = store_document(conn, case.id, KIND, letter, user.id, now)
        audit.append(conn, PREPARED, actor=user.actor, case_ref=reference, now=now, detail={"document": doc_id})
        return doc_id


def _opened(conn: sa.Connection, case: Any, user: User, document: int) -> bool:
    details = conn.execute(
        sa.select(events.c.detail).where(
            events.c.case_ref == case.reference, events.c.action == LETTER_OPENED, events.c.actor == user.actor
        )
    ).scalars()
    return any(msgspec.json.decode(d).get("document") == document for d in details)


def opened(engine: sa.Engine, user: User, reference: str) -> bool:
    """Whether ``user`` opened the case's current second letter (for the case page)."""
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        letter = _current(conn, case)
        return letter is not None and _opened(conn, case, user, letter.document)


def approve(engine: sa.Engine, user: User, reference: str, *, now: dt.datetime | None = None) -> None:
    """Four eyes: an approver who did not prepare the letter, and opened it, approves it
    (``confirmation_four_eyes``, ``letter_not_opened``)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference, role="approver")
        letter = _current(conn, case)
        if letter is None or letter.dispatched_at is not None:
            raise TransitionRefused("no confirmation waits for approval", code="confirmation_none")
        if letter.approved_at is not None:
            return  # approved before: nothing more to record
        if letter.prepared_by == user.id:
            raise TransitionRefused(
                "four eyes: the confirmation must be approved by someone other than who prepared it",
                code="confirmation_four_eyes",
            )
        if not _opened(conn, case, user, letter.document):
            raise TransitionRefused("open the confirmation before approving it", code="letter_not_opened")
        audit.append(
            conn,
            APPROVED,
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"document": letter.document, "sha256": letter.sha256},
        )


def dispatch_by_post(
    engine: sa.Engine, user: User, reference: str, mailed_on: dt.date, *, now: dt.datetime | None = None
) -> None:
    """Record that the approved confirmation was mailed on ``mailed_on`` (the stored copy is what
    was sent)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        letter = _current(conn, case)
        if letter is None or letter.approved_at is None:
            raise TransitionRefused("only an approved confirmation is sent", code="confirmation_unapproved")
        if letter.dispatched_at is not None:
            return
        if mailed_on < letter.prepared_at.date() - dt.timedelta(days=1):
            raise InputRejected("the confirmation cannot have been mailed before it was written", code="mailed_early")
        audit.append(
            conn,
            DISPATCHED,
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={
                "document": letter.document,
                "sha256": letter.sha256,
                "method": "post",
                "mailed_on": mailed_on.isoformat(),
            },
        )
