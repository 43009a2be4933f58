"""The second letter of a case: the erasure or restriction confirmation of a request that asked
for access as well (docs/erasure.md, "Access and erasure in one request").

Such a request is answered in order: the access answer first, from the data as they are (the
case's usual answer: prepared, approved, dispatched); only then is the erasure planned and carried
out, and its confirmation goes out as a letter of its own — a document of kind
:data:`KIND` with its own four-eyes approval and dispatch, recorded as audit events that name the
document and its sha256. The case's state stays ``dispatched`` meanwhile; nothing here moves it.

The lift notice (Art. 18(3) GDPR: the person is told before a restriction at their request is
lifted) takes the same way later, on a track of its own (:data:`LIFT_NOTICE`: its document kind,
audit events and refusal codes), once the case's answer went out — also after the case is closed.
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
from dsr.casefile.requirements import ensure_addressable
from dsr.casefile.schema import documents, events
from dsr.casefile.states import CaseState
from dsr.casefile.users import User

#: the document kind of the second letter (after the access answer): the confirmation of an
#: erasure, restriction, rectification, objection or the portability file
KIND = "confirmation"
PREPARED, APPROVED, DISPATCHED = "confirmation prepared", "confirmation approved", "confirmation dispatched"


class Track(msgspec.Struct, frozen=True, kw_only=True):
    """A letter that follows the case's answer with its own four eyes and dispatch: its document
    kind, its audit events, the prefix of its refusal codes and the case states it is prepared in."""

    kind: str
    name: str  #: in the refusals' messages
    prepared: str
    approved: str
    dispatched: str
    refusals: (
        str  #: the prefix of its refusal codes: ``_too_early``, ``_sent``, ``_none``, ``_four_eyes``, ``_unapproved``
    )
    after: frozenset[CaseState]


CONFIRMATION = Track(
    kind=KIND,
    name="confirmation",
    prepared=PREPARED,
    approved=APPROVED,
    dispatched=DISPATCHED,
    refusals="confirmation",
    after=frozenset({CaseState.DISPATCHED}),
)
#: the letter that tells the person a restriction at their request will be lifted (Art. 18(3)):
#: months after the answer, so a closed case takes it too
LIFT_NOTICE = Track(
    kind="lift_notice",
    name="lift notice",
    prepared="lift notice prepared",
    approved="lift notice approved",
    dispatched="lift notice dispatched",
    refusals="lift_notice",
    after=frozenset({CaseState.DISPATCHED, CaseState.CLOSED}),
)

#: every second-letter track, and the refusals each raises after its prefix (``lift_notice_sent``)
TRACKS = (CONFIRMATION, LIFT_NOTICE)
REFUSALS = ("too_early", "sent", "none", "four_eyes", "unapproved")


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
    #: what the preparer recorded beside the document (ids and days: the lift notice's plan and day)
    facts: dict[str, str] = {}


def _current(conn: sa.Connection, case: Any, track: Track = CONFIRMATION) -> Confirmation | None:
    doc = conn.execute(
        sa.select(documents.c.id, documents.c.sha256, documents.c.created_by, documents.c.created_at)
        .where(documents.c.case_id == case.id, documents.c.kind == track.kind)
        .order_by(documents.c.id.desc())
    ).first()
    if doc is None:
        return None
    found = Confirmation(document=doc.id, sha256=doc.sha256, prepared_by=doc.created_by, prepared_at=doc.created_at)
    rows = conn.execute(
        sa.select(events.c.action, events.c.actor, events.c.at, events.c.detail)
        .where(
            events.c.case_ref == case.reference,
            events.c.action.in_((track.prepared, track.approved, track.dispatched)),
        )
        .order_by(events.c.seq)
    ).all()
    for row in rows:
        detail = msgspec.json.decode(row.detail) if row.detail else {}
        if detail.get("document") != doc.id:
            continue  # an earlier letter's approval does not count for this one
        if row.action == track.prepared:
            facts = {k: str(v) for k, v in detail.items() if k != "document"}
            found = msgspec.structs.replace(found, facts=facts)
        elif row.action == track.approved:
            found = msgspec.structs.replace(found, approved_by=row.actor, approved_at=row.at)
        else:
            mailed = detail.get("mailed_on")
            found = msgspec.structs.replace(
                found, dispatched_at=row.at, mailed_on=dt.date.fromisoformat(mailed) if mailed else None
            )
    return found


def current(
    engine: sa.Engine, user: User | None, reference: str, *, track: Track = CONFIRMATION
) -> Confirmation | None:
    """The case's newest second letter of ``track`` (None: none prepared); ``user`` None: the system."""
    with engine.begin() as conn:
        return _current(conn, load_case(conn, user, reference), track)


