"""The secure-download notice: offer the approved answer for download and tell the requester.

The mail goes to the contact address (the parent's or representative's when someone acts for
the subject), in the requester's language; the download itself needs a fresh code sent to that
verified address. The link carries a random token of which only the hash is stored, so when the
notice could not be mailed, :func:`resend_notice` renews the link and sends it again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dsr import cases
from dsr.cases.schema import cases as case_table
from dsr.cases.schema import downloads
from dsr.cases.verification import contact_role
from dsr.deadlines import BERLIN
from dsr.mail import download_notice_message, send_now
from dsr.portal.context import Portal


def _address(portal: Portal, user: cases.User, reference: str) -> str:
    with portal.engine.connect() as conn:
        case_id = conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()
        role = contact_role(conn, case_id)
    party = cases.get_party(portal.engine, user, reference, role)
    if party is None or not party.email:
        raise cases.TransitionRefused("no e-mail address for this request: dispatch by post instead", code="no_email")
    return party.email


def _notify(portal: Portal, view: cases.CaseView, to: str, offer: cases.DownloadOffer) -> None:
    language = view.language or portal.settings.dsr.language  # the requester's, from the form
    with portal.engine.connect() as conn:
        expires_at = conn.execute(sa.select(downloads.c.expires_at).where(downloads.c.id == offer.id)).scalar_one()
    message = download_notice_message(
        language, to, view.reference, portal.absolute(f"/{language}/download/{offer.token}"),
        expires_at.astimezone(BERLIN).strftime("%d.%m.%Y"), portal.settings.controller(view.controller).name,
    )
    send_now(portal.mailer, message)


def offer_download(portal: Portal, user: cases.User, reference: str, *, valid_days: int = 14, max_count: int = 3) -> int:
    """Dispatch by download and e-mail the notice; returns the download id."""
    to = _address(portal, user, reference)
    offer = cases.dispatch_by_download(
        portal.engine, user, reference, valid_for=dt.timedelta(days=valid_days), max_count=max_count)
    _notify(portal, cases.get_case(portal.engine, user, reference), to, offer)
    return offer.id


def resend_notice(portal: Portal, user: cases.User, reference: str) -> int:
    """Renew the open offer's link (the old one stops working) and mail the notice again."""
    to = _address(portal, user, reference)
    offer = cases.renew_download_link(portal.engine, user, reference)
    _notify(portal, cases.get_case(portal.engine, user, reference), to, offer)
    return offer.id
