"""The approver reads what they approve: "Freigeben" waits until they opened the final letter.

Opening the prepared answer (the PDF, on the page or through the API) is an audit event
``final letter opened`` naming the document and its sha256. Approval asks for such an event by the
approver for the *current* answer: a letter prepared again is a new document and must be opened
again. The audit chain is the record, so nothing else is stored.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from dsr.casefile.errors import TransitionRefused
from dsr.casefile.permission import load_case
from dsr.casefile.schema import documents, events
from dsr.casefile.users import User

#: the audit action of opening the prepared answer
LETTER_OPENED = "final letter opened"


def current_answer(conn: sa.Connection, case_id: int) -> int | None:
    """The id of the case's newest answer document (None: none prepared)."""
    return (
        conn.execute(
            sa.select(documents.c.id)
            .where(documents.c.case_id == case_id, documents.c.kind == "answer")
            .order_by(documents.c.id.desc())
        )
        .scalars()
        .first()
    )


def opened_current_letter(conn: sa.Connection, case: Any, user: User) -> bool:
    """Whether ``user`` opened the case's current answer."""
    answer = current_answer(conn, case.id)
    if answer is None:
        return False
    opened = conn.execute(
        sa.select(events.c.detail).where(
            events.c.case_ref == case.reference, events.c.action == LETTER_OPENED, events.c.actor == user.actor
        )
    ).scalars()
    return any(msgspec.json.decode(detail).get("document") == answer for detail in opened)


def ensure_letter_opened(conn: sa.Connection, case: Any, user: User) -> None:
    if not opened_current_letter(conn, case, user):
        raise TransitionRefused(
            "open the final letter before approving it (a letter prepared again must be opened again)",
            code="letter_not_opened",
        )


def letter_opened(engine: sa.Engine, user: User, reference: str) -> bool:
    """Whether ``user`` opened the current final letter of the case (for the case page)."""
    with engine.connect() as conn:
        return opened_current_letter(conn, load_case(conn, user, reference), user)
