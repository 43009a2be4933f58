"""The officer side's HTML pages under ``/officer``: login, case list, case page, manual entry.

Forms post to the same actions as the JSON API (``actions.ACTIONS``). A refused action shows
the case page again with the reason; nothing typed is lost.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import segno
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from markupsafe import Markup, escape

from dsr import casefile
from dsr.casefile import caselist
from dsr.casefile.checks import EVIDENCE, EVIDENCE_CODES, SYSTEM
from dsr.casefile.delivery import REASONS as DELIVERY_REASONS
from dsr.casefile.documents import read_document
from dsr.casefile.identity import paused_days
from dsr.casefile.states import OPEN
from dsr.casefile.users import (
    admin_create_user,
    admin_reset_totp,
    admin_set_password,
    admin_unlock,
    administered,
    list_accounts,
    set_language,
    usernames,
)
from dsr.errors import DSRError
from dsr.portal.context import Portal
from dsr.portal.errors import failed_stores, problem
from dsr.portal.i18n import LANGUAGES, Language, keys, text
from dsr.portal.officer import actions as a
from dsr.portal.officer import erasure, host_login, printing, rights
from dsr.portal.officer.flash import Kind, decode, encode
from dsr.portal.officer.history import fold
from dsr.portal.officer.nextstep import early_age, may_approve, next_step, offers_download
from dsr.portal.officer.page import officer_page as _page
from dsr.portal.officer.refusals import refusal_text
from dsr.portal.officer.session import (
    COOKIE,
    expired_cookie,
    log_in,
    needs_enrolment,
    page_language,
    session_cookie,
)
from dsr.portal.params import RowIdPath
from dsr.service.staff import new_password

#: the choices on a restricted record (dsr.pipeline.restriction); their names are officer.restricted_* texts
RESTRICTED_DECISIONS = ("withhold", "withhold_silently", "disclose")
RESTRICTED_GROUNDS = ("bdsg-34", "land-law", "art15-4", "bdsg-29")


def _message(exc: Exception, language: Language) -> tuple[int, str]:
    """Status and the rule that refused, in the officer's language (dsr's errors carry a code for it)."""
    if isinstance(exc, (ValueError, msgspec.ValidationError)):
        return 400, refusal_text(exc, language)
    if isinstance(exc, casefile.AccessDenied):
        return 403, refusal_text(exc, language)
    if isinstance(exc, DSRError):
        status, _ = problem(exc)
        if failed_stores(exc) is not None:
            return 503, refusal_text(exc, language)  # as the API: nothing changed, try again later
        return (status if status < 500 else 409), refusal_text(exc, language)
    status, key = problem(exc)
    return status, text(language, key)


def _named(language: Language, prefix: str, codes: Any) -> dict[str, str]:
    """code → its name in ``language`` (the code itself when texts.toml does not name it)."""
    return {code: text(language, f"{prefix}.{code}") if f"{prefix}.{code}" in keys() else code for code in codes}


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> Response[Any]:
    if portal.officer_auth is not None:  # staff log in at the host: "Anmeldung über James"
        return await host_login.login_page(request, portal)
    chosen = request.query_params.get("lang")
    return _page(
        portal,
        request,
        "officer/login.html",
        error=None,
        username="",
        chosen_lang=chosen if chosen in LANGUAGES else None,
        here=portal.url("/officer/login"),
    )


@post("/login", include_in_schema=False, opt={"rate_limit": "login"})
async def login(request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> Response[Any]:
    form = await request.form()
    username = str(form.get("username", ""))
    # the login page's switch: a choice made before logging in is kept with the account
    chosen = form.get("lang") if form.get("lang") in LANGUAGES else None
    language = chosen or page_language(request)
    failed: dict[str, Any] = {
        "username": username,
        "chosen_lang": chosen,
        "language": language,
        "here": portal.url("/officer/login"),
    }
    try:
        done = await log_in(portal, request, username, str(form.get("password", "")), str(form.get("totp", "")) or None)
    except casefile.TooManyRequests:
        return _page(
            portal,
            request,
            "officer/login.html",
            status_code=429,
            error=text(language, "officer.login.locked"),
            **failed,
        )
    except casefile.LoginFailed as exc:
        # also when locked: nobody learns which; only the right password learns of an unreadable second factor
        refused = "officer.login.totp_unreadable" if exc.code == "totp_unreadable" else "officer.login.refused"
        return _page(portal, request, "officer/login.html", status_code=400, error=text(language, refused), **failed)
    if chosen is not None and chosen != done.user.language:
        await portal.call(set_language, portal.engine, done.user.id, chosen)
    # [portal] require_totp: without the second factor the first page is the one that sets it up
    first = "/officer/totp" if needs_enrolment(portal, done.user) else "/officer/"
    return Redirect(portal.url(first), status_code=303, cookies=[session_cookie(portal, done.token)])


@post("/logout", include_in_schema=False)
async def logout(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Redirect:
    await portal.call(casefile.close_session, portal.engine, request.cookies.get(COOKIE, ""))
    return Redirect(portal.url("/officer/login"), status_code=303, cookies=[expired_cookie(portal)])


@get("/", include_in_schema=False)
async def case_list(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[str]:
    wanted = list_filter(request.query_params)
    found = await portal.call(caselist.case_list, portal.engine, user, wanted, zone=portal.settings.zone)
    references = [c.case.reference for c in found.cases]
    unverified = await portal.call(a.unverified_emails, portal, references)
    staff = await portal.call(usernames, portal.engine, {c.case.assignee for c in found.cases if c.case.assignee})
    filters = {
        "state": wanted.states[0].value if wanted.states else "",
        "q": wanted.text,
        "controller": wanted.controller or "",
        "overdue": wanted.overdue,
        "sort": wanted.sort,
        "assigned": wanted.assigned or "",
    }
    return _page(
        portal,
        request,
        "officer/list.html",
        user=user,
        found=found,
        cases=found.cases,
        states=list(casefile.CaseState),
        unverified=unverified,
        staff_names=staff,
        filters=filters,
        # the filters as a query, for the page links (they keep the filters)
        query={k: ("on" if v is True else v) for k, v in filters.items() if v},
    )


def list_filter(params: Any) -> caselist.CaseFilter:
    """The list's filters from the query (anything unknown is left out, never an error)."""
    state = params.get("state") or ""
    states = (casefile.CaseState(state),) if state in {s.value for s in casefile.CaseState} else ()
    sort = params.get("sort", "due")
    assigned = params.get("assigned") or None
    page = params.get("page", "1")
    return caselist.CaseFilter(
        states=states,
        controller=params.get("controller") or None,
        text=params.get("q", "").strip()[:200],
        assigned=assigned if assigned in ("mine", "unassigned") else None,
        overdue=params.get("overdue") == "on",
        sort=sort if sort in ("due", "due_desc", "received") else "due",
        page=int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1,
    )