def prepare(
    engine: sa.Engine,
    user: User,
    reference: str,
    letter: Document,
    *,
    track: Track = CONFIRMATION,
    facts: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Keep the letter as the case's second letter of ``track``, for approval; only once the first
    answer went out (``confirmation_too_early``), and not again once it went out itself
    (``confirmation_sent``); for a young pupil who asked alone, not while no guardian is known to
    address it to (``to_guardians``, as her answer). ``facts``: ids and days kept with it in the audit event (no personal data)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if CaseState(case.state) not in track.after:
            raise TransitionRefused(
                f"the case's answer goes out first; the {track.name} follows it", code=f"{track.refusals}_too_early"
            )
        earlier = _current(conn, case, track)
        if earlier is not None and earlier.dispatched_at is not None:
            raise TransitionRefused(f"the {track.name} has gone out already", code=f"{track.refusals}_sent")
        ensure_addressable(conn, case)  # a young pupil's letter, as her answer: a guardian to address it to
        doc_id = store_document(conn, case.id, track.kind, letter, user.id, now)
        detail: dict[str, str | int] = {**(facts or {}), "document": doc_id}
        audit.append(conn, track.prepared, actor=user.actor, case_ref=reference, now=now, detail=detail)
        return doc_id


def _opened(conn: sa.Connection, case: Any, user: User, document: int) -> bool:
    details = conn.execute(
        sa.select(events.c.detail).where(
            events.c.case_ref == case.reference, events.c.action == LETTER_OPENED, events.c.actor == user.actor
        )
    ).scalars()
    return any(msgspec.json.decode(d).get("document") == document for d in details)


def opened(engine: sa.Engine, user: User, reference: str, *, track: Track = CONFIRMATION) -> bool:
    """Whether ``user`` opened the case's current second letter of ``track`` (for the case page)."""
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        letter = _current(conn, case, track)
        return letter is not None and _opened(conn, case, user, letter.document)


def approve(
    engine: sa.Engine, user: User, reference: str, *, track: Track = CONFIRMATION, now: dt.datetime | None = None
) -> None:
    """Four eyes: an approver who did not prepare the letter, and opened it, approves it
    (``confirmation_four_eyes``, ``letter_not_opened``)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference, role="approver")
        letter = _current(conn, case, track)
        if letter is None or letter.dispatched_at is not None:
            raise TransitionRefused(f"no {track.name} waits for approval", code=f"{track.refusals}_none")
        if letter.approved_at is not None:
            return  # approved before: nothing more to record
        if letter.prepared_by == user.id:
            raise TransitionRefused(
                f"four eyes: the {track.name} must be approved by someone other than who prepared it",
                code=f"{track.refusals}_four_eyes",
            )
        if not _opened(conn, case, user, letter.document):
            raise TransitionRefused(f"open the {track.name} before approving it", code="letter_not_opened")
        audit.append(
            conn,
            track.approved,
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"document": letter.document, "sha256": letter.sha256},
        )


def dispatch_by_post(
    engine: sa.Engine,
    user: User,
    reference: str,
    mailed_on: dt.date,
    *,
    track: Track = CONFIRMATION,
    now: dt.datetime | None = None,
) -> None:
    """Record that the approved letter was mailed on ``mailed_on`` (the stored copy is what was
    sent)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        letter = _current(conn, case, track)
        if letter is None or letter.approved_at is None:
            raise TransitionRefused(f"only an approved {track.name} is sent", code=f"{track.refusals}_unapproved")
        if letter.dispatched_at is not None:
            return
        if mailed_on < letter.prepared_at.date() - dt.timedelta(days=1):
            raise InputRejected(f"the {track.name} cannot have been mailed before it was written", code="mailed_early")
        audit.append(
            conn,
            track.dispatched,
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


class Announced(msgspec.Struct, frozen=True, kw_only=True):
    """The case's lift notice for a restriction plan, and how far it went."""

    document: int
    plan: str
    lift_on: dt.date  #: the day the letter says the restriction is lifted from
    approved: bool
    mailed_on: dt.date | None = None  #: the day it was mailed: the day the person was told


def announced(engine: sa.Engine, reference: str, plan_id: str) -> Announced | None:
    """The case's newest lift notice if it announces ``plan_id``'s lift (None: none); read by the
    system (the lift checks it, whoever lifts)."""
    letter = current(engine, None, reference, track=LIFT_NOTICE)
    if letter is None or letter.facts.get("plan") != plan_id:
        return None
    return Announced(
        document=letter.document,
        plan=plan_id,
        lift_on=dt.date.fromisoformat(letter.facts["lift_on"]),
        approved=letter.approved_at is not None,
        mailed_on=letter.mailed_on if letter.dispatched_at is not None else None,
    )
