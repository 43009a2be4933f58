"""The guardian an officer checked for a young pupil who asked alone, and the address the answer goes to.

A pupil below the age of consent who asks for her own data is answered by post to a guardian
(:mod:`dsr.casefile.requirements`). Where the school's records hold a guardian with a full postal
address, the letter is addressed from those rows. Where they hold none, an officer's guardianship
check (``guardian_in_person``, ``guardian_postal``) proves a guardian but names no address: the
letter would have nowhere to go but the child. So the officer records, with that check, the name
and postal address of the guardian they checked (seen with an ID document and the custody papers,
or whose answer to a letter came back), and the letter is addressed to that person "for" the child.

It is kept as a document of the case (kind ``guardian_address``, JSON), in the transaction of the
check it belongs to, so it is purged with the case file; the audit event says only that an address
was recorded. Personal data: never logged.

dsr keeps one more, itself: just before an erasure is executed, the guardian the routing addressed
from the school's records (:func:`keep_addressee_from_records`), since the erasure overwrites the
pupil's account and her guardian rows can no longer be reached through her. It is marked as taken
from the records (``source``), carries no check, and so never stands for an officer's guardianship
check (:func:`recorded_guardian` reads only the officer's); the letters fall back to it
(:func:`kept_guardian`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.attachments import Document, store_document
from dsr.casefile.errors import InputRejected
from dsr.casefile.permission import load_case
from dsr.casefile.schema import cases, documents
from dsr.casefile.users import User

#: the document kind the guardian's address is kept as
GUARDIAN_ADDRESS = "guardian_address"
#: the officer's guardianship checks an address may be recorded with (dsr's own checks carry none)
OFFICER_GUARDIAN_CHECKS = frozenset({"guardian_in_person", "guardian_postal"})
#: who recorded a kept address: an officer with their check, or dsr from the school's guardian rows
Source = Literal["officer", "school_records"]
#: the longest value of each field, as the school stores keep them (James' ``guardian`` table)
_LIMITS = {"name": 200, "street": 200, "postal_code": 10, "city": 100}


class GuardianAddress(msgspec.Struct, frozen=True, kw_only=True):
    """A guardian's name and postal address, as the officer who checked them recorded it."""

    name: str
    street: str
    postal_code: str
    city: str


class RecordedGuardian(msgspec.Struct, frozen=True, kw_only=True):
    """A guardian address as kept with the case: which check and which person it belongs to."""

    check: int | None  #: the identity check it was recorded with (None: kept by dsr from the records)
    candidate: str  #: the pupil it is the guardian of (the check's candidate)
    address: GuardianAddress
    #: "school_records": dsr kept the row it addressed, before an erasure; proves no guardianship
    source: Source = "officer"


def validated(address: GuardianAddress) -> GuardianAddress:
    """Every field filled in (a letter needs all four) and no longer than the school stores allow."""
    cleaned = {field: " ".join(str(getattr(address, field) or "").split()) for field in _LIMITS}
    if not all(cleaned.values()):
        raise InputRejected(
            "the guardian's name, street, postal code and city are all needed to address the letter",
            code="guardian_address_incomplete",
        )
    for field, longest in _LIMITS.items():
        if len(cleaned[field]) > longest:
            raise InputRejected(
                f"the guardian's {field} is longer than {longest} characters",
                code="guardian_address_too_long",
            )
    return GuardianAddress(**cleaned)


def keep_guardian_address(
    conn: sa.Connection,
    case_id: int,
    check: int,
    candidate: str,
    address: GuardianAddress,
    *,
    user_id: int | None,
    now: dt.datetime,
) -> int:
    """Keep the address with the check it was recorded with (the caller's transaction); its document id."""
    kept = RecordedGuardian(check=check, candidate=candidate, address=address)
    doc = Document(filename="guardian-address.json", media_type="application/json", content=msgspec.json.encode(kept))
    return store_document(conn, case_id, GUARDIAN_ADDRESS, doc, user_id, now)


def keep_addressee_from_records(
    conn: sa.Connection, case_id: int, candidate: str, address: GuardianAddress, *, now: dt.datetime | None = None
) -> int | None:
    """Keep the guardian the letters were addressed to from the school's records, before an erasure
    removes the way to them (the caller's transaction); its document id, None when the latest kept
    address is this one already (the erasure run again). Audited without the address."""
    now = clock.resolve(now)
    latest = _latest(conn, case_id, candidate)
    if latest is not None and latest.source == "school_records" and latest.address == address:
        return None
    kept = RecordedGuardian(check=None, candidate=candidate, address=address, source="school_records")
    doc = Document(filename="guardian-address.json", media_type="application/json", content=msgspec.json.encode(kept))
    doc_id = store_document(conn, case_id, GUARDIAN_ADDRESS, doc, None, now)
    reference = conn.execute(sa.select(cases.c.reference).where(cases.c.id == case_id)).scalar_one()
    audit.append(
        conn,
        "guardian address kept",
        actor="system",
        case_ref=reference,
        now=now,
        detail={"document": doc_id, "candidate": candidate, "source": "school_records"},
    )
    return doc_id


def _kept(conn: sa.Connection, case_id: int, candidate: str | None) -> list[RecordedGuardian]:
    """The guardian addresses kept for ``candidate`` in the case, newest first (purged ones left out)."""
    if candidate is None:
        return []
    rows = conn.execute(
        sa.select(documents.c.content)
        .where(documents.c.case_id == case_id, documents.c.kind == GUARDIAN_ADDRESS)
        .order_by(documents.c.id.desc())
    ).scalars()
    found = (msgspec.json.decode(bytes(content), type=RecordedGuardian) for content in rows if content is not None)
    return [kept for kept in found if kept.candidate == candidate]


def _latest(conn: sa.Connection, case_id: int, candidate: str | None) -> RecordedGuardian | None:
    return next(iter(_kept(conn, case_id, candidate)), None)


def recorded_guardian(conn: sa.Connection, case_id: int, candidate: str | None) -> GuardianAddress | None:
    """The latest guardian address an officer recorded for ``candidate`` in the case (None: none, or
    purged). dsr's own copy from the school's records is not one: it proves no guardianship."""
    return next((kept.address for kept in _kept(conn, case_id, candidate) if kept.source == "officer"), None)


def kept_guardian(conn: sa.Connection, case_id: int, candidate: str | None) -> GuardianAddress | None:
    """Where the case's letters go once the school's records no longer lead to a guardian: the latest
    address kept for ``candidate``, the officer's or dsr's from the records (an officer's record made
    after the erasure wins over the rows the letters went to before it)."""
    latest = _latest(conn, case_id, candidate)
    return latest.address if latest is not None else None


def recorded_guardian_of(engine: sa.Engine, user: User | None, reference: str) -> GuardianAddress | None:
    """:func:`recorded_guardian` for the case's confirmed subject (checks the user's controller;
    ``user`` None: dsr itself, e.g. the letter's addressee)."""
    with engine.connect() as conn:
        case = load_case(conn, user, reference)
        return recorded_guardian(conn, case.id, case.subject_reference)


def kept_guardian_of(engine: sa.Engine, reference: str) -> GuardianAddress | None:
    """:func:`kept_guardian` for the case's confirmed subject (dsr itself: the letter's addressee)."""
    with engine.connect() as conn:
        case = load_case(conn, None, reference)
        return kept_guardian(conn, case.id, case.subject_reference)
