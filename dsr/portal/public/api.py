"""The JSON API of the public side (``/api/public/…``): everything the pages do, with OpenAPI.

Errors come back as ``{"error": code, "message": text}`` (a ``Problem``, see dsr.portal.errors) in
the language of ``?lang=`` or Accept-Language; each operation documents the statuses it answers.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from dsr.casefile import Acting, CaseState, RequestType
from dsr.casefile.idempotency import KEY_MAX, KEY_MIN, valid_key
from dsr.portal.apidoc import serving
from dsr.portal.context import Portal
from dsr.portal.errors import Problem, problems, request_language
from dsr.portal.i18n import text
from dsr.portal.params import RowId
from dsr.portal.public import actions
from dsr.portal.public.intake import RequestForm, Upload
from dsr.portal.public.pages import safe_filename
from dsr.portal.ratelimit import SubmissionLimit

#: de or en: the language of error messages and e-mails (default: Accept-Language)
Lang = FromQuery[str | None]
#: an idempotency key (dsr.casefile.idempotency.valid_key); in the body also "" for none
KEY_PATTERN = rf"^[A-Za-z0-9._:+/=-]{{{KEY_MIN},{KEY_MAX}}}$"
BODY_KEY_PATTERN = rf"^([A-Za-z0-9._:+/=-]{{{KEY_MIN},{KEY_MAX}}})?$"


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
    #: none chosen is reported with the other fields to fix (``fields.types``), as on the form
    types: list[RequestType]
    acting: Acting = Acting.SELF
    first_name: str
    last_name: str
    email: str
    date_of_birth: str = ""
    card_number: str = ""
    requester_first_name: str = ""
    requester_last_name: str = ""
    postal_address: str = ""
    details: str = ""
    #: a rectification: which detail is wrong (name, email, address, phone, class, other) and the correct value
    rect_detail: str = ""
    rect_value: str = ""
    authorisation: AuthorisationIn | None = None
    #: a login assertion signed by James (``dsr.signin``): the requester is logged in there
    james_login: str = ""
    #: as the ``Idempotency-Key`` header (which wins when both are sent)
    idempotency_key: Annotated[str, msgspec.Meta(pattern=BODY_KEY_PATTERN)] = ""


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
    #: the request was received before with this ``Idempotency-Key``: its first receipt again (the
    #: code went out by e-mail then, so ``verification_token`` is null)
    replayed: bool = False


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


#: every public operation: a refused value, a busy address (the rate limits), the database gone
COMMON = (400, 429, 503)


@get("/controllers", summary="Controllers a request can be addressed to", responses=problems(503))
async def controllers(portal: NamedDependency[Portal]) -> list[ControllerOut]:
    return [ControllerOut(key, c.name, c.kind) for key, c in portal.settings.controllers.items()]


@post(
    "/requests",
    summary="Make a request; sends the verification code by e-mail",
    status_code=201,
    description="Send an `Idempotency-Key` (16–200 characters of letters, digits and `-_.:+/=`, e.g. a "
    "random UUID) to be able to send the request again when no answer came: the same key with the same "
    "request answers with the first receipt (`replayed`: true) and opens no second case; with a different "
    "request it is refused (409, `code` idempotency_key_reused). Keys are kept per controller, as hashes.",
    responses=problems(*COMMON, 404, 409, 413),
)
async def make_request(
    data: JSONBody[RequestIn],
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    submissions: NamedDependency[SubmissionLimit],
    lang: Lang = None,
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name="idempotency-key",
            description="a random key naming this submission (16–200 characters)",
            min_length=KEY_MIN,
            max_length=KEY_MAX,
            pattern=KEY_PATTERN,
        ),
    ] = None,
) -> Response[RequestOut | Problem]:
    language = request_language(request)
    if data.controller not in portal.settings.controllers:
        raise NotFoundException()
    key = idempotency_key or data.idempotency_key or None
    if key is not None and not valid_key(key):
        raise ValidationException("Idempotency-Key: 16–200 characters of letters, digits and -_.:+/=")
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
            "rect_detail",
            "rect_value",
            "james_login",
        )
    }
    try:
        # only an accepted request counts against the address's limit (dsr.portal.ratelimit.SubmissionLimit)
        async with submissions.counting(request) as slot:
            result = await actions.submit(
                portal, data.controller, RequestForm.from_fields(fields, data.types, upload), language, key
            )
            if isinstance(result, dict) or result.replayed:
                slot.give_back()
    except actions.NotSaved:
        return Response(Problem(error="not_saved", message=text(language, "form.error.not_saved")), status_code=500)
    if isinstance(result, dict):
        to_fix = {name: text(language, key) for name, key in result.items()}
        summary = text(language, "form.error.summary")
        return Response(Problem(error="invalid_form", message=summary, fields=to_fix), status_code=400)
    return Response(
        RequestOut(
            result.reference,
            result.status_secret,
            result.verify_link,
            result.verify_link is not None,
            result.signed_in,
            result.mail_queued,
            result.replayed,
        ),
        status_code=201,
    )


@post(
    "/verifications",
    summary="Send a new verification code",
    opt={"rate_limit": "code"},
    status_code=200,
    responses=problems(*COMMON, 404, 409),
)
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
    responses=problems(*COMMON, 404, 409),
)
async def confirm(
    token: FromPath[str], data: JSONBody[CodeIn], portal: NamedDependency[Portal], lang: Lang = None
) -> Verified:
    return Verified(await actions.verify(portal, token, data.code))


@post(
    "/status",
    summary="Stage and deadline of a request (never its data)",
    opt={"rate_limit": "code"},
    status_code=200,
    responses=problems(*COMMON, 404),
)
async def status(data: JSONBody[SecretIn], portal: NamedDependency[Portal], lang: Lang = None) -> StatusOut:
    s = await actions.status(portal, data.reference, data.status_secret)
    return StatusOut(s.reference, s.state, s.received_on, s.due_on)


@post(
    "/downloads/{token:str}/code",
    summary="Send a one-time download code to the verified address",
    opt={"rate_limit": "code"},
    status_code=200,
    responses=problems(*COMMON, 404, 409),
)
async def download_code(
    token: FromPath[str], request: Request[Any, Any, Any], portal: NamedDependency[Portal], lang: Lang = None
) -> CodeSent:
    return CodeSent(await actions.send_download_code(portal, token, request_language(request)))


@post(
    "/downloads/{token:str}",
    summary="Download the answer (the letter as PDF) with a fresh code",
    opt={"rate_limit": "download"},
    status_code=200,
    media_type="application/pdf",
    operation_class=serving("application/pdf"),
    responses=problems(*COMMON, 404, 409),
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
