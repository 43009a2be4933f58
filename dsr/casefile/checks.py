"""Verification: what proves that the requester is the person a candidate names, or may act for them.

Resolution (``dsr.pipeline.identify``) finds *which* stored person a request names, from what the
requester knows — name, birth date, card number, class. Classmates, neighbours and ex-partners
know all of that, so knowledge never verifies. A check records **possession or presence**:

* a code sent to an e-mail address that is on file for the candidate, entered back (system);
* a login to James, signed by the James application (system, :mod:`dsr.signin`);
* a letter with a code to the postal address on file, answered; or the answer itself going only
  by post to that address;
* the person in front of staff with an official ID document;
* for a parent: the same, as the guardian (the guardian row's e-mail or address on file);
* for a pupil below the age of consent who asked alone: the answer goes only by post to the
  guardians the school's records hold (recorded by dsr when the routing is settled);
* for a representative: the written authorisation or, for a child, the custody or court document
  **examined by an officer** (an upload alone proves nothing), and the representative verified.

Every check names the candidate it verified and the evidence compared: a check for one
namesake never confirms another.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.errors import InputRejected
from dsr.casefile.guardians import OFFICER_GUARDIAN_CHECKS, GuardianAddress, keep_guardian_address, validated
from dsr.casefile.permission import load_case
from dsr.casefile.schema import candidates, identity_checks, parties
from dsr.casefile.users import User


class CheckMethod(enum.StrEnum):
    # the requester is the person (a self request)
    EMAIL_CODE = "email_code"  #: system: a code to the contact address, which is on file for the person
    JAMES_LOGIN = "james_login"  #: system: a login to James, signed by the James application
    IN_PERSON = "in_person"  #: staff saw the person with an official ID document
    POSTAL = "postal"  #: a letter with a code to the postal address on file was answered
    EMAIL_REPLY = "email_reply"  #: staff wrote to the e-mail address on file and the reply came from it
    ANSWER_BY_POST = "answer_by_post"  #: the answer goes only by post to the address on file
    # a parent for their child
    GUARDIAN_RECORDS = "guardian_records"  #: system: the proven address is a guardian row's of that child
    #: system: a pupil below the age of consent asked alone, and the school's records hold a guardian
    #: with a postal address: the answer goes only by post there (``dsr.casefile.requirements``)
    GUARDIANS_ON_FILE = "guardians_on_file"
    GUARDIAN_IN_PERSON = "guardian_in_person"  #: staff saw the parent (ID) and the custody papers
    GUARDIAN_POSTAL = "guardian_postal"  #: a letter to the guardian's postal address on file was answered
    PUPIL_CONSENT = "pupil_consent"  #: the pupil (old enough to act alone) agrees to the parent's request
    # a representative
    WRITTEN_AUTHORISATION = "written_authorisation"  #: an officer examined the subject's signed authorisation
    LEGAL_REPRESENTATION = "legal_representation"  #: an officer examined a custody, court or authority document
    REPRESENTATIVE_IN_PERSON = "representative_in_person"  #: staff saw the representative with an ID document
    REPRESENTATIVE_POSTAL = "representative_postal"  #: a letter to the representative's stated address was answered


#: recorded by dsr itself when the proof arrives; never by staff
SYSTEM = frozenset(
    {CheckMethod.EMAIL_CODE, CheckMethod.JAMES_LOGIN, CheckMethod.GUARDIAN_RECORDS, CheckMethod.GUARDIANS_ON_FILE}
)
#: what proves a self request (the requester holds or is the person)
SELF_PROOF = frozenset(
    {
        CheckMethod.EMAIL_CODE,
        CheckMethod.JAMES_LOGIN,
        CheckMethod.IN_PERSON,
        CheckMethod.POSTAL,
        CheckMethod.EMAIL_REPLY,
        CheckMethod.ANSWER_BY_POST,
    }
)
#: the evidence each method compares (the first is the only one a system check records)
EVIDENCE: dict[CheckMethod, tuple[str, ...]] = {
    CheckMethod.EMAIL_CODE: ("code_to_email_on_file",),
    CheckMethod.JAMES_LOGIN: ("signed_james_login",),
    CheckMethod.IN_PERSON: ("id_card", "passport", "residence_permit", "driving_licence"),
    CheckMethod.POSTAL: ("code_to_postal_on_file",),
    CheckMethod.EMAIL_REPLY: ("reply_from_email_on_file",),
    CheckMethod.ANSWER_BY_POST: ("post_to_address_on_file",),
    CheckMethod.GUARDIAN_RECORDS: ("guardian_email_on_file",),
    CheckMethod.GUARDIANS_ON_FILE: ("guardian_address_on_file",),
    CheckMethod.GUARDIAN_IN_PERSON: ("id_and_custody_papers",),
    CheckMethod.GUARDIAN_POSTAL: ("code_to_guardian_postal_on_file",),
    CheckMethod.PUPIL_CONSENT: ("statement_in_person", "signed_statement"),
    CheckMethod.WRITTEN_AUTHORISATION: ("signed_authorisation",),
    CheckMethod.LEGAL_REPRESENTATION: ("custody_document", "court_order", "authority_appointment"),
    CheckMethod.REPRESENTATIVE_IN_PERSON: ("id_card", "passport", "residence_permit", "driving_licence"),
    CheckMethod.REPRESENTATIVE_POSTAL: ("code_to_stated_postal_address",),
}
#: every evidence code, for validation and the wording of the case page
EVIDENCE_CODES = frozenset(code for codes in EVIDENCE.values() for code in codes)


def contact(conn: sa.Connection, case_id: int) -> sa.Row[object] | None:
    """The party mail goes to: the requester when someone acts for the subject, else the subject."""
    rows = {r.role: r for r in conn.execute(sa.select(parties).where(parties.c.case_id == case_id))}
    return rows.get("requester") or rows.get("subject")


def evidence_for(method: CheckMethod, evidence: str | None) -> str:
    """The evidence code a check records: the method's only one, or the officer's choice among several."""
    allowed = EVIDENCE[method]
    if evidence is None or evidence == "":
        if len(allowed) == 1:
            return allowed[0]
        raise InputRejected(f"say which evidence was compared: one of {', '.join(allowed)}", code="evidence_missing")
    if evidence not in allowed:
        raise InputRejected(f"{method.value} compares one of {', '.join(allowed)}", code="evidence_unknown")
    return evidence


def insert_check(
    conn: sa.Connection,
    case_id: int,
    method: CheckMethod,
    candidate: str,
    *,
    by: User | None,
    now: dt.datetime,
    evidence: str | None = None,
    note: str | None = None,
) -> int:
    """Insert one check; returns its id."""
    inserted = conn.execute(
        sa.insert(identity_checks).values(
            case_id=case_id,
            method=method.value,
            candidate=candidate,
            evidence=evidence_for(method, evidence),
            performed_by=by.id if by is not None else None,
            performed_at=now,
            note=note,
        )
    )
    key = inserted.inserted_primary_key
    assert key is not None
    return int(key[0])


def record_identity_check(
    engine: sa.Engine,
    user: User,
    reference: str,
    method: CheckMethod,
    note: str | None = None,
    *,
    candidate: str | None = None,
    evidence: str | None = None,
    guardian: GuardianAddress | None = None,
    now: dt.datetime | None = None,
) -> None:
    """An officer records a check for one candidate (default: the case's confirmed subject).

    The candidate must be one the case found; checks dsr makes itself (codes, James logins, the
    guardian rows) cannot be recorded by hand. The free-text ``note`` stays in the case file;
    the audit log gets the codes.

    ``guardian``: with a guardianship check for a young pupil who asked alone, the name and postal
    address of the guardian checked: where the school's records hold none, the answer is
    addressed there (:mod:`dsr.casefile.guardians`); refused with any other check."""
    method = CheckMethod(method)
    if method in SYSTEM:
        raise InputRejected(f"{method.value} is recorded by dsr itself, never by hand", code="system_check")
    if guardian is not None and method.value not in OFFICER_GUARDIAN_CHECKS:
        raise InputRejected(
            "a guardian's address is recorded only with a check of the guardianship", code="guardian_address_method"
        )
    guardian = validated(guardian) if guardian is not None else None
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        candidate = candidate or case.subject_reference
        if not candidate:
            raise InputRejected("name the candidate this check verified", code="candidate_missing")
        known = conn.execute(
            sa.select(candidates.c.id).where(candidates.c.case_id == case.id, candidates.c.reference == candidate)
        ).first()
        if known is None:
            raise InputRejected("that person is not among this case's candidates", code="candidate_unknown")
        if case.subject_reference and candidate != case.subject_reference:
            raise InputRejected(
                "the case is about another person: a check cannot verify a second one", code="not_subject"
            )
        code = evidence_for(method, evidence)
        check = insert_check(conn, case.id, method, candidate, by=user, now=now, evidence=code, note=note)
        detail: dict[str, str | bool] = {"method": method.value, "candidate": candidate, "evidence": code}
        if guardian is not None:
            keep_guardian_address(conn, case.id, check, candidate, guardian, user_id=user.id, now=now)
            detail["guardian_address"] = True  # that one was recorded; the address stays in the case file
        audit.append(conn, "identity checked", actor=user.actor, case_ref=reference, detail=detail, now=now)


def methods_for(conn: sa.Connection, case_id: int, candidate: str | None) -> list[str]:
    """The methods recorded for ``candidate`` in the case, oldest first (legacy checks without a
    candidate verify nobody)."""
    if candidate is None:
        return []
    return list(
        conn.execute(
            sa.select(identity_checks.c.method)
            .where(identity_checks.c.case_id == case_id, identity_checks.c.candidate == candidate)
            .order_by(identity_checks.c.id)
        ).scalars()
    )


def record_james_login(
    engine: sa.Engine,
    reference: str,
    candidate: str,
    *,
    address_on_file: bool,
    now: dt.datetime | None = None,
) -> None:
    """A James login verified the requester as ``candidate`` (the reference of the row James named).

    ``address_on_file``: the contact address is the one James holds for the person, so it counts as
    verified like an address confirmed with a code."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, None, reference)
        insert_check(conn, case.id, CheckMethod.JAMES_LOGIN, candidate, by=None, now=now)
        party = contact(conn, case.id)
        if address_on_file and party is not None:
            conn.execute(sa.update(parties).where(parties.c.id == party.id).values(email_verified_at=now))
        audit.append(
            conn,
            "identity checked",
            actor="system",
            case_ref=reference,
            detail={"method": CheckMethod.JAMES_LOGIN.value, "candidate": candidate},
            now=now,
        )
