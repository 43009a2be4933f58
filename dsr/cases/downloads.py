"""Secure download of the finished answer.

A download offer is time-limited and counted. Each download needs a fresh one-time code sent to
the *verified* address; every download is audited. When the offer expires or is used up it
ends (:func:`expire_downloads`); the archived copy of what was sent stays with the case until
retention purges it, because the controller must be able to show what it sent.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa

from dsr.cases import audit, clock, codes
from dsr.cases.codes import CodePolicy, IssuedCode
from dsr.cases.errors import CodeRejected, NotFound, TransitionRefused
from dsr.cases.schema import cases, documents, downloads, parties
from dsr.cases.verification import contact_role

PURPOSE = "download"


class DownloadedFile(msgspec.Struct, frozen=True):
    filename: str
    media_type: str
    content: bytes


def _offer(conn: sa.Connection, download_id: int, now: dt.datetime) -> sa.Row[object]:
    row = conn.execute(sa.select(downloads).where(downloads.c.id == download_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"no download {download_id}")
    if row.ended_at is not None or now >= row.expires_at or row.count >= row.max_count:
        raise CodeRejected("this download has expired; please contact us")
    return row


def send_download_code(
    engine: sa.Engine, secret: bytes, download_id: int, *, policy: CodePolicy = CodePolicy(),
    now: dt.datetime | None = None,
) -> tuple[str, IssuedCode]:
    """A fresh one-time code for the verified address. Returns (address, code) for the mailer."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        offer = _offer(conn, download_id, now)
        role = contact_role(conn, offer.case_id)
        party = conn.execute(
            sa.select(parties).where(parties.c.case_id == offer.case_id, parties.c.role == role)
        ).first()
        if party is None or not party.email or party.email_verified_at is None:
            raise TransitionRefused("the e-mail address is not verified")
        issued = codes.issue(
            conn, secret, case_id=offer.case_id, purpose=PURPOSE, target_id=download_id, policy=policy, now=now
        )
        reference = conn.execute(sa.select(cases.c.reference).where(cases.c.id == offer.case_id)).scalar_one()
        audit.append(
            conn, "download code sent", actor="system", case_ref=reference, now=now,
            detail={"download": download_id, "code": issued.id},
        )
        return party.email, issued


def fetch_download(
    engine: sa.Engine, secret: bytes, download_id: int, code_id: int, code: str, *,
    policy: CodePolicy = CodePolicy(), now: dt.datetime | None = None,
) -> DownloadedFile:
    """Hand out the answer for a correct, unused code; counts and audits the download."""
    now = clock.resolve(now)
    result: DownloadedFile | None = None
    with engine.begin() as conn:
        offer = _offer(conn, download_id, now)
        row = codes.redeem(conn, secret, code_id=code_id, purpose=PURPOSE, code=code, policy=policy, now=now)
        if row is not None and row.target_id == download_id:
            doc = conn.execute(sa.select(documents).where(documents.c.id == offer.document_id)).one()
            count = offer.count + 1
            values: dict[str, object] = {"count": count}
            if count >= offer.max_count:
                values["ended_at"] = now
            conn.execute(sa.update(downloads).where(downloads.c.id == download_id).values(**values))
            reference = conn.execute(sa.select(cases.c.reference).where(cases.c.id == offer.case_id)).scalar_one()
            audit.append(
                conn, "answer downloaded", actor="requester", case_ref=reference, now=now,
                detail={"download": download_id, "count": count, "sha256": doc.sha256},
            )
            result = DownloadedFile(doc.filename, doc.media_type, doc.content)
    if result is None:
        raise CodeRejected("wrong code")
    return result


def expire_downloads(engine: sa.Engine, *, now: dt.datetime | None = None) -> int:
    """End every offer past its time; returns how many ended now."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        ended = conn.execute(
            sa.select(downloads.c.id, cases.c.reference)
            .join(cases, cases.c.id == downloads.c.case_id)
            .where(downloads.c.ended_at.is_(None), downloads.c.expires_at <= now)
        ).all()
        for download_id, reference in ended:
            conn.execute(sa.update(downloads).where(downloads.c.id == download_id).values(ended_at=now))
            audit.append(conn, "download expired", actor="system", case_ref=reference, now=now, detail={"download": download_id})
        return len(ended)
