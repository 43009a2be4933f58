"""Secure download of the finished answer.

A download offer is time-limited and counted. Each download needs a fresh one-time code sent to
the *verified* address; every download is audited. When the offer expires or is used up it
ends (:func:`expire_downloads`); the archived copy of what was sent stays with the case until
retention purges it, because the controller must be able to show what it sent.

The link names the offer by a random token, never by its row id: ids count up, so they would
tell how many answers went out and invite guessing. Only the token's sha256 is stored (it is
long and random, so a plain hash suffices, as for session tokens).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa

from dsr.casefile import audit, clock, codes
from dsr.casefile.checks import contact
from dsr.casefile.codes import CodePolicy, IssuedCode
from dsr.casefile.delivery import ensure_electronic
from dsr.casefile.errors import CodeRejected, NotFound, TransitionRefused
from dsr.casefile.permission import load_case
from dsr.casefile.requirements import ensure_met
from dsr.casefile.schema import cases, documents, downloads
from dsr.casefile.users import User
from dsr.config import DEFAULT_ZONE

PURPOSE = "download"


class DownloadedFile(msgspec.Struct, frozen=True):
    filename: str
    media_type: str
    content: bytes


class DownloadOffer(msgspec.Struct, frozen=True):
    """A new download offer: ``id`` for the case file and audit, ``token`` for the link (shown once)."""

    id: int
    token: str


def new_download_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _offer(conn: sa.Connection, token: str, now: dt.datetime) -> sa.Row[object]:
    row = conn.execute(
        sa.select(downloads).where(downloads.c.token_hash == token_hash(token)).with_for_update()
    ).first()
    if row is None:
        raise NotFound("no such download")
    if row.ended_at is not None or now >= row.expires_at or row.count >= row.max_count:
        raise CodeRejected("this download has expired; please contact us")
    return row


class OfferShown(msgspec.Struct, frozen=True):
    """What the download page tells before any code is sent: until when, how often, how often done."""

    expires_at: dt.datetime
    downloads_left: int  #: 0 once used up, expired or ended
    downloaded: int  #: times the answer was downloaded (the page's success state)
    open: bool


def offer_shown(engine: sa.Engine, token: str, *, now: dt.datetime | None = None) -> OfferShown:
    """The offer a link names, read only (an unknown token raises :class:`NotFound`)."""
    now = clock.resolve(now)
    with engine.connect() as conn:
        row = conn.execute(sa.select(downloads).where(downloads.c.token_hash == token_hash(token))).first()
    if row is None:
        raise NotFound("no such download")
    done = int(row._mapping["count"])  # ``row.count`` would be the tuple method to mypy
    is_open = row.ended_at is None and now < row.expires_at and done < row.max_count
    return OfferShown(row.expires_at, row.max_count - done if is_open else 0, done, is_open)


def send_download_code(
    engine: sa.Engine,
    secret: bytes,
    token: str,
    *,
    policy: CodePolicy = CodePolicy(),
    now: dt.datetime | None = None,
) -> tuple[str, IssuedCode]:
    """A fresh one-time code for the verified address. Returns (address, code) for the mailer."""
    now = clock.resolve(now)
    with engine.begin() as conn:
        offer = _offer(conn, token, now)
        download_id = offer.id
        party = contact(conn, offer.case_id)
        if party is None or not party.email or party.email_verified_at is None:
            raise TransitionRefused("the e-mail address is not verified", code="email_not_verified")
        issued = codes.issue(
            conn, secret, case_id=offer.case_id, purpose=PURPOSE, target_id=download_id, policy=policy, now=now
        )
        reference = conn.execute(sa.select(cases.c.reference).where(cases.c.id == offer.case_id)).scalar_one()
        audit.append(
            conn,
            "download code sent",
            actor="system",
            case_ref=reference,
            now=now,
            detail={"download": download_id, "code": issued.id},
        )
        return party.email, issued


def fetch_download(
    engine: sa.Engine,
    secret: bytes,
    token: str,
    code_id: int,
    code: str,
    *,
    policy: CodePolicy = CodePolicy(),
    now: dt.datetime | None = None,
) -> DownloadedFile:
    """Hand out the answer for a correct, unused code; counts and audits the download."""
    now = clock.resolve(now)
    result: DownloadedFile | None = None
    with engine.begin() as conn:
        offer = _offer(conn, token, now)
        download_id = offer.id
        # only a code of this offer: the holder of one link cannot spend another offer's attempts
        row = codes.redeem(
            conn, secret, code_id=code_id, purpose=PURPOSE, code=code, policy=policy, now=now, target_id=download_id
        )
        if row is not None and row.target_id == download_id:
            doc = conn.execute(sa.select(documents).where(documents.c.id == offer.document_id)).one()
            # counted in the database, not from the row read above: two codes of one offer redeemed
            # at the same moment must not both get the last download
            open_offer = sa.and_(
                downloads.c.id == download_id,
                downloads.c.ended_at.is_(None),
                downloads.c.count < downloads.c.max_count,
            )
            if conn.execute(sa.update(downloads).where(open_offer).values(count=downloads.c.count + 1)).rowcount != 1:
                raise CodeRejected("this download has ended; ask for a new one")
            count = conn.execute(sa.select(downloads.c.count).where(downloads.c.id == download_id)).scalar_one()
            if count >= offer.max_count:
                conn.execute(sa.update(downloads).where(downloads.c.id == download_id).values(ended_at=now))
            reference = conn.execute(sa.select(cases.c.reference).where(cases.c.id == offer.case_id)).scalar_one()
            audit.append(
                conn,
                "answer downloaded",
                actor="requester",
                case_ref=reference,
                now=now,
                detail={"download": download_id, "count": count, "sha256": doc.sha256},
            )
            result = DownloadedFile(doc.filename, doc.media_type, doc.content)
        else:
            left = codes.attempts_left(conn, code_id, policy)
    if result is None:
        raise CodeRejected("wrong code", attempts_left=left)
    return result


def renew_download_link(
    engine: sa.Engine,
    user: User,
    reference: str,
    *,
    now: dt.datetime | None = None,
    then: Callable[[sa.Connection, int, int], object] | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> DownloadOffer:
    """A new link token for the case's open download offer (the old link stops working).
    ``zone``: ``Settings.zone``, for the delivery plan (:func:`dsr.casefile.delivery.child_asked`).

    Only the token's hash is kept, so a notice that could not be mailed cannot be re-sent with
    the same link: the officer renews it and sends the notice again. ``then(conn, case_id,
    download_id)`` runs in the same transaction (the portal queues the notice job, which makes
    the new link itself)."""
    now = clock.resolve(now)
    token = new_download_token()
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        ensure_electronic(conn, case, zone=zone)  # the plan may have changed since the offer was made
        offer = conn.execute(
            sa.select(downloads).where(downloads.c.case_id == case.id).order_by(downloads.c.id.desc())
        ).first()
        if not _open(offer, now):
            raise TransitionRefused("the case has no open download offer", code="no_download_offer")
        conn.execute(sa.update(downloads).where(downloads.c.id == offer.id).values(token_hash=token_hash(token)))
        audit.append(
            conn, "download link renewed", actor=user.actor, case_ref=reference, now=now, detail={"download": offer.id}
        )
        if then is not None:
            then(conn, case.id, offer.id)
    return DownloadOffer(id=offer.id, token=token)


def _open(offer: sa.Row[object] | None, now: dt.datetime) -> bool:
    return offer is not None and offer.ended_at is None and now < offer.expires_at and offer.count < offer.max_count


def offer_again(
    engine: sa.Engine,
    user: User,
    reference: str,
    *,
    valid_for: dt.timedelta | None = None,
    max_count: int | None = None,
    now: dt.datetime | None = None,
    then: Callable[[sa.Connection, int, int], object] | None = None,
    zone: ZoneInfo = DEFAULT_ZONE,
) -> DownloadOffer:
    """A new download offer for a case dispatched by download whose last offer ended (expired or
    used up): the requester lost the chance to download, not the right to the answer.
    ``then(conn, case_id, download_id)`` runs in the same transaction (the notice job); ``zone``:
    ``Settings.zone``, for the delivery plan.

    The same archived answer is offered (it is what was sent); by default for as long and as
    often as the last offer. While an offer is still open the officer renews its link instead
    (:func:`renew_download_link`)."""
    now = clock.resolve(now)
    token = new_download_token()
    with engine.begin() as conn:
        case = load_case(conn, user, reference)
        if case.state != "dispatched" or case.dispatch_method != "download":
            raise TransitionRefused(
                "only an answer dispatched by download can be offered again", code="not_offered_by_download"
            )
        ensure_met(conn, case, download=True)
        ensure_electronic(conn, case, zone=zone)
        last = conn.execute(
            sa.select(downloads).where(downloads.c.case_id == case.id).order_by(downloads.c.id.desc())
        ).first()
        if last is None:
            raise TransitionRefused(
                "only an answer dispatched by download can be offered again", code="not_offered_by_download"
            )
        if _open(last, now):
            raise TransitionRefused(
                "the download offer is still open: renew its link instead", code="download_offer_open"
            )
        if last.ended_at is None:  # expired, but housekeeping has not ended it yet
            conn.execute(sa.update(downloads).where(downloads.c.id == last.id).values(ended_at=now))
        valid_for = valid_for or (last.expires_at - last.created_at)
        max_count = max_count or last.max_count
        download_id = conn.execute(
            sa.insert(downloads).values(
                case_id=case.id,
                document_id=last.document_id,
                created_at=now,
                expires_at=now + valid_for,
                max_count=max_count,
                count=0,
                token_hash=token_hash(token),
            )
        ).inserted_primary_key[0]
        audit.append(
            conn,
            "download offered again",
            actor=user.actor,
            case_ref=reference,
            now=now,
            detail={"download": download_id, "previous": last.id, "days": valid_for.days, "max_count": max_count},
        )
        if then is not None:
            then(conn, case.id, download_id)
    return DownloadOffer(id=download_id, token=token)


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
            audit.append(
                conn, "download expired", actor="system", case_ref=reference, now=now, detail={"download": download_id}
            )
        return len(ended)
