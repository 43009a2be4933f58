"""Documents kept with a case (drafts, review lists, the answer, notices) and the case as a worker sees it.

Workers act as the system (no user); officers read documents through :func:`read_document`, which
checks their controller like every other read. Document contents are personal data: retention
empties them, logs never see them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.approval import LETTER_OPENED
from dsr.casefile.attachments import Document, store_document
from dsr.casefile.case import Intake, OpenedCase, Party, open_case_in
from dsr.casefile.errors import NotFound
from dsr.casefile.idempotency import Claim
from dsr.casefile.permission import actor_of, load_case
from dsr.casefile.schema import cases, identity_checks, parties, review_items
from dsr.casefile.states import Acting, CaseState, Channel
from dsr.casefile.users import User
from dsr.config import DEFAULT_ZONE
from dsr.model import Descriptor


class DocumentInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    filename: str
    media_type: str
    sha256: str
    size: int
    created_at: dt.datetime

    @property
    def shown_inline(self) -> bool:
        """Whether a browser may open it in place: only the letters dsr wrote itself. Anything a
        requester sent (an upload whose content nobody vouches for) or a mail is a download."""
        return self.kind in LETTER_KINDS and self.media_type == "application/pdf"


#: the PDFs dsr renders (drafts, the answer, letters); every other kind is served as an attachment
LETTER_KINDS = frozenset({"draft", "answer", "identity_query", "extension_notice", "confirmation", "lift_notice"})
#: letters an approver must have opened to approve them ("confirmation", "lift_notice":
#: dsr.casefile.confirmation)
APPROVED_LETTERS = frozenset({"answer", "confirmation", "lift_notice"})


class WorkCase(msgspec.Struct, frozen=True, kw_only=True):
    """What a background job needs to know of a case. Holds the subject's descriptor: never log it."""

    id: int
    reference: str
    controller: str
    state: CaseState
    acting: Acting
    channel: Channel
    received_at: dt.datetime
    subject_reference: str | None
    descriptor: Descriptor | None
    identity_checks: tuple[str, ...]  #: methods recorded for the confirmed subject, oldest first
    requester: Party | None = None  #: the parent or representative, as given (the letter's addressee)
    language: str | None = None  #: the requester's language (de/en); None = the configured default


def work_case(engine: sa.Engine, case_id: int) -> WorkCase:
    with engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.id == case_id)).first()
        if row is None:
            raise NotFound(f"no case with id {case_id}")
        party = conn.execute(
            sa.select(parties.c.descriptor).where(parties.c.case_id == case_id, parties.c.role == "subject")
        ).first()
        asking = conn.execute(
            sa.select(parties.c.descriptor, parties.c.email, parties.c.postal_address).where(
                parties.c.case_id == case_id, parties.c.role == "requester"
            )
        ).first()
        checks = (
            conn.execute(
                sa.select(identity_checks.c.method)
                .where(
                    identity_checks.c.case_id == case_id,
                    identity_checks.c.candidate == row.subject_reference,  # a check counts for its person only
                )
                .order_by(identity_checks.c.id)
            )
            .scalars()
            .all()
        )
    descriptor = msgspec.convert(party.descriptor, Descriptor) if party is not None and party.descriptor else None
    requester = None
    if asking is not None and asking.descriptor:
        requester = Party(
            descriptor=msgspec.convert(asking.descriptor, Descriptor),
            email=asking.email,
            postal_address=asking.postal_address,
        )
    return WorkCase(
        id=row.id,
        reference=row.reference,
        controller=row.controller,
        state=CaseState(row.state),
        acting=Acting(row.acting),
        channel=Channel(row.channel),
        received_at=row.received_at,
        subject_reference=row.subject_reference,
        descriptor=descriptor,
        identity_checks=tuple(checks),
        requester=requester,
        language=row.language,
    )


