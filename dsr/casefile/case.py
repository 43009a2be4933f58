"""Opening a case and reading it: intake, the officer's view, the public status page, comments.

The request file (parties, comments, documents) is personal data; the case row itself holds
only the reference, controller, kinds of request, dates and state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock, idempotency
from dsr.casefile.checks import SELF_PROOF, methods_for
from dsr.casefile.codes import case_reference, keyed_hash, matches_status_secret, new_status_secret
from dsr.casefile.errors import CodeRejected, InputRejected
from dsr.casefile.permission import actor_of, deadline_of, load_case
from dsr.casefile.requirements import requirements_in
from dsr.casefile.schema import cases, comments, parties, review_items
from dsr.casefile.states import Acting, CaseState, Channel, RequestType
from dsr.casefile.users import User
from dsr.config import DEFAULT_ZONE, LANDS
from dsr.model import Descriptor
from dsr.pipeline.deadlines import Deadline, due_date, receipt_day

STATUS_PURPOSE = "status"
#: languages letters and mails are written in
LANGUAGES = ("de", "en")


class Party(msgspec.Struct, frozen=True, kw_only=True):
    """Who the request is about, or who makes it for them. Personal data: never logged."""

    descriptor: Descriptor
    email: str | None = None
    postal_address: str | None = None


class Intake(msgspec.Struct, frozen=True, kw_only=True):
    """A request as it arrived, on any channel."""

    controller: str
    land: str  #: the controller's Land (``ControllerSettings.land``): picks the holidays
    request_types: tuple[RequestType, ...]
    channel: Channel
    received_at: dt.datetime  #: exact time of receipt, timezone-aware
    subject: Party
    acting: Acting = Acting.SELF
    requester: Party | None = None  #: the parent or representative
    authorisation: str | None = None  #: how the representative's authority was shown
    language: str | None = None  #: the requester's language for letters and mails (de/en; None = default)


class OpenedCase(msgspec.Struct, frozen=True):
    reference: str
    #: for the receipt (status page); only its keyed hash is stored
    status_secret: str


class CaseView(msgspec.Struct, frozen=True, kw_only=True):
    """What the officer's case page shows about the case itself."""

    reference: str
    controller: str
    state: CaseState
    request_types: tuple[RequestType, ...]
    acting: Acting
    channel: Channel
    received_at: dt.datetime
    due_on: dt.date
    days_left: int
    extension_months: int
    subject_reference: str | None
    prepared_by: int | None
    approved_by: int | None
    open_review_items: int
    dispatched_at: dt.datetime | None
    closed_at: dt.datetime | None
    language: str | None = None  #: the requester's language (None = the configured default)
    printed_at: dt.datetime | None = None  #: when the approved answer went into a print batch
    assignee: int | None = None  #: the staff member working the case (user id; None: nobody yet)


class PublicStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The status page: stage and deadline, never data."""

    reference: str
    state: CaseState
    received_on: dt.date
    due_on: dt.date
    controller: str = ""  #: the controller's key (the page shows its name)
    #: as given with the request, so the page can say where the answer goes (never shown)
    acting: str = "self"
    date_of_birth: dt.date | None = None


def _validate(intake: Intake, now: dt.datetime, zone: ZoneInfo) -> None:
    if not intake.request_types:
        raise InputRejected("a request names at least one kind (access, erasure, ...)", code="no_kind")
    if intake.land not in LANDS:
        raise InputRejected(f"unknown Land {intake.land!r}", code="unknown_land", land=intake.land)
    if intake.received_at.tzinfo is None:
        raise InputRejected("the time of receipt must be timezone-aware", code="naive_time")
    # by the local calendar day: a date typed ahead would move the deadline and the reference's year
    today = clock.today(zone, now)
    if receipt_day(intake.received_at, zone) > today:
        raise InputRejected(
            "the request cannot have been received in the future",
            code="received_in_future",
            today=today.strftime("%d.%m.%Y"),
        )
    if intake.acting is not Acting.SELF and intake.requester is None:
        raise InputRejected("a parent or representative must be recorded as the requester", code="requester_missing")
    if intake.language is not None and intake.language not in LANGUAGES:
        raise InputRejected(f"language must be one of {', '.join(LANGUAGES)}", code="language_unknown")
    if intake.acting is Acting.REPRESENTATIVE and not intake.authorisation:
        raise InputRejected("a representative needs a recorded written authorisation", code="authorisation_missing")


def open_case(
    engine: sa.Engine,
    secret: bytes,
    intake: Intake,
    *,
    user: User | None = None,
    now: dt.datetime | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> OpenedCase:
    """Record a request. ``user`` is the officer entering a postal/e-mail/in-person request; ``zone``
    (``Settings.zone``) decides its day of receipt, so its deadline and its reference's year.
    (A request that brings files: :func:`dsr.casefile.documents.open_case_with_documents`.)"""
    now = clock.resolve(now)
    with engine.begin() as conn:
        opened, _ = open_case_in(conn, secret, intake, user=user, now=now, zone=zone)
    return opened


def open_case_in(
    conn: sa.Connection,
    secret: bytes,
    intake: Intake,
    *,
    user: User | None,
    now: dt.datetime,
    claim: idempotency.Claim | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> tuple[OpenedCase, int]:
    """:func:`open_case` inside the caller's transaction; returns the case and its row id.
    With ``claim`` (an idempotency key) the key is recorded with the case."""
    _validate(intake, now, zone)
    status_secret = new_status_secret() if claim is None else claim.status_secret
    due = due_date(intake.received_at, intake.land, zone=zone)
    for _ in range(10):
        reference = case_reference(receipt_day(intake.received_at, zone).year)
        if conn.execute(sa.select(cases.c.id).where(cases.c.reference == reference)).first() is None:
            break
    case_id = conn.execute(
        sa.insert(cases).values(
            reference=reference,
            controller=intake.controller,
            land=intake.land,
            state=CaseState.RECEIVED.value,
            request_types=sorted(t.value for t in intake.request_types),
            acting=intake.acting.value,
            channel=intake.channel.value,
            received_at=intake.received_at,
            due_on=due,
            extension_months=0,
            language=intake.language,
            status_secret_hash=keyed_hash(secret, STATUS_PURPOSE, status_secret),
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key[0]
    if claim is not None:
        idempotency.record(conn, case_id, claim, now)
    _add_party(conn, case_id, "subject", intake.subject, None)
    if intake.requester is not None:
        _add_party(conn, case_id, "requester", intake.requester, intake.authorisation)
    audit.append(
        conn,
        "case opened",
        actor=actor_of(user),
        case_ref=reference,
        now=now,
        detail={
            "channel": intake.channel.value,
            "acting": intake.acting.value,
            "types": sorted(t.value for t in intake.request_types),
            "received_at": intake.received_at.astimezone(dt.UTC).isoformat(),
        },
    )
    return OpenedCase(reference, status_secret), case_id


def _add_party(conn: sa.Connection, case_id: int, role: str, party: Party, authorisation: str | None) -> None:
    conn.execute(
        sa.insert(parties).values(
            case_id=case_id,
            role=role,
            descriptor=msgspec.to_builtins(party.descriptor),
            name=given_name(party.descriptor),
            search=search_key(given_name(party.descriptor), party.email),
            email=party.email,
            postal_address=party.postal_address,
            authorisation=authorisation,
        )
    )


def given_name(descriptor: Descriptor) -> str | None:
    """First and last name as the request gave them (the case list shows and searches it)."""
    name = " ".join(n for n in (descriptor.first_name, descriptor.last_name) if n).strip()
    return name[:300] or None


def search_key(name: str | None, email: str | None) -> str | None:
    """What the case list's search reads: name and address casefolded (any case, ß = ss)."""
    return " ".join(v for v in (name, email) if v).casefold()[:700] or None


def _view(conn: sa.Connection, row: sa.Row[object], today: dt.date, zone: ZoneInfo) -> CaseView:
    open_items = conn.execute(
        sa.select(sa.func.count())
        .select_from(review_items)
        .where(review_items.c.case_id == row.id, review_items.c.decision.is_(None))
    ).scalar_one()
    return case_view(row, deadline_of(conn, row, today, zone), open_items, today)


def case_view(row: Any, deadline: Deadline, open_items: int, today: dt.date) -> CaseView:
    """A case row as the pages show it (one case, or a page of the case list)."""
    return CaseView(
        reference=row.reference,
        controller=row.controller,
        state=CaseState(row.state),
        request_types=tuple(RequestType(t) for t in row.request_types),
        acting=Acting(row.acting),
        channel=Channel(row.channel),
        received_at=row.received_at,
        due_on=deadline.due,
        days_left=deadline.days_left(today),
        extension_months=row.extension_months,
        subject_reference=row.subject_reference,
        prepared_by=row.prepared_by,
        approved_by=row.approved_by,
        open_review_items=open_items,
        dispatched_at=row.dispatched_at,
        closed_at=row.closed_at,
        language=row.language,
        printed_at=row.printed_at,
        assignee=row.assignee,
    )


