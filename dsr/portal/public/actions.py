"""What a requester can do, shared by the HTML pages and the JSON API (thin calls into dsr.cases).

Each action returns a plain value or raises dsr.cases' errors; the handlers turn those into a
page or JSON. Mails go out after the database commit: a mail failure never loses a request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass

import msgspec

from dsr import cases, casework
from dsr.cases.documents import attach_document
from dsr.mail import MailError, download_code_message, verification_message
from dsr.portal.context import Portal
from dsr.portal.i18n import Language
from dsr.portal.public.intake import UPLOAD_TYPES, Checked, RequestForm, check

log = logging.getLogger("dsr.portal")


@dataclass(frozen=True, slots=True)
class Submitted:
    reference: str
    status_secret: str  #: shown once on the receipt, stored only as a keyed hash
    code_id: int | None  #: the verification code's id (None when the mail could not be sent)


async def submit(portal: Portal, controller_key: str, form: RequestForm, language: Language) -> Submitted | dict[str, str]:
    controller = portal.settings.controllers.get(controller_key)
    if controller is None:
        raise cases.NotFound("no such controller")
    checked = check(form, controller, received_at=dt.datetime.now(dt.UTC),
                    max_upload_bytes=portal.settings.portal.max_upload_bytes)
    if isinstance(checked, dict):
        return checked
    # the page's language is the requester's: letters and mails to them are written in it
    checked = dataclasses.replace(checked, intake=msgspec.structs.replace(checked.intake, language=language))
    opened = await portal.call(_open, portal, checked)
    log.info("request received via portal: %s", opened.reference)
    code_id = await _send_verification(portal, opened.reference, language, controller.name)
    return Submitted(opened.reference, opened.status_secret, code_id)


def _open(portal: Portal, checked: Checked) -> cases.OpenedCase:
    opened = cases.open_case(portal.engine, portal.secret, checked.intake)
    if checked.details:
        attach_document(portal.engine, opened.reference, "request_details",
                        cases.Document(filename="details.txt", media_type="text/plain; charset=utf-8",
                                       content=checked.details.encode()))
    if checked.authorisation is not None:
        upload = checked.authorisation
        attach_document(portal.engine, opened.reference, "authorisation",
                        cases.Document(filename=f"authorisation{UPLOAD_TYPES[upload.media_type]}",
                                       media_type=upload.media_type, content=upload.content))
    return opened


async def _send_verification(portal: Portal, reference: str, language: Language, controller_name: str) -> int | None:
    address, issued = await portal.call(cases.start_email_verification, portal.engine, portal.secret, reference)
    link = portal.absolute(f"/{language}/verify/{issued.id}#code={issued.code}")
    try:
        await portal.mailer.send(verification_message(language, address, reference, issued.code, link, controller_name))
    except MailError as exc:
        log.warning("verification mail for %s not sent: %s", reference, exc)
        return None
    return issued.id


async def resend_verification(portal: Portal, reference: str, status_secret: str, language: Language) -> int:
    """A new verification code, for someone holding the reference and status secret."""
    status = await portal.call(cases.public_status, portal.engine, portal.secret, reference, status_secret)
    controller = portal.settings.controllers.get(status.controller)
    code_id = await _send_verification(portal, status.reference, language, controller.name if controller else "")
    if code_id is None:
        raise MailError("the mail backend failed")
    return code_id


async def verify(portal: Portal, code_id: int, code: str) -> str:
    """Confirm the address; the search for the person in the stores is then queued for the worker."""
    reference = await portal.call(cases.confirm_email, portal.engine, portal.secret, code_id, code)
    try:
        await portal.call(casework.queue_candidate_search, portal.engine, portal.settings, reference)
    except Exception as exc:  # noqa: BLE001 - the address is confirmed; the officer can still search by hand
        log.warning("candidate search for %s not queued (%s)", reference, type(exc).__name__)
    return reference


async def status(portal: Portal, reference: str, status_secret: str) -> cases.PublicStatus:
    return await portal.call(cases.public_status, portal.engine, portal.secret, reference.strip().upper(),
                             status_secret.strip())


async def send_download_code(portal: Portal, token: str, language: Language) -> int:
    address, issued = await portal.call(cases.send_download_code, portal.engine, portal.secret, token)
    await portal.mailer.send(download_code_message(language, address, issued.code))
    return issued.id


async def download(portal: Portal, token: str, code_id: int, code: str) -> cases.DownloadedFile:
    return await portal.call(cases.fetch_download, portal.engine, portal.secret, token, code_id, code)
