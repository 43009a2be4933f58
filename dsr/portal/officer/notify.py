"""The secure-download notice: offer the approved answer for download and tell the requester.

The mail goes to the contact address (the parent's or representative's when someone acts for
the subject); the download itself needs a fresh code sent to that verified address.
"""

from __future__ import annotations

import sqlalchemy as sa

from dsr import cases
from dsr.cases.schema import cases as case_table
from dsr.cases.verification import contact_role
from dsr.mail import download_notice_message, send_now
from dsr.portal.context import Portal


def offer_download(portal: Portal, user: cases.User, reference: str, *, valid_days: int = 14, max_count: int = 3) -> int:
    """Dispatch by download and e-mail the notice; returns the download id."""
    import datetime as dt

    view = cases.get_case(portal.engine, user, reference)
    with portal.engine.connect() as conn:
        case_id = conn.execute(sa.select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()
        role = contact_role(conn, case_id)
    party = cases.get_party(portal.engine, user, reference, role)
    if party is None or not party.email:
        raise cases.TransitionRefused("no e-mail address for this request: dispatch by post instead")
    download_id = cases.dispatch_by_download(
        portal.engine, user, reference, valid_for=dt.timedelta(days=valid_days), max_count=max_count)
    language = portal.settings.dsr.language
    expires = (dt.date.today() + dt.timedelta(days=valid_days)).strftime("%d.%m.%Y")
    message = download_notice_message(
        language, party.email, reference, portal.absolute(f"/{language}/download/{download_id}"), expires,
        portal.settings.controller(view.controller).name,
    )
    send_now(portal.mailer, message)
    return download_id
