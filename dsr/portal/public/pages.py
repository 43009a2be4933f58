"""The public HTML pages: landing, request form, receipt, e-mail verification, status, download.

Every page lives under ``/de/…`` or ``/en/…``. Secrets never travel in a URL the server sees:
the status secret and e-mail codes are POSTed; links in mails carry codes only in the URL
*fragment*, which a small same-origin script copies into the form.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from dsr.casefile import CaseError, CodeRejected, NotFound, TooManyRequests, clock
from dsr.casefile.codes import CodePolicy
from dsr.casefile.downloads import offer_shown
from dsr.casefile.idempotency import valid_key
from dsr.config import ControllerSettings
from dsr.portal.context import Portal
from dsr.portal.errors import problem
from dsr.portal.i18n import LANGUAGES, Language, language_of, text
from dsr.portal.params import row_id
from dsr.portal.public import actions, journey
from dsr.portal.public.birth_date import part_of
from dsr.portal.public.intake import EMAIL_LIMIT, LONG_LIMIT, TEXT_LIMIT, RequestForm, Upload
from dsr.portal.ratelimit import SubmissionLimit
from dsr.service.mail import MailError

Page = Response[Any]
#: the policy the case file applies to e-mail and download codes (stated on the code pages)
CODES = CodePolicy()
CODE_MINUTES = int(CODES.valid_for.total_seconds() // 60)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


def _anchor(name: str, key: str) -> str:
    """Where the error summary's link for a field's problem goes (the first input of a group)."""
    if name == "types":
        return "type-access"
    if name == "acting":
        return "acting-self"
    if name == "date_of_birth":
        return f"dob_{part_of(key)}"
    if name == "rect_detail":
        return "rect_detail-name"
    return name


def _form_page(
    portal: Portal,
    language: Language,
    controller: ControllerSettings,
    form: RequestForm,
    problems: dict[str, str],
    *,
    status_code: int = 200,
    not_saved: bool = False,
    key: str | None = None,
) -> Page:
    today = clock.today(portal.settings.zone)
    return portal.render(
        language,
        "public/form.html",
        status_code=status_code,
        here=f"/request/{controller.key}",
        controller=controller,
        form=form,
        problems=problems,
        anchors={name: _anchor(name, key) for name, key in problems.items()},
        date_part=part_of,
        limits={
            "text": TEXT_LIMIT,
            "long": LONG_LIMIT,
            "email": EMAIL_LIMIT,
            "upload": _megabytes(portal.settings.portal.max_upload_bytes),
        },
        child={
            "age": controller.pupil_age_of_consent,
            "youngest_alone": journey.youngest_alone(controller, today).isoformat(),
            "adult_by": journey.adult_by(controller, today).isoformat(),
        },
        not_saved=not_saved,
        # a fresh key with each new form; the same one while the form comes back to be fixed
        idempotency_key=key if key is not None and valid_key(key) else secrets.token_urlsafe(24),
    )


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    """A time as the requester reads it: local time (``[dsr] timezone``, e.g. CET/CEST), never UTC."""
    return moment.astimezone(zone).strftime("%d.%m.%Y, %H:%M")


def _language(lang: FromPath[str]) -> Language:
    if lang not in LANGUAGES:
        raise NotFoundException()
    return lang  # type: ignore[return-value]


async def _fields(request: Request[Any, Any, Any]) -> tuple[dict[str, str], Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}, form


def _error_text(language: Language, exc: Exception) -> tuple[int, str]:
    status, key = problem(exc)
    message = text(language, key)
    left = getattr(exc, "values", {}).get("attempts_left")
    if isinstance(left, int):
        # a wrong code: say how many tries it has left, so nobody is surprised by the lock
        message += " " + (
            text(language, "error.attempts_left", count=left) if left else text(language, "error.attempts_none")
        )
    return status, message


@get("/", include_in_schema=False)
async def root(request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> Redirect:
    language = language_of(None, request.headers.get("accept-language"))
    return Redirect(portal.url(f"/{language}/"), status_code=303)


@get("/{lang:str}/", include_in_schema=False)
async def landing(lang: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    return portal.render(language, "public/landing.html", here="/")


@get("/{lang:str}/request/{controller:str}", include_in_schema=False)
async def request_form(
    lang: FromPath[str], controller: FromPath[str], portal: NamedDependency[Portal], james_login: FromQuery[str] = ""
) -> Page:
    """The form; ``?james_login=`` carries a login assertion signed by James (checked on submit)."""
    language = _language(lang)
    if controller not in portal.settings.controllers:
        raise NotFoundException()
    return _form_page(
        portal, language, portal.settings.controllers[controller], RequestForm(james_login=james_login[:2048]), {}
    )


@post("/{lang:str}/request/{controller:str}", include_in_schema=False, status_code=200)
async def submit_request(
    lang: FromPath[str],
    controller: FromPath[str],
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    submissions: NamedDependency[SubmissionLimit],
) -> Page:
    language = _language(lang)
    if controller not in portal.settings.controllers:
        raise NotFoundException()
    settings = portal.settings.controllers[controller]
    fields, raw = await _fields(request)
    upload = raw.get("authorisation")
    file = None
    if isinstance(upload, UploadFile) and upload.filename:
        file = Upload(upload.filename, upload.content_type or "", await upload.read())
    form = RequestForm.from_fields(fields, raw.getall("types", []), file)
    key = fields.get("idempotency_key")
    key = key if key is not None and valid_key(key) else None  # a form without one still works
    try:
        # only an accepted request counts against the address's limit; a form sent back does not
        async with submissions.counting(request) as slot:
            result = await actions.submit(portal, controller, form, language, key)
            if isinstance(result, dict) or result.replayed:
                slot.give_back()
    except actions.NotSaved:
        # nothing was kept: the form again, everything typed still in it, saying to send it once more
        return _form_page(portal, language, settings, form, {}, status_code=500, not_saved=True, key=key)
    if isinstance(result, dict):
        return _form_page(portal, language, settings, form, result, status_code=400, key=key)
    received = clock.today(portal.settings.zone)  # the day the case was opened on (the same clock)
    outlook = journey.outlook(settings, form.acting, result.date_of_birth, received)
    return portal.render(
        language,
        "public/receipt.html",
        informal=outlook.informal,
        here="/",
        submitted=result,
        controller=settings,
        outlook=outlook,
        due_on=journey.answer_due(received, settings.land).strftime("%d.%m.%Y"),
        code_minutes=CODE_MINUTES,
    )


# ``link`` is the random token naming the code (never its row id: see dsr.casefile.verification)
@get("/{lang:str}/verify/{link:str}", include_in_schema=False)
async def verify_page(lang: FromPath[str], link: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    return portal.render(
        language,
        "public/verify.html",
        here=f"/verify/{link}",
        link=link,
        error=None,
        code_minutes=CODE_MINUTES,
        code_attempts=CODES.max_attempts,
    )


@post("/{lang:str}/verify/{link:str}", include_in_schema=False, status_code=200, opt={"rate_limit": "code"})
async def verify(
    lang: FromPath[str], link: FromPath[str], request: Request[Any, Any, Any], portal: NamedDependency[Portal]
) -> Page:
    language = _language(lang)
    fields, _ = await _fields(request)
    try:
        reference = await actions.verify(portal, link, fields.get("code", ""))
    except CodeRejected as exc:
        status, message = _error_text(language, exc)
        return portal.render(
            language,
            "public/verify.html",
            status_code=status,
            here=f"/verify/{link}",
            link=link,
            error=message,
            code_minutes=CODE_MINUTES,
            code_attempts=CODES.max_attempts,
        )
    return portal.render(language, "public/verified.html", here="/", reference=reference)


@get("/{lang:str}/verify", include_in_schema=False)
async def resend_page(lang: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    return portal.render(language, "public/resend.html", here="/verify", error=None, reference="")


@post("/{lang:str}/verify", include_in_schema=False, status_code=200, opt={"rate_limit": "code"})
async def resend(lang: FromPath[str], request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    fields, _ = await _fields(request)
    reference = fields.get("reference", "").strip().upper()
    try:
        link = await actions.resend_verification(portal, reference, fields.get("secret", "").strip(), language)
    except (CaseError, MailError) as exc:
        status, message = _error_text(language, exc)
        return portal.render(
            language, "public/resend.html", status_code=status, here="/verify", error=message, reference=reference
        )
    return portal.render(
        language,
        "public/verify.html",
        here=f"/verify/{link}",
        link=link,
        error=None,
        sent=True,
        code_minutes=CODE_MINUTES,
        code_attempts=CODES.max_attempts,
    )


@get("/{lang:str}/status", include_in_schema=False)
async def status_form(lang: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    return portal.render(language, "public/status_form.html", here="/status", error=None, reference="")


@post("/{lang:str}/status", include_in_schema=False, status_code=200, opt={"rate_limit": "code"})
async def status(lang: FromPath[str], request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    fields, _ = await _fields(request)
    reference = fields.get("reference", "").strip().upper()
    try:
        result = await actions.status(portal, reference, fields.get("secret", ""))
    except CodeRejected as exc:
        status_code, message = _error_text(language, exc)
        return portal.render(
            language,
            "public/status_form.html",
            status_code=status_code,
            here="/status",
            error=message,
            reference=reference,
        )
    controller = portal.settings.controllers.get(result.controller)
    outlook = None
    if controller is not None:
        outlook = journey.outlook(controller, result.acting, result.date_of_birth, result.received_on)
    return portal.render(
        language,
        "public/status.html",
        informal=outlook is not None and outlook.informal,
        here="/status",
        status=result,
        controller=controller,
        outlook=outlook,
        next_step=journey.NEXT_STEP[result.state],
        delivered=result.state in journey.DELIVERED,
    )


async def _download_page(
    portal: Portal,
    language: Language,
    token: str,
    *,
    code_id: int | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Page:
    """The download page in its state: open (until when, how often), downloaded, or used up."""
    offer = None
    if len(token) <= actions.LINK_LIMIT:
        try:
            offer = await portal.call(offer_shown, portal.engine, token)
        except NotFound:
            offer = None
    if offer is None:
        raise NotFoundException()
    return portal.render(
        language,
        "public/download.html",
        status_code=status_code,
        here=f"/download/{token}",
        token=token,
        code_id=code_id,
        error=error,
        offer=offer,
        until=_local(offer.expires_at, portal.settings.zone),
        code_minutes=CODE_MINUTES,
        code_attempts=CODES.max_attempts,
    )


@get("/{lang:str}/download/{token:str}", include_in_schema=False)
async def download_page(lang: FromPath[str], token: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    return await _download_page(portal, _language(lang), token)


@post("/{lang:str}/download/{token:str}/code", include_in_schema=False, status_code=200, opt={"rate_limit": "code"})
async def download_code(lang: FromPath[str], token: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    try:
        code_id = await actions.send_download_code(portal, token, language)
    except (CaseError, MailError) as exc:
        status_code, message = _error_text(language, exc)
        return await _download_page(portal, language, token, error=message, status_code=status_code)
    return await _download_page(portal, language, token, code_id=code_id)


@post("/{lang:str}/download/{token:str}", include_in_schema=False, status_code=200, opt={"rate_limit": "download"})
async def download(
    lang: FromPath[str], token: FromPath[str], request: Request[Any, Any, Any], portal: NamedDependency[Portal]
) -> Page:
    language = _language(lang)
    fields, _ = await _fields(request)
    code_id = row_id(fields.get("code_id", ""))
    try:
        if code_id is None:
            raise CodeRejected("this code is no longer valid; ask for a new one")
        file = await actions.download(portal, token, code_id, fields.get("code", ""))
    except (CodeRejected, TooManyRequests) as exc:
        status_code, message = _error_text(language, exc)
        return await _download_page(portal, language, token, code_id=code_id, error=message, status_code=status_code)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"content-disposition": f'attachment; filename="{safe_filename(file.filename)}"'},
    )


def safe_filename(name: str) -> str:
    """Only harmless characters in the header (no quotes, no line breaks)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name) or "download"


@get("/{lang:str}/{rest:path}", include_in_schema=False)
async def unknown(lang: FromPath[str], rest: FromPath[str]) -> Page:
    """Unknown pages under the portal get its 404 page even inside a host app (whose handlers
    would otherwise answer paths no route matches)."""
    raise NotFoundException()


HANDLERS = [
    unknown,
    root,
    landing,
    request_form,
    submit_request,
    verify_page,
    verify,
    resend_page,
    resend,
    status_form,
    status,
    download_page,
    download_code,
    download,
]
