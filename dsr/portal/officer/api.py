"""The officer side's JSON API (``/api/officer/…``, in the OpenAPI schema): everything the pages do.

Log in with ``POST /api/officer/login``; the answer carries the ``csrf_token`` to send as
``X-CSRF-Token`` with every later POST (the session itself is the HttpOnly cookie).

Every route but the login checks the session before it reads the body (:func:`signed_in`): a
stranger learns nothing from how a body is refused. Bodies are typed with the domain's code lists
and bounds (``*Body`` below), so the OpenAPI document says what the handlers accept; every error
is a ``Problem`` (dsr.portal.errors).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from dsr import casefile
from dsr.casefile import caselist, delivery
from dsr.casefile.checks import EVIDENCE_CODES
from dsr.casefile.documents import read_document
from dsr.casefile.printing import Marked
from dsr.casefile.users import (
    Account,
    admin_create_user,
    admin_reset_totp,
    admin_set_password,
    admin_unlock,
    list_accounts,
)
from dsr.pipeline.deadlines import MAX_EXTENSION_MONTHS
from dsr.pipeline.redact import REASONS
from dsr.pipeline.restriction import RecordAction, WithholdingGround
from dsr.portal.apidoc import DOCUMENT_TYPES, documented, serving, with_options
from dsr.portal.context import Portal
from dsr.portal.errors import problems
from dsr.portal.isolation import mounted_portal
from dsr.portal.officer import actions as a
from dsr.portal.officer import erasure_api, host_login, rights_api
from dsr.portal.officer.api_actions import run_action
from dsr.portal.officer.notify import MAX_DOWNLOADS, VALID_DAYS
from dsr.portal.officer.session import COOKIE, csrf_token, current_user, expired_cookie, log_in, session_cookie
from dsr.portal.params import RowId, RowIdPath, one_of
from dsr.service.casework import ReviewEntry, review_entries
from dsr.service.letters import PreviewLetter, mark_printed, preview_pdf, print_batch, print_preview
from dsr.service.staff import new_password


class LoginIn(msgspec.Struct, kw_only=True):
    username: str
    password: str
    totp: str | None = None


class Me(msgspec.Struct, kw_only=True):
    id: int
    username: str
    roles: dict[str, list[str]]
    csrf_token: str


class Opened(msgspec.Struct):
    reference: str


# --------------------------------------------------------------------------- bodies as the API types them
# Subclasses of the actions' bodies (the pages post the same fields, checked by the same rules):
# here each field carries the domain's list or bounds, so the schema says what is accepted.

ReasonCode = Annotated[str, one_of(REASONS, "a reason code (the case's `reasons` names them)")]


class DecideBody(a.Decide, kw_only=True):
    decision: Literal["disclose", "redact", "withhold"]
    reason: ReasonCode


class DecideRestrictedBody(a.DecideRestricted, kw_only=True):
    decision: Annotated[str, one_of(RecordAction)]
    ground: Annotated[str, one_of(WithholdingGround)] | None = None  #: required to withhold


class DeliveryDecisionBody(a.DeliveryDecision, kw_only=True):
    route: Literal["post", "download"]
    #: download to an address not on file: why (dsr.casefile.delivery.REASONS)
    reason: Annotated[str, one_of(delivery.REASONS)] | None = None


class IdentityCheckBody(a.IdentityCheck, kw_only=True):
    evidence: Annotated[str, one_of(sorted(EVIDENCE_CODES))] | None = None


class DownloadOfferBody(a.DownloadOffer, kw_only=True):
    valid_days: Annotated[int, msgspec.Meta(ge=VALID_DAYS[0], le=VALID_DAYS[1])] = 14
    max_count: Annotated[int, msgspec.Meta(ge=MAX_DOWNLOADS[0], le=MAX_DOWNLOADS[1])] = 3


class ExtendBody(a.Extend, kw_only=True):
    months: Annotated[int, msgspec.Meta(ge=1, le=MAX_EXTENSION_MONTHS)]


class ProposeRefusalBody(a.ProposeRefusal, kw_only=True):
    ground: Annotated[str, one_of(casefile.REFUSAL_GROUNDS)]


class ManualEntryBody(a.ManualEntry, kw_only=True):
    #: requests through the portal are entered by the requester
    channel: Literal["post", "email", "in_person"]  # type: ignore[assignment]
    request_types: Annotated[list[casefile.RequestType], msgspec.Meta(min_length=1)]
    language: Literal["de", "en"] | None = None


def _me(user: casefile.User, csrf: str) -> Me:
    return Me(id=user.id, username=user.username, roles={k: sorted(v) for k, v in user.roles.items()}, csrf_token=csrf)


@post(
    "/login",
    summary="Log in (password, TOTP code when enabled); sets the session cookie",
    status_code=200,
    opt={"rate_limit": "login"},
)
async def login(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], data: JSONBody[LoginIn]
) -> Response[Me]:
    done = await log_in(portal, request, data.username, data.password, data.totp or None)
    return Response(_me(done.user, csrf_token(portal, done.token)), cookies=[session_cookie(portal, done.token)])


@post("/logout", summary="End the session", status_code=200)
async def logout(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[dict[str, bool]]:
    token = request.cookies.get(COOKIE, "")
    await portal.call(casefile.close_session, portal.engine, token)
    return Response({"logged_out": True}, cookies=[expired_cookie(portal)])


@get("/me", summary="Who is logged in, and the CSRF token")
async def me(request: Request[Any, Any, Any], user: NamedDependency[casefile.User]) -> Me:
    return _me(user, request.state["dsr_csrf"])


@get(
    "/cases",
    summary="One page of the cases of the user's controllers (default: soonest deadline first, 100 a page); "
    "the header x-total-count says how many match (counted up to 1000; 1001 means more)",
)
async def list_cases(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    # the query names the list by its singular ("?state=a&state=b")
    states: Annotated[list[casefile.CaseState] | None, QueryParameter(name="state", required=False)] = None,
    q: Annotated[str | None, QueryParameter(required=False, description="name, reference or e-mail (words)")] = None,
    controller: Annotated[str | None, QueryParameter(required=False)] = None,
    overdue: FromQuery[bool] = False,
    assigned: Annotated[
        Literal["mine", "unassigned"] | None, QueryParameter(required=False, description="mine | unassigned")
    ] = None,
    sort: FromQuery[Literal["due", "due_desc", "received"]] = "due",
    page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=caselist.MAX_PER_PAGE)] = 100,
) -> Response[list[casefile.CaseView]]:
    wanted = caselist.CaseFilter(
        states=tuple(states or ()),
        controller=controller or None,
        text=(q or "").strip()[:200],
        assigned=assigned,
        overdue=overdue,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    found = await portal.call(caselist.case_list, portal.engine, user, wanted, zone=portal.settings.zone)
    return Response([c.case for c in found.cases], headers={"x-total-count": str(found.total)})


@post("/cases", summary="Enter a request that came by post, e-mail or in person", status_code=201)
async def enter(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], data: JSONBody[ManualEntryBody]
) -> Opened:
    entry = msgspec.structs.replace(data, channel=casefile.Channel(data.channel))
    opened = await portal.call(a.enter_request, portal, user, entry)
    return Opened(opened.reference)


@get("/cases/{ref:str}", summary="Everything on the case page (viewing is audited)")
async def case(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> a.CaseDetail:
    return await portal.call(a.case_detail, portal, user, ref)


@get(
    "/cases/{ref:str}/documents/{document_id:int}",
    summary="A document of the case, as stored: a letter (PDF), an upload, a note (viewing is audited)",
    operation_class=serving(*DOCUMENT_TYPES),
)
async def document(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str], document_id: RowIdPath
) -> Response[bytes]:
    info, content = await portal.call(read_document, portal.engine, user, ref, document_id)
    return Response(
        content, media_type=info.media_type, headers={"content-disposition": f'attachment; filename="{info.filename}"'}
    )


@get(
    "/print-batch/preview",
    summary="The approved answers not printed yet (reference, document, recipient, pages); audited, marks nothing. "
    "Then print GET /print-batch/preview.pdf?document=… and mark exactly them: POST /print-batch",
)
async def preview_batch(portal: NamedDependency[Portal], user: NamedDependency[casefile.User]) -> list[PreviewLetter]:
    return await portal.call(print_preview, portal.engine, user)


@get(
    "/print-batch/preview.pdf",
    summary="One PDF of the previewed letters (by document id) still waiting to be printed",
    operation_class=serving("application/pdf"),
)
async def preview_batch_pdf(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    documents: Annotated[list[int] | None, QueryParameter(name="document", required=False)] = None,
) -> Response[bytes]:
    content, refs = await portal.call(preview_pdf, portal.engine, user, documents or [])
    return _batch(content, refs, a.today(portal.settings))


class PrintedIn(msgspec.Struct, kw_only=True):
    documents: list[RowId]  #: the document ids of the previewed batch


@post(
    "/print-batch",
    status_code=200,
    summary="Mark the previewed letters printed (by document id): a letter approved since the preview is not "
    "among them; one sent back or prepared again is skipped",
)
async def mark_batch(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], data: JSONBody[PrintedIn]
) -> Marked:
    return await portal.call(mark_printed, portal.engine, user, data.documents)


@get(
    "/print-batch",
    summary="The batch printed on a day again (default today); marks nothing",
    operation_class=serving("application/pdf"),
)
async def batch(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], day: FromQuery[dt.date | None] = None
) -> Response[bytes]:
    day = day or a.today(portal.settings)
    content, refs = await portal.call(print_batch, portal.engine, user, day=day, zone=portal.settings.zone)
    return _batch(content, refs, day)


def _batch(content: bytes, refs: list[str], day: dt.date) -> Response[bytes]:
    if not refs:
        raise casefile.NotFound("no approved answers to print")
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="druckstapel-{day}.pdf"'},
    )


@post("/cases/{ref:str}/find-candidates", summary="Run the identify stage and record candidates", status_code=200)
async def find_candidates(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "find-candidates", a.Empty())


@post("/cases/{ref:str}/confirm-identity", summary="Confirm which candidate the request is about", status_code=200)
async def confirm_identity(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str], data: JSONBody[a.Confirm]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "confirm-identity", data)


@post(
    "/cases/{ref:str}/identity-check",
    summary="Record a check that verified the requester as one candidate (in person, post, documents)",
    status_code=200,
)
async def identity_check(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[IdentityCheckBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "identity-check", data)


@post(
    "/cases/{ref:str}/decide-delivery",
    summary="Decide where the answer goes: by post to the address on file, or (with a coded reason) as a download",
    status_code=200,
)
async def decide_delivery(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[DeliveryDecisionBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "decide-delivery", data)


@post(
    "/cases/{ref:str}/approve-delivery",
    summary="Approve another officer's decision to deliver electronically to an address not on file",
    status_code=200,
)
async def approve_delivery(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "approve-delivery", a.Empty())


@post(
    "/cases/{ref:str}/identity-query", summary="Send the identity query letter (pauses the deadline)", status_code=200
)
async def identity_query(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[a.IdentityQuery],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "identity-query", data)


@post(
    "/cases/{ref:str}/identity-reply",
    status_code=200,
    summary="The reply to the identity query came in on received_on: the deadline runs again from that day",
)
async def identity_reply(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[a.IdentityReply],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "identity-reply", data)


@post("/cases/{ref:str}/gather", summary="Start gathering from every store (background job)", status_code=200)
async def gather(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "gather", a.Empty())


@post("/cases/{ref:str}/retry-store", summary="Run one failed store of a job again", status_code=200)
async def retry_store(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[a.RetryStore],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "retry-store", data)


@get(
    "/cases/{ref:str}/review",
    summary="The redaction review (viewing is audited): each item as written, highlighted in its sentence "
    "(text, sentence.before/after), the sentence as it prints if redacted or kept, where it is (place: "
    "collection title, field label, relation), own_record, the possible person's role, and how many "
    "identical items one decision covers (covers)",
)
async def review(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> list[ReviewEntry]:
    return await portal.call(review_entries, portal.engine, user, ref)


@post(
    "/cases/{ref:str}/decide",
    summary="Decide a review item; with same_text (default) every item with the same text too. "
    "Returns how many were decided (decided)",
    status_code=200,
)
async def decide(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[DecideBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "decide", data)


@post(
    "/cases/{ref:str}/decide-restricted",
    status_code=200,
    summary="Disclose or withhold a restricted record (withholding needs a ground: bdsg-34, land-law, art15-4 or bdsg-29)",
)
async def decide_restricted(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[DecideRestrictedBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "decide-restricted", data)


@post("/cases/{ref:str}/prepare", summary="Render the final answer with the decisions, for approval", status_code=200)
async def prepare(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "prepare", a.Empty())


@post("/cases/{ref:str}/approve", summary="Approve (an approver other than the preparer)", status_code=200)
async def approve(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "approve", a.Empty())


@post("/cases/{ref:str}/send-back", summary="Send the answer back to review", status_code=200)
async def send_back(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "send-back", a.Empty())


@post("/cases/{ref:str}/dispatch-post", summary="Mark the approved answer as mailed", status_code=200)
async def dispatch_post(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[a.MailedOn],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "dispatch-post", data)


@post(
    "/cases/{ref:str}/dispatch-download",
    summary="Offer the answer for secure download and e-mail the notice",
    status_code=200,
)
async def dispatch_download(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[DownloadOfferBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "dispatch-download", data)


@post(
    "/cases/{ref:str}/resend-download-notice",
    status_code=200,
    summary="Renew the download link (the old one stops working) and mail the notice again",
)
async def resend_download_notice(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "resend-download-notice", a.Empty())


@post(
    "/cases/{ref:str}/extend", summary="Extend the deadline with the notice letter (first month only)", status_code=200
)
async def extend(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[ExtendBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "extend", data)


@post("/cases/{ref:str}/comment", summary="Add a comment", status_code=200)
async def comment(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str], data: JSONBody[a.Comment]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "comment", data)


@post(
    "/cases/{ref:str}/propose-refusal",
    status_code=200,
    summary="Propose to refuse the request on a ground code (another approver confirms); the note stays with the case",
)
async def propose_refusal(
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    data: JSONBody[ProposeRefusalBody],
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "propose-refusal", data)


@post(
    "/cases/{ref:str}/confirm-refusal",
    status_code=200,
    summary="Confirm the proposed refusal (an approver other than the proposer): the case ends as refused",
)
async def confirm_refusal(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "confirm-refusal", a.Empty())


@post("/cases/{ref:str}/withdraw-refusal", summary="Withdraw the proposed refusal; the case goes on", status_code=200)
async def withdraw_refusal(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "withdraw-refusal", a.Empty())


@post(
    "/cases/{ref:str}/assign",
    summary="Assign the case to a colleague of its controller (assignee: a user id, your own to take it; "
    "null: nobody); audited",
    status_code=200,
)
async def assign(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str], data: JSONBody[a.Assign]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "assign", data)


@post("/cases/{ref:str}/close", summary="Close the case", status_code=200)
async def close(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str]
) -> dict[str, Any]:
    return await run_action(portal, user, ref, "close", a.Empty())


@get("/admin/users", summary="Users of the controllers the admin administers: roles, second factor, lock-out")
async def admin_users(portal: NamedDependency[Portal], user: NamedDependency[casefile.User]) -> list[Account]:
    return await portal.call(list_accounts, portal.engine, user)


@post(
    "/admin/users/{user_id:int}/unlock", summary="Lift a user's lock-out after failed logins (admin)", status_code=200
)
async def admin_unlock_user(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], user_id: RowIdPath
) -> dict[str, bool]:
    await portal.call(admin_unlock, portal.engine, user, user_id)
    return {"ok": True}


@post(
    "/admin/users/{user_id:int}/reset-totp",
    status_code=200,
    summary="Turn off a user's second factor (lost phone); they set it up again after logging in (admin)",
)
async def admin_reset_user_totp(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], user_id: RowIdPath
) -> dict[str, bool]:
    await portal.call(admin_reset_totp, portal.engine, user, user_id)
    return {"ok": True}


class NewAccount(msgspec.Struct, kw_only=True):
    username: str
    controller: str  #: a controller the admin administers
    roles: Annotated[list[Literal["officer", "approver", "admin"]], msgspec.Meta(min_length=1)]


class IssuedPassword(msgspec.Struct, kw_only=True):
    id: int
    username: str
    password: str  #: random, shown this once; only its hash is kept


@post("/admin/users", summary="Create an account at a controller the admin administers (random password, shown once)")
async def admin_create_account(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], data: JSONBody[NewAccount]
) -> IssuedPassword:
    password = new_password()
    created = await portal.call(
        admin_create_user, portal.engine, user, data.username.strip(), data.controller, data.roles, password
    )
    return IssuedPassword(id=created.id, username=created.username, password=password)


@post(
    "/admin/users/{user_id:int}/password",
    status_code=200,
    summary="Give a user a new random password, shown once; their sessions end (admin)",
)
async def admin_new_password(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], user_id: RowIdPath
) -> IssuedPassword:
    password = new_password()
    username = await portal.call(admin_set_password, portal.engine, user, user_id, password)
    return IssuedPassword(id=user_id, username=username, password=password)


ROUTES = [
    login,
    logout,
    me,
    list_cases,
    enter,
    case,
    document,
    batch,
    preview_batch,
    preview_batch_pdf,
    mark_batch,
    find_candidates,
    confirm_identity,
    identity_check,
    decide_delivery,
    approve_delivery,
    identity_query,
    identity_reply,
    admin_users,
    admin_create_account,
    admin_new_password,
    admin_unlock_user,
    admin_reset_user_totp,
    gather,
    retry_store,
    review,
    decide,
    decide_restricted,
    prepare,
    approve,
    send_back,
    dispatch_post,
    dispatch_download,
    resend_download_notice,
    extend,
    comment,
    propose_refusal,
    confirm_refusal,
    withdraw_refusal,
    close,
    assign,
    *erasure_api.ROUTES,
    *rights_api.ROUTES,
]


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Who asks, before what they sent is read: 401/403 before a 400 about the body. (The
    dependency ``user`` asks again; a session lookup is one indexed query.)"""
    if connection.scope.get("method") == "OPTIONS":
        return  # what a path allows is no secret
    portal: Portal = mounted_portal(connection)
    who = host_login.current_staff if portal.officer_auth is not None else current_user
    await who(connection, portal)  # type: ignore[arg-type]  # a guard of an HTTP route gets the Request


#: what the router mounts: the login, and every other route behind the session check
HANDLERS = [
    *documented([login], problems(400, 401, 429, 503)),
    Router(
        path="/",
        guards=[signed_in],
        route_handlers=with_options(
            documented([h for h in ROUTES if h is not login], problems(400, 401, 403, 404, 409, 503))
        ),
    ),
]
