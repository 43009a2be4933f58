"""What a requester can do, shared by the HTML pages and the JSON API (thin calls into dsr.casefile).

Each action returns a plain value or raises dsr.casefile' errors; the handlers turn those into a
page or JSON. Mails go out after the database commit: a mail failure never loses a request, and a
verification mail that failed is sent again by the job worker. No address or code is logged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import traceback
from dataclasses import dataclass

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import clock, idempotency, ratelimit
from dsr.casefile.checks import record_james_login
from dsr.casefile.documents import open_case_with_documents
from dsr.casefile.rights import ASKED_KIND, asked_document
from dsr.config import ControllerSettings
from dsr.pipeline.identify import candidate_reference
from dsr.portal.context import Portal
from dsr.portal.errors import database_unavailable
from dsr.portal.i18n import Language
from dsr.portal.public.intake import UPLOAD_TYPES, Checked, RequestForm, check
from dsr.service import casework
from dsr.service.casework.candidates import queue_candidate_search_in
from dsr.service.mail import (
    MailError,
    cancel_verification_mail,
    deliver,
    download_code_message,
    queue_verification_mail,
    verification_message,
)
from dsr.signin import LoginAssertion, LoginRejected, verify_login

log = logging.getLogger("dsr.portal")
#: link tokens are 32 characters; anything much longer is not one of ours
LINK_LIMIT = 64


class NotSaved(Exception):
    """Storing the request failed and nothing of it was kept: the requester is asked to send it again."""


@dataclass(frozen=True, slots=True)
class Submitted:
    reference: str
    status_secret: str  #: shown once on the receipt, stored only as a keyed hash
    #: the random token naming the verification code in its link (None when the mail could not be sent)
    verify_link: str | None
    #: a James login verified the requester: no code needed, the search for the person is queued
    signed_in: bool = False
    #: as given: the receipt says from it where the answer goes (a child's goes to the parents)
    date_of_birth: dt.date | None = None
    #: the verification mail failed and the job worker sends it again
    mail_queued: bool = False
    #: the request came before with the same idempotency key: this is its first receipt again
    replayed: bool = False


async def submit(
    portal: Portal, controller_key: str, form: RequestForm, language: Language, key: str | None = None
) -> Submitted | dict[str, str]:
    """Open a case for the form. ``key``: the submission's idempotency key (dsr.casefile.idempotency);
    a key seen before answers with that case's receipt and opens none."""
    controller = portal.settings.controllers.get(controller_key)
    if controller is None:
        raise casefile.NotFound("no such controller")
    claim = None
    if key is not None:
        # the request as typed, before a James login fills in the address (its token is used once)
        claim = idempotency.claim(portal.secret, controller.key, key, msgspec.json.encode(form))
        earlier = await portal.call(idempotency.find, portal.engine, claim)
        if earlier is not None:
            return await _replayed(portal, controller, form, earlier, language)
    login = None
    if form.james_login:
        login = await portal.call(_james_login, portal, controller, form.james_login)
        if login is None:
            return {"james_login": "form.error.james_login"}
        if login.email:
            form = dataclasses.replace(form, email=login.email)  # the address James holds for the person
    checked = check(
        form,
        controller,
        received_at=clock.utcnow(),  # the casefile's clock: the case's events carry the same time
        max_upload_bytes=portal.settings.portal.max_upload_bytes,
        zone=portal.settings.zone,
    )
    if isinstance(checked, dict):
        return checked
    if login is not None and checked.intake.acting is not casefile.Acting.SELF:
        return {"james_login": "form.error.james_login_self"}
    # the page's language is the requester's: letters and mails to them are written in it
    checked = dataclasses.replace(checked, intake=msgspec.structs.replace(checked.intake, language=language))
    try:
        opened = await portal.call(_open, portal, checked, claim)
    except Exception as exc:
        if database_unavailable(exc):
            raise  # the 503 page: nothing stored, try again in a few minutes
        if claim is not None and isinstance(exc, sa.exc.IntegrityError):
            # the same key came in concurrently and its case was committed first
            earlier = await portal.call(idempotency.find, portal.engine, claim)
            if earlier is not None:
                return await _replayed(portal, controller, form, earlier, language)
        # everything was rolled back: say so on the form. The log gets the error's type and place
        # only (a driver's message can quote the statement's values: names, the upload)
        where = traceback.extract_tb(exc.__traceback__)[-1:]
        log.error(
            "request not saved: %s at %s",
            type(exc).__name__,
            f"{where[0].filename}:{where[0].lineno}" if where else "?",
        )
        raise NotSaved("the request could not be stored") from None
    log.info("request received via portal: %s", opened.reference)
    born = checked.intake.subject.descriptor.date_of_birth
    if login is not None:
        await portal.call(_signed_in, portal, opened.reference, login)
        if login.email:
            return Submitted(opened.reference, opened.status_secret, None, signed_in=True, date_of_birth=born)
    sent = await _send_verification(portal, opened.reference, language, controller.name, retry=True)
    return Submitted(
        opened.reference,
        opened.status_secret,
        sent.link,
        signed_in=login is not None,
        date_of_birth=born,
        mail_queued=sent.queued,
    )


