"""The secure-download notice: offer the approved answer for download and tell the requester.

The mail goes to the contact address (the parent's or representative's when someone acts for
the subject), in the requester's language; the download itself needs a fresh code sent to that
verified address — so an address that was never verified cannot get a download offer at all.

The notice is a job (``dsr.service.download_notice``), queued in the transaction that makes or
renews the offer: a crash after that commit leaves the job for a worker, never a dispatched case
without its notice. The action then runs the job at once, so the officer usually sees "sent";
when the mail cannot go out now, a worker retries it and the case page says "queued". The job
makes the link (only its hash is stored) and keeps every notice with the case before it is sent
(``download_notice``, .eml): the message as sent, but with the link's token withheld. :func:`resend_notice` renews the link (a
new job, a new token) and sends the notice again. Once an offer has ended (expired or used up),
both :func:`offer_download` and :func:`resend_notice` make a new one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.checks import contact
from dsr.casefile.downloads import offer_again
from dsr.casefile.schema import cases as case_table
from dsr.portal.context import Portal
from dsr.service.download_notice import DOWNLOAD_NOTICE, notice_job, notice_state, queue_notice_in
from dsr.service.mail import Language

#: how long an offer may run, in days: long enough to be noticed, short enough that a forgotten
#: link does not stay open for ever
VALID_DAYS = (1, 60)
#: how many downloads one offer allows (a retry after a broken connection, a second device)
MAX_DOWNLOADS = (1, 10)


def check_offer(valid_days: int, max_count: int) -> None:
    """Refuse an offer outside :data:`VALID_DAYS` / :data:`MAX_DOWNLOADS` (a clear 400, not a 500)."""
    if not VALID_DAYS[0] <= valid_days <= VALID_DAYS[1]:
        raise casefile.InputRejected(
            f"a download can be offered for {VALID_DAYS[0]} to {VALID_DAYS[1]} days",
            code="valid_days_range",
            low=VALID_DAYS[0],
            high=VALID_DAYS[1],
        )
    if not MAX_DOWNLOADS[0] <= max_count <= MAX_DOWNLOADS[1]:
        raise casefile.InputRejected(
            f"an offer allows {MAX_DOWNLOADS[0]} to {MAX_DOWNLOADS[1]} downloads",
            code="max_count_range",
            low=MAX_DOWNLOADS[0],
            high=MAX_DOWNLOADS[1],
        )


def contact_verified(engine: sa.Engine, reference: str) -> bool:
    """Whether the address mail goes to was confirmed with a code (only then can anyone download)."""
    with engine.connect() as conn:
        case_id = conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()
        party = contact(conn, case_id)
    return party is not None and party.email_verified_at is not None


def _address(portal: Portal, user: casefile.User, reference: str) -> str:
    """The verified contact address (membership and role are checked first, by get_case)."""
    casefile.get_case(portal.engine, user, reference)
    with portal.engine.connect() as conn:
        case_id = conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()
        row = contact(conn, case_id)
    role = row.role if row is not None else "subject"
    party = casefile.get_party(portal.engine, user, reference, role)
    if party is None or not party.email:
        raise casefile.TransitionRefused(
            "no e-mail address for this request: dispatch by post instead", code="no_email"
        )
    if not contact_verified(portal.engine, reference):
        # the download needs a code sent to a verified address: the requester could never fetch it
        raise casefile.TransitionRefused(
            "the e-mail address is not verified: dispatch by post instead", code="email_not_verified"
        )
    return party.email


class NoticeQueued(msgspec.Struct, frozen=True, kw_only=True):
    """An offer made or renewed, and its notice: ``sent`` at once, or ``queued`` (a worker sends it)."""

    download: int
    notice: str


def _queue_notice(
    portal: Portal, view: casefile.CaseView, queued: list[int]
) -> Callable[[sa.Connection, int, int], None]:
    """The notice job, queued in the offer's own transaction (dsr.service.download_notice)."""
    language: Language = "en" if (view.language or portal.settings.dsr.language) == "en" else "de"
    page = portal.absolute(f"/{language}/download/")

    def queue(conn: sa.Connection, case_id: int, download_id: int) -> None:
        queued.append(queue_notice_in(conn, case_id, download_id, language=language, page=page))

    return queue


def _send_at_once(portal: Portal, download_id: int, job_id: int) -> NoticeQueued:
    """Run the notice job here and now, as the officer waits; when the mail cannot go out (or a
    worker took the job first) it stays queued and a worker sends it, retrying with backoff."""
    job = casefile.jobs.run_job(portal.engine, job_id, {DOWNLOAD_NOTICE: notice_job(portal.settings, portal.mailer)})
    state = notice_state(job) if job is not None else "queued"
    return NoticeQueued(download=download_id, notice="sent" if state == "sent" else "queued")


def offer_download(
    portal: Portal, user: casefile.User, reference: str, *, valid_days: int = 14, max_count: int = 3
) -> NoticeQueued:
    """Dispatch by download (or, after the last offer ended, offer again) and e-mail the notice."""
    check_offer(valid_days, max_count)
    _address(portal, user, reference)
    view = casefile.get_case(portal.engine, user, reference)
    queued: list[int] = []
    offering = offer_again if view.state is casefile.CaseState.DISPATCHED else casefile.dispatch_by_download
    offer = offering(
        portal.engine,
        user,
        reference,
        valid_for=dt.timedelta(days=valid_days),
        max_count=max_count,
        then=_queue_notice(portal, view, queued),
        zone=portal.settings.zone,
    )
    return _send_at_once(portal, offer.id, queued[0])


def resend_notice(portal: Portal, user: casefile.User, reference: str) -> NoticeQueued:
    """Renew the open offer's link (the old one stops working) and mail the notice again; when the
    offer has ended, a new one like it (same length, same number of downloads)."""
    _address(portal, user, reference)
    view = casefile.get_case(portal.engine, user, reference)
    queued: list[int] = []
    try:
        offer = casefile.renew_download_link(
            portal.engine, user, reference, then=_queue_notice(portal, view, queued), zone=portal.settings.zone
        )
    except casefile.TransitionRefused as exc:
        dispatched = view.state is casefile.CaseState.DISPATCHED
        if getattr(exc, "code", None) != "no_download_offer" or not dispatched:
            raise
        offer = offer_again(
            portal.engine, user, reference, then=_queue_notice(portal, view, queued), zone=portal.settings.zone
        )
    return _send_at_once(portal, offer.id, queued[0])
