"""The JSON API of the public side (``/api/public/…``): everything the pages do, with OpenAPI.

Errors come back as ``{"error": code, "message": text}`` in the language of ``?lang=`` or
Accept-Language (see dsr.portal.errors).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from dsr.casefile import CaseState
from dsr.portal.context import Portal
from dsr.portal.errors import request_language
from dsr.portal.i18n import text
from dsr.portal.params import RowId
from dsr.portal.public import actions
from dsr.portal.public.intake import RequestForm, Upload
from dsr.portal.public.pages import safe_filename
from dsr.portal.ratelimit import SubmissionLimit

#: de or en: the language of error messages and e-mails (default: Accept-Language)
Lang = FromQuery[str | None]


class ControllerOut(msgspec.Struct):
    key: str
    name: str
    kind: str


class AuthorisationIn(msgspec.Struct):
    media_type: str  #: application/pdf, image/jpeg or image/png
    content_base64: str
    filename: str = "authorisation"


class RequestIn(msgspec.Struct, kw_only=True):
    controller: str
    types: list[str]
    acting: str = "self"
    first_name: str
    last_name: str
    email: str
    date_of_birth: str = ""
    card_number: str = ""
    requester_first_name: str = ""
    requester_last_name: str = ""
    postal_address: str = ""
    details: str = ""
    authorisation: AuthorisationIn | None = None
    #: a login assertion signed by James (``dsr.signin``): the requester is logged in there
    james_login: str = ""


class RequestOut(msgspec.Struct):
    reference: str
    status_secret: str
    #: names the code for ``POST /verifications/{token}`` (random; null when the mail could not be sent)
    verification_token: str | None
    verification_mail_sent: bool
    #: a James login verified the requester (no code needed when James named the address)
    signed_in: bool = False
    #: the verification mail could not be sent; the job worker sends a new code
    verification_mail_queued: bool = False


class FormProblems(msgspec.Struct):
    error: str
    message: str
    fields: dict[str, str]


class SecretIn(msgspec.Struct):
    reference: str
    status_secret: str


class CodeIn(msgspec.Struct):
    code: str


class CodeSent(msgspec.Struct):
    code_id: int


class VerificationSent(msgspec.Struct):
    #: names the new code for ``POST /verifications/{token}``
    verification_token: str


class Verified(msgspec.Struct):
    reference: str


class StatusOut(msgspec.Struct):
    reference: str
    state: CaseState
    received_on: dt.date
    due_on: dt.date


class DownloadIn(msgspec.Struct):
    code_id: RowId
    code: str


@get("/controllers", summary="Controllers a request can be addressed to")
async def controllers(portal: NamedDependency[Portal]) -> list[ControllerOut]:
    return [ControllerOut(key, c.name, c.kind) for key, c in portal.settings.controllers.items()]


@post(
    "/requests",
    summary="Make a request; sends the verification code by e-mail",
    status_code=201,
    responses=None,
)
async def make_request(
    data: JSONBody[RequestIn],
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    submissions: NamedDependency[SubmissionLimit],
    lang: Lang = None,
) -> Response[RequestOut | FormProblems]:
    language = request_language(request)
    if data.controller not in portal.settings.controllers:
        raise NotFoundException()
    upload = None
    if data.authorisation is not None:
        try:
            content = base64.b64decode(data.authorisation.content_base64, validate=True)
        except (binascii.Error, ValueError):
            content = b""
        upload = Upload(data.authorisation.filename, data.authorisation.media_type, content)
    fields = {
        f: getattr(data, f)
        for f in (
            "acting",
            "first_name",
            "last_name",
            "email",
            "date_of_birth",
            "card_number",
            "requester_first_name",
            "requester_last_name",
            "postal_address",
            "details",
            "james_login",
        )
    }
    try:
        # only an accepted request counts against the address's limit (dsr.portal.ratelimit.SubmissionLimit)
        async with submissions.counting(request) as slot:
            result = await actions.submit(
                portal, data.controller, RequestForm.from_fields(fields, data.types, upload), language
            )
            if isinstance(result, dict):
                slot.give_back()
    except actions.NotSaved:
        return Response(FormProblems("not_saved", text(language, "form.error.not_saved"), {}), status_code=500)
    if isinstance(result, dict):
        problems = {name: text(language, key) for name, key in result.items()}
        return Response(FormProblems("invalid_form", text(language, "form.error.summary"), problems), status_code=400)
    return Response(
        RequestOut(
            result.reference,
            result.status_secret,
            result.verify_link,
            result.verify_link is not None,
            result.signed_in,
            result.mail_queued,
        ),
        status_code=201,
    )


@post("/verifications", summary="Send a new verification code", opt={"rate_limit": "code"}, status_code=200)
async def resend_verification(
    data: JSONBody[SecretIn], request: Request[Any, Any, Any], portal: NamedDependency[Portal], lang: Lang = None
) -> VerificationSent:
    token = await actions.resend_verification(
        portal, data.reference.strip().upper(), data.status_secret.strip(), request_language(request)
    )
    return VerificationSent(token)


@post(
    "/verifications/{token:str}",
    summary="Confirm the e-mail address with the code",
    opt={"rate_limit": "code"},
    status_code=200,
    description="`token` is the `verification_token` of the request (or of a resend), as in the "
    "mail's link; an unknown token is refused like a stale code (`code_invalid`).",
)
async def confirm(
    token: FromPath[str], data: JSONBody[CodeIn], portal: NamedDependency[Portal], lang: Lang = None
) -> Verified:
    return Verified(await actions.verify(portal, token, data.code))


@post(
    "/status", summary="Stage and deadline of a request (never its data)", opt={"rate_limit": "code"}, status_code=200
)
async def status(data: JSONBody[SecretIn], portal: NamedDependency[Portal], lang: Lang = None) -> StatusOut:
    s = await actions.status(portal, data.reference, data.status_secret)
    return StatusOut(s.reference, s.state, s.received_on, s.due_on)


@post(
    "/downloads/{token:str}/code",
    summary="Send a one-time download code to the verified address",
    opt={"rate_limit": "code"},
    status_code=200,
)
async def download_code(
    token: FromPath[str], request: Request[Any, Any, Any], portal: NamedDependency[Portal], lang: Lang = None
) -> CodeSent:
    return CodeSent(await actions.send_download_code(portal, token, request_language(request)))


@post(
    "/downloads/{token:str}",
    summary="Download the answer with a fresh code",
    opt={"rate_limit": "download"},
    status_code=200,
    media_type="application/octet-stream",
)
async def download(
    token: FromPath[str], data: JSONBody[DownloadIn], portal: NamedDependency[Portal], lang: Lang = None
) -> Response[bytes]:
    file = await actions.download(portal, token, data.code_id, data.code)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"content-disposition": f'attachment; filename="{safe_filename(file.filename)}"'},
    )


HANDLERS = [controllers, make_request, resend_verification, confirm, status, download_code, download]