def _james_login(portal: Portal, controller: ControllerSettings, token: str) -> LoginAssertion | None:
    """The assertion if genuine, for this controller, unexpired and never used; None otherwise
    (the requester is told only that the login is no longer valid)."""
    if not controller.james_login_key:
        return None
    try:
        login = verify_login(controller.james_login_key, token, controller=controller.key)
    except LoginRejected as exc:
        log.info("James login refused (%s)", exc.code)
        return None
    now = dt.datetime.now(dt.UTC)
    window = dt.timedelta(seconds=max(1, login.exp - int(now.timestamp())))
    if not ratelimit.hit(portal.engine, f"james-login-nonce::{login.nonce}", 1, window, now=now).allowed:
        log.info("James login refused (replayed)")
        return None
    return login


def _signed_in(portal: Portal, reference: str, login: LoginAssertion) -> None:
    """Record the James login as the check for the row it names, then search the stores."""
    # the reference the connectors give the row James named (dsr.pipeline.identify.candidate_reference)
    candidate = candidate_reference(login.controller, login.store, login.key)
    record_james_login(portal.engine, reference, candidate, address_on_file=bool(login.email))
    try:
        casework.queue_candidate_search(portal.engine, portal.settings, reference)
    except Exception as exc:  # noqa: BLE001 - the officer can still search by hand
        log.warning("candidate search for %s not queued (%s)", reference, type(exc).__name__)


async def _replayed(
    portal: Portal, controller: ControllerSettings, form: RequestForm, earlier: idempotency.Earlier, language: Language
) -> Submitted:
    """The first receipt of a request sent again. The verification code is sent only if the first
    submission stopped before issuing one: a resubmission never mails a second code."""
    checked = check(form, controller, received_at=clock.utcnow(), max_upload_bytes=2**63, zone=portal.settings.zone)
    born = checked.intake.subject.descriptor.date_of_birth if isinstance(checked, Checked) else None
    if earlier.code_issued or form.james_login:
        signed_in = bool(form.james_login)  # a James login named the address: no code was needed
        return Submitted(
            earlier.reference, earlier.status_secret, None, signed_in=signed_in, date_of_birth=born, replayed=True
        )
    sent = await _send_verification(portal, earlier.reference, language, controller.name, retry=True)
    return Submitted(
        earlier.reference, earlier.status_secret, sent.link, date_of_birth=born, mail_queued=sent.queued, replayed=True
    )