def attach_document(
    engine: sa.Engine,
    reference: str,
    kind: str,
    document: Document,
    *,
    user: User | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Keep a document with the case (a newer one of the same kind supersedes it for reading)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        doc_id = store_document(conn, case.id, kind, document, user.id if user else None, now)
        audit.append(
            conn,
            "document stored",
            actor=user.actor if user else "worker",
            case_ref=reference,
            now=now,
            detail={"document": doc_id, "kind": kind},
        )
        return doc_id


def open_case_with_documents(
    engine: sa.Engine,
    secret: bytes,
    intake: Intake,
    attachments: Sequence[tuple[str, Document]],
    *,
    user: User | None = None,
    now: dt.datetime | None = None,
    claim: Claim | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> OpenedCase:
    """Open a case together with the files that came with the request (``(kind, document)``), in
    one transaction: when a file cannot be stored, no case without it remains. ``claim``: the
    submission's idempotency key (dsr.casefile.idempotency); ``zone``: as for ``open_case``."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        opened, case_id = open_case_in(conn, secret, intake, user=user, now=now, claim=claim, zone=zone)
        for kind, document in attachments:
            doc_id = store_document(conn, case_id, kind, document, user.id if user else None, now)
            audit.append(
                conn,
                "document stored",
                actor=actor_of(user),
                case_ref=opened.reference,
                now=now,
                detail={"document": doc_id, "kind": kind},
            )
    return opened


def _doc_columns() -> list[Any]:
    from dsr.casefile.schema import documents as d

    return [d.c.id, d.c.kind, d.c.filename, d.c.media_type, d.c.sha256, d.c.size, d.c.created_at]


def list_documents(engine: sa.Engine, user: User, reference: str) -> list[DocumentInfo]:
    from dsr.casefile.schema import documents as d

    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(sa.select(*_doc_columns()).where(d.c.case_id == case.id).order_by(d.c.id)).all()
    return [DocumentInfo(**r._asdict()) for r in rows]


def latest_document_id(engine: sa.Engine, user: User | None, reference: str, kind: str) -> int | None:
    from dsr.casefile.schema import documents as d

    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        return (
            conn.execute(sa.select(d.c.id).where(d.c.case_id == case.id, d.c.kind == kind).order_by(d.c.id.desc()))
            .scalars()
            .first()
        )


def read_document(
    engine: sa.Engine, user: User | None, reference: str, document_id: int, *, audited: bool = True
) -> tuple[DocumentInfo, bytes]:
    """A document's content; reading it is audited as a view of gathered data."""
    from dsr.casefile.schema import documents as d

    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        row = conn.execute(
            sa.select(*_doc_columns(), d.c.content).where(d.c.case_id == case.id, d.c.id == document_id)
        ).first()
        if row is None or row.content is None:
            raise NotFound(f"no document {document_id} in case {reference}")
        if audited and user is not None and row.kind in APPROVED_LETTERS:
            # the record that this person read the letter they may approve (dsr.casefile.approval)
            audit.append(
                conn,
                LETTER_OPENED,
                actor=user.actor,
                case_ref=reference,
                detail={"document": document_id, "sha256": row.sha256},
            )
        elif audited and user is not None:
            audit.append(
                conn,
                "gathered data viewed",
                actor=user.actor,
                case_ref=reference,
                detail={"what": f"document {document_id} ({row.kind})"},
            )
    info = DocumentInfo(**{k: v for k, v in row._asdict().items() if k != "content"})
    return info, bytes(row.content)


class ReviewState(msgspec.Struct, frozen=True, kw_only=True):
    item: str
    reason: str
    decision: str | None
    ground: str | None
    decided_by: int | None


def review_states(engine: sa.Engine, user: User | None, reference: str) -> list[ReviewState]:
    """The review items of a case and their decisions (the rows, no text)."""
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        rows = conn.execute(
            sa.select(
                review_items.c.item,
                review_items.c.reason,
                review_items.c.decision,
                review_items.c.ground,
                review_items.c.decided_by,
            )
            .where(review_items.c.case_id == case.id)
            .order_by(review_items.c.id)
        ).all()
    return [ReviewState(**r._asdict()) for r in rows]