@get("/new", include_in_schema=False)
async def new_page(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[str]:
    return _page(portal, request, "officer/new.html", user=user, error=None, form={}, **_choices())


def _choices() -> dict[str, Any]:
    return {
        "channels": [c for c in casefile.Channel if c is not casefile.Channel.PORTAL],
        "types": list(casefile.RequestType),
        "actings": list(casefile.Acting),
    }


@post("/new", include_in_schema=False)
async def enter(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[Any]:
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str) and k not in ("_csrf", "request_types") and v != ""}
    if len(form.get("received_at", "")) == 16:
        form["received_at"] += ":00"  # <input type="datetime-local"> leaves out the seconds
    try:
        body = msgspec.convert({**form, "request_types": raw.getall("request_types", [])}, a.ManualEntry, strict=False)
        opened = await portal.call(a.enter_request, portal, user, body)
    except (DSRError, ValueError, msgspec.ValidationError) as exc:
        status, message = _message(exc, page_language(request))
        return _page(
            portal,
            request,
            "officer/new.html",
            status_code=status,
            user=user,
            error=message,
            form=form,
            here=portal.url("/officer/new"),
            **_choices(),
        )
    return Redirect(portal.url(f"/officer/cases/{opened.reference}"), status_code=303)


async def _case_page(
    request: Request[Any, Any, Any],
    portal: Portal,
    user: casefile.User,
    ref: str,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response[str]:
    detail = await portal.call(a.case_detail, portal, user, ref)
    needs = await portal.call(casefile.requirements_of, portal.engine, user, ref)
    paused = await portal.call(paused_days, portal.engine, user, ref, a.today(portal.settings))
    running = any(j.state in ("queued", "running") for j in detail.jobs)
    language = page_language(request)
    kinds = _named(language, "officer.request_type", [str(k) for k in detail.case.request_types])
    flash = decode(portal.secret, request.query_params.get("flash"))
    if error is None and flash is not None and flash.kind == "error":
        error = flash.message
    query_open = any(q.answered_on is None for q in detail.identity_queries)
    controller = portal.settings.controllers.get(detail.case.controller)
    received_on = detail.case.received_at.astimezone(portal.settings.zone).date()
    early = early_age(detail, received_on, controller.pupil_age_of_consent if controller else 14)
    review_open = any(r.decision is None for r in detail.review)
    erased = await portal.call(erasure.erasure_view, portal, user, detail.case, review_open, language)
    worked = await portal.call(rights.rights_view, portal, user, detail.case, detail.documents, language)
    staff_ids = (
        a.staff_ids(detail) | (erasure.staff_ids(erased) if erased else set()) | (worked.staff if worked else set())
    )
    staff = await portal.call(usernames, portal.engine, staff_ids)
    return _page(
        portal,
        request,
        "officer/case.html",
        status_code=status_code,
        user=user,
        d=detail,
        error=error,
        done=flash.message if flash is not None and flash.kind == "done" else None,
        staff_names=staff,
        history=fold(detail.history),
        running=running,
        check_methods=[m for m in casefile.CheckMethod if m not in SYSTEM],
        evidence_codes=sorted(EVIDENCE_CODES - {EVIDENCE[m][0] for m in SYSTEM}),
        delivery_reasons=DELIVERY_REASONS,
        here=portal.url(f"/officer/cases/{ref}"),
        request_types=", ".join(kinds.values()),
        reasons=_named(language, "officer.reason", detail.reasons),
        restricted_decisions=_named(language, "officer.restricted_decision", RESTRICTED_DECISIONS),
        restricted_grounds=_named(language, "officer.restricted_ground", RESTRICTED_GROUNDS),
        can_approve=user.can(detail.case.controller, "approver"),
        may_approve=may_approve(detail, user),
        offers_download=offers_download(detail, needs, early),
        step=next_step(
            detail, needs, user, running=running, early=early, query_open=query_open, erasure=erased, rights=worked
        ),
        erasure=erased,
        rights=worked,
        early=early,
        requester_words=await portal.call(a.requester_words, portal, user, ref, detail),
        needs=needs,
        paused_days=paused,
        query_open=query_open,
        today=a.today(portal.settings),
        # the officer records a guardianship check, consent or authorisation while the case is open
        may_check=detail.case.state in OPEN,
    )


@get("/cases/{ref:str}", include_in_schema=False)
async def case_page(
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
) -> Response[str]:
    return await _case_page(request, portal, user, ref)


def _back_to_case(portal: Portal, ref: str, kind: Kind, message: str, anchor: str = "") -> Redirect:
    """Post/redirect/get: the case page with what happened (a reload never posts again)."""
    token = encode(portal.secret, kind, message)
    return Redirect(portal.url(f"/officer/cases/{ref}?flash={token}{anchor}"), status_code=303)


@post("/cases/{ref:str}/do/{action:str}", include_in_schema=False)
async def case_action(
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    ref: FromPath[str],
    action: FromPath[str],
) -> Response[Any]:
    if action not in a.ACTIONS:
        raise casefile.NotFound(f"no action {action}")
    form = await request.form()
    language = page_language(request)
    try:
        body = a.from_form(a.ACTIONS[action][0], {k: v for k, v in form.items() if isinstance(v, str)})
        result = await portal.call(a.run, portal, user, ref, action, body)
    except casefile.NotFound:
        raise
    except (DSRError, ValueError, msgspec.ValidationError) as exc:
        _, message = _message(exc, language)
        # back to the case page with the reason: the address never stays on the action
        return _back_to_case(portal, ref, "error", message, "#action-error")
    # an action that did more than its name says (confirm + gather) names its own message
    done = result.get("done") if isinstance(result, dict) else None
    return _back_to_case(portal, ref, "done", done_text(language, done or action))


@get("/cases/{ref:str}/do/{action:str}", include_in_schema=False)
async def case_action_opened(portal: NamedDependency[Portal], ref: FromPath[str], action: FromPath[str]) -> Redirect:
    """An action's address opened (a bookmark, the back button): the case page, nothing done."""
    return Redirect(portal.url(f"/officer/cases/{ref}"), status_code=303)


def done_text(language: Language, action: str) -> str:
    """What the flash says after an action went through."""
    key = f"officer.done.{action.replace('-', '_')}"
    return text(language, key if key in keys() else "officer.done.other")


@get("/cases/{ref:str}/documents/{document_id:int}", include_in_schema=False)
async def document(
    portal: NamedDependency[Portal], user: NamedDependency[casefile.User], ref: FromPath[str], document_id: RowIdPath
) -> Response[bytes]:
    info, content = await portal.call(read_document, portal.engine, user, ref, document_id)
    # uploads are never opened in the portal's origin; nosniff keeps the browser to the stored type
    disposition = "inline" if info.shown_inline else "attachment"
    return Response(
        content,
        media_type=info.media_type,
        headers={
            "content-disposition": f'{disposition}; filename="{info.filename}"',
            "x-content-type-options": "nosniff",
        },
    )


@get("/totp", include_in_schema=False)
async def totp_page(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[str]:
    return _totp(portal, request, user, casefile.totp.new_secret())


def _totp(
    portal: Portal,
    request: Request[Any, Any, Any],
    user: casefile.User,
    secret: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    done: bool = False,
) -> Response[str]:
    language = page_language(request)
    uri = casefile.totp.provisioning_uri(secret, user.username, totp_issuer(portal, user, language))
    return _page(
        portal,
        request,
        "officer/totp.html",
        status_code=status_code,
        user=user,
        error=error,
        done=done,
        secret=secret,
        here=portal.url("/officer/totp"),
        uri=uri,
        qr=qr_svg(uri, text(language, "officer.totp.qr_label")),
        # [portal] require_totp and not set up yet: the only page open to the user until it is
        required=portal.settings.portal.require_totp,
    )


def totp_issuer(portal: Portal, user: casefile.User, language: Language) -> str:
    """The name an authenticator app shows for the account: the controller's configured name
    (as on its request form) for a user of one controller, else the portal's name in page titles."""
    names = {portal.settings.controllers[c].name for c in user.controllers if c in portal.settings.controllers}
    name = names.pop() if len(names) == 1 else text(language, "officer.site")
    return " ".join(name.replace(":", " ").split())  # a colon would end the issuer in the otpauth label


def qr_svg(uri: str, label: str) -> Markup:
    """The QR code of ``uri`` drawn here (segno), as inline SVG: nothing is loaded from elsewhere
    and no script runs (the CSP allows neither)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


@post("/totp", include_in_schema=False)
async def enable_totp(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[str]:
    """Turn on the second factor: the secret shown on the page and a code the app computed from it."""
    if user.totp_enabled:
        raise casefile.TransitionRefused("the second factor is already on; an admin can reset it", code="totp_on")
    form = await request.form()
    secret = str(form.get("secret", ""))
    if not re.fullmatch(r"[A-Z2-7]{16,64}", secret):
        return _totp(
            portal,
            request,
            user,
            casefile.totp.new_secret(),
            status_code=400,
            error=text(page_language(request), "officer.totp.stale"),
        )
    try:
        code = str(form.get("code", "")).strip()
        await portal.call(casefile.enable_totp, portal.engine, user.id, secret, code, key=portal.secret)
    except casefile.LoginFailed:
        return _totp(
            portal, request, user, secret, status_code=400, error=text(page_language(request), "officer.totp.wrong")
        )
    return _totp(portal, request, user, secret, done=True)


@post("/language", include_in_schema=False)
async def switch_language(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Redirect:
    """The header's language switch: saved with the account (no cookie), back to the page it was on."""
    form = await request.form()
    language = form.get("language")
    if language in LANGUAGES:  # anything else changes nothing: back to the page as it was
        await portal.call(set_language, portal.engine, user.id, language)
    back = str(form.get("back", ""))
    home = portal.url("/officer/")
    # only a page of the officer side: the field must not send anyone elsewhere
    return Redirect(back if back.startswith(home) and "//" not in back else home, status_code=303)


@get("/admin", include_in_schema=False)
async def admin_page(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[str]:
    done = request.query_params.get("done")
    return await _admin(request, portal, user, done=done if done in ADMIN_ACTIONS else None)


async def _admin(
    request: Request[Any, Any, Any],
    portal: Portal,
    user: casefile.User,
    *,
    status_code: int = 200,
    error: str | None = None,
    done: str | None = None,
    issued: tuple[str, str, str] | None = None,  #: (username, password, created | reset)
    form: dict[str, Any] | None = None,
) -> Response[str]:
    accounts = await portal.call(list_accounts, portal.engine, user)  # refused unless admin somewhere
    return _page(
        portal,
        request,
        "officer/admin.html",
        status_code=status_code,
        user=user,
        accounts=accounts,
        error=error,
        done=done,
        issued=issued,
        form=form or {},
        administered=sorted(administered(user)),
        roles=casefile.ROLES,
        here=portal.url("/officer/admin"),
    )


@post("/admin/users", include_in_schema=False)
async def admin_create(
    request: Request[Any, Any, Any], portal: NamedDependency[Portal], user: NamedDependency[casefile.User]
) -> Response[Any]:
    """A new account at one of the admin's controllers, with a random password shown once."""
    raw = await request.form()
    form = {"username": str(raw.get("username", "")).strip(), "controller": str(raw.get("controller", ""))}
    roles = [r for r in raw.getall("roles", []) if r in casefile.ROLES]
    password = new_password()
    try:
        created = await portal.call(
            admin_create_user, portal.engine, user, form["username"], form["controller"], roles, password
        )
    except (casefile.InputRejected, casefile.AccessDenied, ValueError) as exc:
        status, message = _message(exc, page_language(request))
        return await _admin(request, portal, user, status_code=status, error=message, form={**form, "roles": roles})
    return await _admin(request, portal, user, issued=(created.username, password, "created"))


@post("/admin/users/{user_id:int}/password", include_in_schema=False)
async def admin_password(
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    user_id: RowIdPath,
) -> Response[Any]:
    """A forgotten password: a new random one, shown once to the admin (every session of the user ends)."""
    password = new_password()
    try:
        name = await portal.call(admin_set_password, portal.engine, user, user_id, password)
    except casefile.AccessDenied as exc:
        if exc.code != "account_beyond_admin":
            raise
        return await _admin(request, portal, user, status_code=403, error=refusal_text(exc, page_language(request)))
    return await _admin(request, portal, user, issued=(name, password, "reset"))


#: what the admin page's buttons do to a user of the admin's controllers
ADMIN_ACTIONS = {"unlock": admin_unlock, "reset-totp": admin_reset_totp}


@post("/admin/users/{user_id:int}/{action:str}", include_in_schema=False)
async def admin_action(
    request: Request[Any, Any, Any],
    portal: NamedDependency[Portal],
    user: NamedDependency[casefile.User],
    user_id: RowIdPath,
    action: FromPath[str],
) -> Response[Any]:
    if action not in ADMIN_ACTIONS:
        raise casefile.NotFound(f"no action {action}")
    try:
        await portal.call(ADMIN_ACTIONS[action], portal.engine, user, user_id)
    except casefile.AccessDenied as exc:
        if exc.code != "account_beyond_admin":
            raise
        # the account also belongs to a controller this admin does not administer: say so on the page
        return await _admin(request, portal, user, status_code=403, error=refusal_text(exc, page_language(request)))
    return Redirect(portal.url(f"/officer/admin?done={action}"), status_code=303)


HANDLERS = [
    *printing.HANDLERS,
    *erasure.HANDLERS,
    *rights.HANDLERS,
    login_page,
    login,
    logout,
    case_list,
    new_page,
    enter,
    case_page,
    case_action,
    case_action_opened,
    document,
    totp_page,
    enable_totp,
    switch_language,
    admin_page,
    admin_create,
    admin_password,
    admin_action,
]