def get_case(
    engine: sa.Engine, user: User, reference: str, *, today: dt.date | None = None, zone: ZoneInfo = DEFAULT_ZONE
) -> CaseView:
    """One case; ``zone`` (``Settings.zone``) decides its day of receipt and, unless given, today."""
    with engine.begin() as conn:
        return _view(conn, load_case(conn, user, reference), today or clock.today(zone), zone)


def list_cases(
    engine: sa.Engine,
    user: User,
    *,
    states: Sequence[CaseState] | None = None,
    today: dt.date | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> list[CaseView]:
    """Cases of the user's controllers, soonest deadline first."""
    today = today or clock.today(zone)
    query = sa.select(cases).where(cases.c.controller.in_(sorted(user.controllers)), cases.c.purged_at.is_(None))
    if states:
        query = query.where(cases.c.state.in_([s.value for s in states]))
    with engine.connect() as conn:
        views = [_view(conn, row, today, zone) for row in conn.execute(query)]
    return sorted(views, key=lambda v: (v.due_on, v.reference))


def public_status(
    engine: sa.Engine,
    secret: bytes,
    reference: str,
    status_secret: str,
    *,
    today: dt.date | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> PublicStatus:
    """The status page. A wrong reference and a wrong secret fail alike."""
    today = today or clock.today(zone)
    with engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.reference == reference)).first()
        stored = row.status_secret_hash if row is not None else "0" * 64
        known = matches_status_secret(secret, STATUS_PURPOSE, status_secret, stored)
        if not known or row is None or row.purged_at is not None:
            raise CodeRejected("unknown reference or wrong secret")
        deadline = deadline_of(conn, row, today, zone)
        given = conn.execute(
            sa.select(parties.c.descriptor).where(parties.c.case_id == row.id, parties.c.role == "subject")
        ).scalar()
        birth = (given or {}).get("date_of_birth")
        return PublicStatus(
            reference=row.reference,
            state=_shown_state(conn, row),
            received_on=receipt_day(row.received_at, zone),
            due_on=deadline.due,
            controller=row.controller,
            acting=row.acting,
            date_of_birth=dt.date.fromisoformat(birth) if isinstance(birth, str) else None,
        )


#: states whose difference tells whether the stores hold the person: shown only to a verified requester
_PROGRESS = frozenset(
    {
        CaseState.IDENTITY_PENDING,
        CaseState.IDENTITY_CONFIRMED,
        CaseState.GATHERING,
        CaseState.REVIEW,
        CaseState.PREPARED,
        CaseState.APPROVED,
    }
)


def _shown_state(conn: sa.Connection, row: Any) -> CaseState:
    """The state the status page shows: progress only once the requester is verified.

    Whoever holds the reference and status secret is not thereby the person: an impostor must
    not learn from "identity checked" or "gathering" that the stores hold whom they named."""
    state = CaseState(row.state)
    if state not in _PROGRESS:
        return state
    if row.acting == "self":
        verified = bool(SELF_PROOF & set(methods_for(conn, row.id, row.subject_reference)))
    else:
        needs = requirements_in(conn, row)
        verified = needs.routing is not None and not needs.open
    return state if verified else CaseState.RECEIVED


def get_party(engine: sa.Engine, user: User, reference: str, role: str = "subject") -> Party | None:
    """The subject's (or requester's) details as given. Viewing them is audited."""
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        row = conn.execute(sa.select(parties).where(parties.c.case_id == case.id, parties.c.role == role)).first()
        audit.append(conn, "request details viewed", actor=user.actor, case_ref=reference, detail={"role": role})
        if row is None or row.descriptor is None:
            return None
        return Party(
            descriptor=msgspec.convert(row.descriptor, Descriptor), email=row.email, postal_address=row.postal_address
        )


def add_comment(engine: sa.Engine, user: User, reference: str, body: str, *, now: dt.datetime | None = None) -> None:
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        comment_id = conn.execute(
            sa.insert(comments).values(case_id=case.id, author=user.id, at=now, body=body)
        ).inserted_primary_key[0]
        audit.append(
            conn, "comment added", actor=user.actor, case_ref=reference, detail={"comment": comment_id}, now=now
        )
