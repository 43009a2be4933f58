"""The secure-download notice: offer the approved answer for download and tell the requester.

The mail goes to the contact address (the parent's or representative's when someone acts for
the subject), in the requester's language; the download itself needs a fresh code sent to that
verified address — so an address that was never verified cannot get a download offer at all.
The link carries a random token of which only the hash is stored, so when the notice could not
be mailed, :func:`resend_notice` renews the link and sends it again. Once an offer has ended
(expired or used up), both :func:`offer_download` and :func:`resend_notice` make a new one.
Every notice sent is kept with the case as the exact message (``download_notice``, .eml).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dsr import casefile
from dsr.casefile.checks import contact
from dsr.casefile.documents import attach_document
from dsr.casefile.downloads import offer_again
from dsr.casefile.schema import cases as case_table
from dsr.casefile.schema import downloads
from dsr.portal.context import Portal
from dsr.service.mail import download_notice_message, send_now

#: how long an offer may run, in days: long enough to be noticed, short enough that a forgotten
#: link does not stay open for ever
VALID_DAYS = (1, 60)
#: the kind under which the sent notice (.eml) is kept with the case
NOTICE_KIND = "download_notice"
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


def _notify(
    portal: Portal, user: casefile.User, view: casefile.CaseView, to: str, offer: casefile.DownloadOffer
) -> None:
    """Mail the notice, then keep the message exactly as sent (the .eml bytes) with the case: the
    record of what the requester was told, and when (audited as "document stored")."""
    language = view.language or portal.settings.dsr.language  # the requester's, from the form
    with portal.engine.connect() as conn:
        expires_at = conn.execute(sa.select(downloads.c.expires_at).where(downloads.c.id == offer.id)).scalar_one()
    message = download_notice_message(
        language,
        to,
        view.reference,
        portal.absolute(f"/{language}/download/{offer.token}"),
        expires_at.astimezone(portal.settings.zone).strftime("%d.%m.%Y"),
        portal.settings.controller(view.controller).name,
    )
    sent = send_now(portal.mailer, message)
    day = dt.datetime.now(portal.settings.zone)
    attach_document(
        portal.engine,
        view.reference,
        NOTICE_KIND,
        casefile.Document(
            filename=f"download-notice-{day:%Y-%m-%d-%H%M}.eml",
            media_type="message/rfc822",
            content=bytes(sent),
        ),
        user=user,
    )


def offer_download(
    portal: Portal, user: casefile.User, reference: str, *, valid_days: int = 14, max_count: int = 3
) -> int:
    """Dispatch by download (or, after the last offer ended, offer again) and e-mail the notice;
    returns the download id."""
    check_offer(valid_days, max_count)
    to = _address(portal, user, reference)
    view = casefile.get_case(portal.engine, user, reference)
    if view.state is casefile.CaseState.DISPATCHED:
        offer = offer_again(
            portal.engine, user, reference, valid_for=dt.timedelta(days=valid_days), max_count=max_count
        )
    else:
        offer = casefile.dispatch_by_download(
            portal.engine, user, reference, valid_for=dt.timedelta(days=valid_days), max_count=max_count
        )
    _notify(portal, user, casefile.get_case(portal.engine, user, reference), to, offer)
    return offer.id


def resend_notice(portal: Portal, user: casefile.User, reference: str) -> int:
    """Renew the open offer's link (the old one stops working) and mail the notice again; when the
    offer has ended, a new one like it (same length, same number of downloads)."""
    to = _address(portal, user, reference)
    try:
        offer = casefile.renew_download_link(portal.engine, user, reference)
    except casefile.TransitionRefused as exc:
        dispatched = casefile.get_case(portal.engine, user, reference).state is casefile.CaseState.DISPATCHED
        if getattr(exc, "code", None) != "no_download_offer" or not dispatched:
            raise
        offer = offer_again(portal.engine, user, reference)
    _notify(portal, user, casefile.get_case(portal.engine, user, reference), to, offer)
    return offer.id