def _open(portal: Portal, checked: Checked, claim: idempotency.Claim | None = None) -> casefile.OpenedCase:
    """The case with its details and upload, in one transaction (no case without its files)."""
    attachments = []
    if checked.details:
        attachments.append(
            (
                "request_details",
                casefile.Document(
                    filename="details.txt", media_type="text/plain; charset=utf-8", content=checked.details.encode()
                ),
            )
        )
    if checked.rectification is not None:
        attachments.append(
            (
                ASKED_KIND,
                casefile.Document(
                    filename="rectification.json",
                    media_type="application/json",
                    content=asked_document(checked.rectification),
                ),
            )
        )
    if checked.authorisation is not None:
        upload = checked.authorisation
        attachments.append(
            (
                "authorisation",
                casefile.Document(
                    filename=f"authorisation{UPLOAD_TYPES[upload.media_type]}",
                    media_type=upload.media_type,
                    content=upload.content,
                ),
            )
        )
    return open_case_with_documents(
        portal.engine, portal.secret, checked.intake, attachments, claim=claim, zone=portal.settings.zone
    )


@dataclass(frozen=True, slots=True)
class VerificationSent:
    link: str | None  #: the token naming the code in the mail's link (None: the mail failed)
    queued: bool = False  #: the mail failed and the job worker sends a new one


async def _send_verification(
    portal: Portal, reference: str, language: Language, controller_name: str, *, retry: bool
) -> VerificationSent:
    """Mail a verification code; if the mailer fails and ``retry``, queue the mail for the worker."""
    address, issued = await portal.call(casefile.start_email_verification, portal.engine, portal.secret, reference)
    page = portal.absolute(f"/{language}/verify/")
    message = verification_message(
        language, address, reference, issued.code, f"{page}{issued.link}#code={issued.code}", controller_name
    )
    try:
        await deliver(portal.mailer, message)
    except MailError as exc:
        # the error's type only: a mailer's message can quote the address
        log.warning("verification mail for %s not sent (%s)", reference, type(exc).__name__)
        if not retry:
            raise
        try:
            await portal.call(queue_verification_mail, portal.engine, reference, language=language, page=page)
        except Exception as failed:  # noqa: BLE001 - the request is saved; a new code can be asked for
            log.warning("verification mail for %s not queued (%s)", reference, type(failed).__name__)
            return VerificationSent(None)
        return VerificationSent(None, queued=True)
    return VerificationSent(issued.link)


async def resend_verification(portal: Portal, reference: str, status_secret: str, language: Language) -> str:
    """A new verification code, for someone holding the reference and status secret."""
    status = await portal.call(
        casefile.public_status, portal.engine, portal.secret, reference, status_secret, zone=portal.settings.zone
    )
    controller = portal.settings.controllers.get(status.controller)
    sent = await _send_verification(
        portal, status.reference, language, controller.name if controller else "", retry=False
    )
    assert sent.link is not None  # a failure raised MailError: the requester is asked to try again
    # they have a code now: a retry still queued would void it
    await portal.call(cancel_verification_mail, portal.engine, status.reference)
    return sent.link


async def verify(portal: Portal, link: str, code: str) -> str:
    """Confirm the address (``link``: the code's token from the mail's link); the search for the
    person in the stores is then queued for the worker."""
    if len(link) > LINK_LIMIT:
        raise casefile.CodeRejected("this code is no longer valid; ask for a new one")
    # the search is queued in the confirmation's transaction: confirmed and queued, or neither
    return await portal.call(
        casefile.confirm_email,
        portal.engine,
        portal.secret,
        link,
        code,
        then=lambda conn, reference: queue_candidate_search_in(conn, portal.settings, reference),
    )


async def status(portal: Portal, reference: str, status_secret: str) -> casefile.PublicStatus:
    return await portal.call(
        casefile.public_status,
        portal.engine,
        portal.secret,
        reference.strip().upper(),
        status_secret.strip(),
        zone=portal.settings.zone,
    )


async def send_download_code(portal: Portal, token: str, language: Language) -> int:
    address, issued = await portal.call(casefile.send_download_code, portal.engine, portal.secret, token)
    await deliver(portal.mailer, download_code_message(language, address, issued.code))
    return issued.id


async def download(portal: Portal, token: str, code_id: int, code: str) -> casefile.DownloadedFile:
    return await portal.call(casefile.fetch_download, portal.engine, portal.secret, token, code_id, code)
