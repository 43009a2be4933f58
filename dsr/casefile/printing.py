"""The print batch: approved answers are previewed, then exactly those are marked printed.

The preview names each letter by its document (the current answer of an approved case); marking
takes the same document ids back. A letter approved after the preview is not among them, and one
sent back or prepared again since is skipped (its document is no longer the current answer), so
nothing is marked printed that nobody saw in the batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock
from dsr.casefile.approval import current_answer
from dsr.casefile.permission import load_case
from dsr.casefile.schema import cases, documents, parties
from dsr.casefile.states import CaseState
from dsr.casefile.users import User
from dsr.casefile.workflow import mark_printed


class PrintItem(msgspec.Struct, frozen=True, kw_only=True):
    """A letter of the batch: the case, its answer document, and to whom it goes (as the request gave it)."""

    reference: str
    controller: str
    document: int
    sha256: str
    recipient: str  #: the name of whoever asked (the parent or representative when someone acted)


def unprinted(engine: sa.Engine, user: User, only: Sequence[int] | None = None) -> list[PrintItem]:
    """Approved answers of the user's controllers not printed yet, oldest approval first; ``only``:
    of these, the ones whose current answer is one of these document ids."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(cases.c.id, cases.c.reference, cases.c.controller, cases.c.acting)
            .where(
                cases.c.controller.in_(sorted(user.controllers)),
                cases.c.state == CaseState.APPROVED.value,
                cases.c.printed_at.is_(None),
                cases.c.purged_at.is_(None),
            )
            .order_by(cases.c.updated_at, cases.c.reference)
        ).all()
        found = []
        for row in rows:
            doc = current_answer(conn, row.id)
            if doc is None or (only is not None and doc not in only):
                continue
            sha = conn.execute(sa.select(documents.c.sha256).where(documents.c.id == doc)).scalar_one()
            found.append(
                PrintItem(
                    reference=row.reference,
                    controller=row.controller,
                    document=doc,
                    sha256=sha,
                    recipient=_recipient(conn, row.id, row.acting),
                )
            )
    return found


def _recipient(conn: sa.Connection, case_id: int, acting: str) -> str:
    role = "subject" if acting == "self" else "requester"
    name = conn.execute(sa.select(parties.c.name).where(parties.c.case_id == case_id, parties.c.role == role)).scalar()
    return name or ""


def record_preview(
    engine: sa.Engine, user: User, items: Sequence[PrintItem], *, now: dt.datetime | None = None
) -> None:
    """Keep in the audit log that ``user`` looked at the batch of these letters (one event per case)."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        for item in items:
            load_case(conn, user, item.reference)
            audit.append(
                conn,
                "print batch previewed",
                actor=user.actor,
                case_ref=item.reference,
                now=now,
                detail={"document": item.document, "sha256": item.sha256},
            )


class Marked(msgspec.Struct, frozen=True, kw_only=True):
    printed: list[str]  #: references marked printed
    skipped: list[int]  #: document ids that are no longer an unprinted current answer


def mark_batch_printed(
    engine: sa.Engine, user: User, document_ids: Sequence[int], *, now: dt.datetime | None = None
) -> Marked:
    """Mark printed the letters of a previewed batch (by document id), and only those still current."""
    wanted = sorted(set(document_ids))
    items = unprinted(engine, user, only=wanted)
    for item in items:
        mark_printed(engine, user, item.reference, now=now)
    kept = {i.document for i in items}
    return Marked(printed=[i.reference for i in items], skipped=[d for d in wanted if d not in kept])
