"""What a case needs before anything is disclosed: the routing of :mod:`dsr.pipeline.representation`, kept with the case.

The routing (capacity, the subject's age on the day of receipt, what is needed) is computed by the
case work once the subject is known — when gathering starts, and again by the ``gather`` job if it
is missing — and kept as the case's ``routing`` document, with an audit event that names only
codes. Each need is met by something recorded on the case:

* ``guardian_verification`` — the automatic check of the requester against the child's guardian
  rows (identity check ``guardian_records``, recorded only when it *verified*), or an officer's
  ``guardian_in_person`` / ``guardian_postal`` check; for a pupil below the age of consent who
  asked alone, also ``guardians_on_file``: recorded by dsr with the routing when the school's
  records hold a guardian with a full postal address, since the answer then goes only by post to
  that address, which nobody asking can change (for a parent it never counts: it says nothing
  about who asks). Without such a guardian in the records, an officer's check counts for that
  pupil only with the checked guardian's name and postal address recorded with it
  (:mod:`dsr.casefile.guardians`): the answer must have a guardian to go to, never the child;
* ``pupil_consent`` — an officer recorded ``pupil_consent``;
* ``written_authorisation`` — an officer examined the subject's signed authorisation (check
  ``written_authorisation``, or ``legal_representation``); an upload or a line typed at intake
  never meets it: anybody can upload a file that starts with ``%PDF-``;
* ``legal_representation`` — for a child below the age of consent, an officer examined the custody,
  court or authority document (check ``legal_representation``);
* ``representative_verified`` — the representative seen in person or answering post.

Every check counts only for the person it names: the case's confirmed subject.

A parent whose guardianship is not established is never gathered for; no case is approved or
dispatched while a need is open; and an answer that goes to the guardians of a young pupil is
never offered for download to the pupil's own address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.attachments import Document, store_document
from dsr.casefile.checks import CheckMethod, insert_check, methods_for
from dsr.casefile.errors import TransitionRefused
from dsr.casefile.guardians import OFFICER_GUARDIAN_CHECKS, recorded_guardian
from dsr.casefile.permission import load_case
from dsr.casefile.schema import documents

#: the identity check the system records when the guardian rows verified a parent (never by staff)
GUARDIAN_RECORDS = CheckMethod.GUARDIAN_RECORDS.value
#: the document kind the routing is kept as
ROUTING = "routing"
#: ``RoutingRecord.guardian`` of a young pupil who asked alone: the school's records hold a guardian
#: the answer can be posted to (met by ``guardians_on_file``), or none with a full address
ON_FILE, NOT_ON_FILE = "on_file", "not_on_file"

#: which recorded checks meet which need
MEETS: dict[str, frozenset[str]] = {
    "guardian_verification": frozenset(
        {GUARDIAN_RECORDS, "guardian_in_person", "guardian_postal", CheckMethod.GUARDIANS_ON_FILE.value}
    ),
    "pupil_consent": frozenset({"pupil_consent"}),
    "written_authorisation": frozenset({"written_authorisation", "legal_representation"}),
    "legal_representation": frozenset({"legal_representation"}),
    "representative_verified": frozenset({"representative_in_person", "representative_postal"}),
}
#: the refusal code of each open need (texts.toml [officer.refused])
REFUSAL = {
    "guardian_verification": "guardian_unverified",
    "pupil_consent": "pupil_consent_missing",
    "written_authorisation": "written_authorisation_missing",
    "legal_representation": "legal_representation_missing",
    "representative_verified": "representative_unverified",
}


class RoutingRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The routing of one case for its confirmed subject. ``age`` is personal data (kept, never logged)."""

    subject: str  #: the confirmed subject's reference: a routing is valid for that person only
    capacity: str  #: self | parent | representative
    age: int | None
    age_of_consent: int
    needs: tuple[str, ...]
    to_guardians: bool = False  #: a pupil below the age of consent asked: the answer goes to a guardian
    #: the automatic guardian check: verified | name_only | not_a_guardian (a parent); on_file |
    #: not_on_file (a young pupil who asked alone: a guardian with a postal address in the records)
    guardian: str | None = None
    guardians_on_file: int | None = None


class Need(msgspec.Struct, frozen=True, kw_only=True):
    requirement: str
    met: bool


class Requirements(msgspec.Struct, frozen=True, kw_only=True):
    """The routing (None until the case work computed it) and the state of each need."""

    routing: RoutingRecord | None
    needs: tuple[Need, ...]

    @property
    def open(self) -> tuple[str, ...]:
        return tuple(n.requirement for n in self.needs if not n.met)


def record_routing(
    engine: sa.Engine, reference: str, routing: RoutingRecord, *, actor: str = "system", now: dt.datetime | None = None
) -> None:
    """Keep the routing with the case; a verified guardian check becomes identity check ``guardian_records``."""
    with engine.begin() as conn:
        record_routing_in(conn, reference, routing, actor=actor, now=now)


