"""The public HTML pages: landing, request form, receipt, e-mail verification, status, download.

Every page lives under ``/de/…`` or ``/en/…``. Secrets never travel in a URL the server sees:
the status secret and e-mail codes are POSTed; links in mails carry codes only in the URL
*fragment*, which a small same-origin script copies into the form.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from dsr.casefile import CaseError, CodeRejected, TooManyRequests
from dsr.portal.context import Portal
from dsr.portal.errors import problem
from dsr.portal.i18n import LANGUAGES, Language, language_of, text
from dsr.portal.params import row_id
from dsr.portal.public import actions
from dsr.portal.public.intake import RequestForm, Upload
from dsr.service.mail import MailError

Page = Response[Any]


def _language(lang: FromPath[str]) -> Language:
    if lang not in LANGUAGES:
        raise NotFoundException()
    return lang  # type: ignore[return-value]


async def _fields(request: Request[Any, Any, Any]) -> tuple[dict[str, str], Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}, form


def _error_text(language: Language, exc: Exception) -> tuple[int, str]:
    status, key = problem(exc)
    return status, text(language, key)


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
    return portal.render(
        language,
        "public/form.html",
        here=f"/request/{controller}",
        controller=portal.settings.controllers[controller],
        form=RequestForm(james_login=james_login[:2048]),
        problems={},
    )


@post("/{lang:str}/request/{controller:str}", include_in_schema=False, status_code=200, opt={"rate_limit": "submit"})
async def submit_request(
    lang: FromPath[str], controller: FromPath[str], request: Request[Any, Any, Any], portal: NamedDependency[Portal]
) -> Page:
    language = _language(lang)
    if controller not in portal.settings.controllers:
        raise NotFoundException()
    fields, raw = await _fields(request)
    upload = raw.get("authorisation")
    file = None
    if isinstance(upload, UploadFile) and upload.filename:
        file = Upload(upload.filename, upload.content_type or "", await upload.read())
    form = RequestForm.from_fields(fields, raw.getall("types", []), file)
    try:
        result = await actions.submit(portal, controller, form, language)
    except actions.NotSaved:
        # nothing was kept: the form again, everything typed still in it, saying to send it once more
        return portal.render(
            language,
            "public/form.html",
            status_code=500,
            here=f"/request/{controller}",
            controller=portal.settings.controllers[controller],
            form=form,
            problems={},
            not_saved=True,
        )
    if isinstance(result, dict):
        return portal.render(
            language,
            "public/form.html",
            status_code=400,
            here=f"/request/{controller}",
            controller=portal.settings.controllers[controller],
            form=form,
            problems=result,
        )
    return portal.render(
        language, "public/receipt.html", here="/", submitted=result, controller=portal.settings.controllers[controller]
    )


# ``link`` is the random token naming the code (never its row id: see dsr.casefile.verification)
@get("/{lang:str}/verify/{link:str}", include_in_schema=False)
async def verify_page(lang: FromPath[str], link: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    return portal.render(language, "public/verify.html", here=f"/verify/{link}", link=link, error=None)


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
            language, "public/verify.html", status_code=status, here=f"/verify/{link}", link=link, error=message
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
    return portal.render(language, "public/verify.html", here=f"/verify/{link}", link=link, error=None, sent=True)


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
    return portal.render(
        language,
        "public/status.html",
        here="/status",
        status=result,
        controller=portal.settings.controllers.get(result.controller),
    )


@get("/{lang:str}/download/{token:str}", include_in_schema=False)
async def download_page(lang: FromPath[str], token: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    return portal.render(
        language, "public/download.html", here=f"/download/{token}", token=token, code_id=None, error=None
    )


@post("/{lang:str}/download/{token:str}/code", include_in_schema=False, status_code=200, opt={"rate_limit": "code"})
async def download_code(lang: FromPath[str], token: FromPath[str], portal: NamedDependency[Portal]) -> Page:
    language = _language(lang)
    try:
        code_id = await actions.send_download_code(portal, token, language)
    except (CaseError, MailError) as exc:
        status_code, message = _error_text(language, exc)
        return portal.render(
            language,
            "public/download.html",
            status_code=status_code,
            here=f"/download/{token}",
            token=token,
            code_id=None,
            error=message,
        )
    return portal.render(
        language, "public/download.html", here=f"/download/{token}", token=token, code_id=code_id, error=None
    )


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
        return portal.render(
            language,
            "public/download.html",
            status_code=status_code,
            here=f"/download/{token}",
            token=token,
            code_id=code_id,
            error=message,
        )
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
