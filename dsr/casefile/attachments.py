"""The files kept with a case (request, uploads, routing, the answer, notices): stored whole, with
their SHA-256 and size, in the case file's own database.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import msgspec
import sqlalchemy as sa

from dsr.casefile.schema import documents


class Document(msgspec.Struct, frozen=True, kw_only=True):
    filename: str
    media_type: str
    content: bytes


def store_document(
    conn: sa.Connection, case_id: int, kind: str, document: Document, user_id: int | None, now: dt.datetime
) -> int:
    """Insert ``document`` as a file of kind ``kind`` of the case; returns its id."""
    return conn.execute(
        sa.insert(documents).values(
            case_id=case_id,
            kind=kind,
            filename=document.filename,
            media_type=document.media_type,
            sha256=hashlib.sha256(document.content).hexdigest(),
            size=len(document.content),
            content=document.content,
            created_at=now,
            created_by=user_id,
        )
    ).inserted_primary_key[0]