def record_routing_in(
    conn: sa.Connection,
    reference: str,
    routing: RoutingRecord,
    *,
    actor: str = "system",
    now: dt.datetime | None = None,
) -> None:
    """:func:`record_routing` inside the caller's transaction (the identity's confirmation)."""
    now = clock.resolve(now)
    case = load_case(conn, None, reference)
    doc = Document(filename="routing.json", media_type="application/json", content=msgspec.json.encode(routing))
    doc_id = store_document(conn, case.id, ROUTING, doc, None, now)
    if routing.guardian == "verified":
        insert_check(conn, case.id, CheckMethod.GUARDIAN_RECORDS, routing.subject, by=None, now=now)
    if routing.guardian == ON_FILE and routing.capacity == "self" and routing.to_guardians:
        # the letter goes only by post to the guardian row's address: in the same transaction as the routing
        insert_check(conn, case.id, CheckMethod.GUARDIANS_ON_FILE, routing.subject, by=None, now=now)
        audit.append(
            conn,
            "identity checked",
            actor="system",
            case_ref=reference,
            now=now,
            detail={
                "method": CheckMethod.GUARDIANS_ON_FILE.value,
                "candidate": routing.subject,
                "evidence": "guardian_address_on_file",
            },
        )
    # codes only: no age, no names, no addresses in the event log
    audit.append(
        conn,
        "routing settled",
        actor=actor,
        case_ref=reference,
        now=now,
        detail={
            "document": doc_id,
            "capacity": routing.capacity,
            "needs": list(routing.needs),
            "to_guardians": routing.to_guardians,
            "guardian_check": routing.guardian,
        },
    )


def routing_in(conn: sa.Connection, case_id: int, subject: str | None) -> RoutingRecord | None:
    """The latest routing kept for ``subject`` in the case (None: not computed yet)."""
    rows = (
        conn.execute(
            sa.select(documents.c.content)
            .where(documents.c.case_id == case_id, documents.c.kind == ROUTING)
            .order_by(documents.c.id.desc())
        )
        .scalars()
        .all()
    )
    for content in rows:
        if content is None:
            continue  # purged with the case file
        record = msgspec.json.decode(bytes(content), type=RoutingRecord)
        if subject is not None and record.subject == subject:
            return record
    return None


def requirements_in(conn: sa.Connection, case: Any) -> Requirements:
    """The state of each need of the case (``case`` is a row of ``cases``)."""
    routing = routing_in(conn, case.id, case.subject_reference)
    if routing is None:
        return Requirements(routing=None, needs=())
    methods = set(methods_for(conn, case.id, case.subject_reference))
    if routing.capacity != "self":
        # the guardians on file say where a young pupil's answer goes, nothing about a parent who asks
        methods.discard(CheckMethod.GUARDIANS_ON_FILE.value)
    if routing.to_guardians and recorded_guardian(conn, case.id, case.subject_reference) is None:
        # a young pupil's answer goes by post to a guardian: an officer's check of one counts only
        # with the address it goes to (dsr.casefile.guardians), else the letter could reach only the child
        methods -= OFFICER_GUARDIAN_CHECKS
    needs = [Need(requirement=n, met=bool(MEETS.get(n, frozenset()) & methods)) for n in routing.needs]
    return Requirements(routing=routing, needs=tuple(needs))


def ensure_may_gather(conn: sa.Connection, case: Any) -> None:
    """Never gather a child's data for a parent whose guardianship is not established, nor anybody's
    for a representative whose authority no officer has examined."""
    state = requirements_in(conn, case)
    if state.routing is not None and state.routing.capacity == "parent" and "guardian_verification" in state.open:
        raise TransitionRefused(
            "the requester is not verified as the child's guardian: record a guardianship check",
            code="guardian_unverified",
        )
    if state.routing is not None and state.routing.capacity in ("representative", "parent"):
        # a representative, or a parent of an adult: nothing is read before an officer examined the documents
        for need in ("legal_representation", "written_authorisation"):
            if need in state.open:
                raise TransitionRefused(f"the case still needs {need}", code=REFUSAL[need])


def ensure_met(conn: sa.Connection, case: Any, *, download: bool = False) -> None:
    """Refuse approval or dispatch while a need is open; a young pupil's answer never goes to the pupil.

    A case without routing is not refused here: every answer the portal prepares passes through the
    ``gather`` job, which records the routing first (``dsr.service.casework``)."""
    state = requirements_in(conn, case)
    ensure_addressed(state)
    for need in state.open:
        raise TransitionRefused(f"the case still needs {need}", code=REFUSAL.get(need, "requirement_open"))
    if download and state.routing is not None and state.routing.to_guardians:
        raise TransitionRefused(
            "a pupil below the age of consent asked: send the answer to the guardian by post",
            code="to_guardians_post",
            age_of_consent=state.routing.age_of_consent,
        )


def ensure_addressed(state: Requirements) -> None:
    """Refuse a young pupil's answer while no verified guardian names where it goes: the school's
    records hold none with a full address (``guardians_on_file``), and no officer recorded one with
    a guardianship check. Without it the letter could only be addressed to the child. Checked when
    the answer is prepared (nothing is rendered to the child's address) and again when approved
    and dispatched."""
    routing = state.routing
    if routing is not None and routing.to_guardians and "guardian_verification" in state.open:
        raise TransitionRefused(
            "a pupil below the age of consent asked: the answer goes by post to a verified guardian, and no "
            "guardian's postal address is on file; ask the school to enter it, or check the guardianship "
            "and record the guardian's name and address with the check",
            code="to_guardians",
            age_of_consent=routing.age_of_consent,
        )


def ensure_addressable(conn: sa.Connection, case: Any) -> None:
    """:func:`ensure_addressed` for a case row (``prepare``)."""
    ensure_addressed(requirements_in(conn, case))


def requirements_of(engine: sa.Engine, user: Any, reference: str) -> Requirements:
    """The needs of a case and their state, for the case page (checks the user's controller)."""
    with engine.connect() as conn:
        return requirements_in(conn, load_case(conn, user, reference))
