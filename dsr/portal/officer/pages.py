"""The officer side's HTML pages under ``/officer``: login, case list, case page, manual entry.

Forms post to the same actions as the JSON API (``actions.ACTIONS``). A refused action shows
the case page again with the reason; nothing typed is lost.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Redirect

from dsr import cases
from dsr.cases.documents import read_document
from dsr.errors import DSRError
from dsr.portal.context import Portal
from dsr.portal.errors import problem
from dsr.portal.i18n import text
from dsr.portal.officer import actions as a
from dsr.portal.officer.api import filter_cases
from dsr.portal.officer.session import COOKIE, expired_cookie, session_cookie

#: how the case page names the choices on a restricted record (dsr.restriction)
RESTRICTED_DECISIONS = {"withhold": "zurückhalten (in der Antwort gezählt)",
                        "withhold_silently": "zurückhalten, nicht einmal erwähnen",
                        "disclose": "offenlegen"}
RESTRICTED_GROUNDS = {"bdsg-34": "§ 34 BDSG (Gefährdung der Strafverfolgung)",
                      "land-law": "Landesdatenschutz- oder Schulgesetz"}
LANG = "de"  # the officer pages are German (the staff's language); the API speaks codes


def _page(portal: Portal, request: Request[Any, Any, Any], template: str, *, status_code: int = 200,
          user: cases.User | None = None, **context: Any) -> Response[str]:
    return portal.render(LANG, template, status_code=status_code, user=user,
                         csrf=request.state.get("dsr_csrf", ""), **context)


def _message(exc: Exception) -> tuple[int, str]:
    """Status and a safe message: our errors' messages hold no personal data by contract."""
    if isinstance(exc, (ValueError, msgspec.ValidationError)):
        return 400, str(exc)
    if isinstance(exc, cases.AccessDenied):
        return 403, "Dafür fehlt Ihnen die Rolle (z. B. Freigabe)."
    if isinstance(exc, DSRError):
        status, _ = problem(exc)
        return (status if status < 500 else 409), str(exc)
    status, key = problem(exc)
    return status, text(LANG, key)


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], portal: Portal) -> Response[str]:
    return _page(portal, request, "officer/login.html", error=None, username="")


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any], portal: Portal) -> Response[Any]:
    form = await request.form()
    username = str(form.get("username", ""))
    try:
        done = await portal.call(cases.login, portal.engine, username, str(form.get("password", "")),
                                 str(form.get("totp", "")) or None)
    except cases.TooManyRequests:
        return _page(portal, request, "officer/login.html", status_code=429, username=username,
                     error="Zu viele Fehlversuche: das Konto ist vorübergehend gesperrt.")
    except cases.LoginFailed:
        return _page(portal, request, "officer/login.html", status_code=400, username=username,
                     error="Benutzername, Passwort oder Bestätigungscode ist falsch.")
    return Redirect(portal.url("/officer/"), status_code=303, cookies=[session_cookie(portal, done.token)])


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any], portal: Portal, user: cases.User) -> Redirect:
    await portal.call(cases.close_session, portal.engine, request.cookies.get(COOKIE, ""))
    return Redirect(portal.url("/officer/login"), status_code=303, cookies=[expired_cookie(portal)])


@get("/", include_in_schema=False)
async def case_list(request: Request[Any, Any, Any], portal: Portal, user: cases.User) -> Response[str]:
    params = request.query_params
    state = params.get("state") or None
    states = [cases.CaseState(state)] if state in {s.value for s in cases.CaseState} else None
    found = await portal.call(cases.list_cases, portal.engine, user, states=states)
    found = filter_cases(found, q=params.get("q"), controller=params.get("controller"),
                         overdue=params.get("overdue") == "on")
    return _page(portal, request, "officer/list.html", user=user, cases=found, states=list(cases.CaseState),
                 filters={"state": state or "", "q": params.get("q", ""), "controller": params.get("controller", ""),
                          "overdue": params.get("overdue") == "on"})


@get("/new", include_in_schema=False)
async def new_page(request: Request[Any, Any, Any], portal: Portal, user: cases.User) -> Response[str]:
    return _page(portal, request, "officer/new.html", user=user, error=None, form={}, **_choices())


def _choices() -> dict[str, Any]:
    return {"channels": [c for c in cases.Channel if c is not cases.Channel.PORTAL], "types": list(cases.RequestType),
            "actings": list(cases.Acting)}


@post("/new", include_in_schema=False)
async def enter(request: Request[Any, Any, Any], portal: Portal, user: cases.User) -> Response[Any]:
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str) and k not in ("_csrf", "request_types") and v != ""}
    if len(form.get("received_at", "")) == 16:
        form["received_at"] += ":00"  # <input type="datetime-local"> leaves out the seconds
    try:
        body = msgspec.convert({**form, "request_types": raw.getall("request_types", [])}, a.ManualEntry, strict=False)
        opened = await portal.call(a.enter_request, portal, user, body)
    except (DSRError, ValueError, msgspec.ValidationError) as exc:
        status, message = _message(exc)
        return _page(portal, request, "officer/new.html", status_code=status, user=user, error=message, form=form,
                     **_choices())
    return Redirect(portal.url(f"/officer/cases/{opened.reference}"), status_code=303)


async def _case_page(request: Request[Any, Any, Any], portal: Portal, user: cases.User, ref: str, *,
                     status_code: int = 200, error: str | None = None) -> Response[str]:
    detail = await portal.call(a.case_detail, portal, user, ref)
    running = any(j.state in ("queued", "running") for j in detail.jobs)
    return _page(portal, request, "officer/case.html", status_code=status_code, user=user, d=detail, error=error,
                 running=running, check_methods=list(cases.CheckMethod),
                 restricted_decisions=RESTRICTED_DECISIONS, restricted_grounds=RESTRICTED_GROUNDS,
                 can_approve=user.can(detail.case.controller, "approver"))


@get("/cases/{ref:str}", include_in_schema=False)
async def case_page(request: Request[Any, Any, Any], portal: Portal, user: cases.User, ref: str) -> Response[str]:
    return await _case_page(request, portal, user, ref)


@post("/cases/{ref:str}/do/{action:str}", include_in_schema=False)
async def case_action(request: Request[Any, Any, Any], portal: Portal, user: cases.User, ref: str,
                      action: str) -> Response[Any]:
    if action not in a.ACTIONS:
        raise cases.NotFound(f"no action {action}")
    form = await request.form()
    try:
        body = a.from_form(a.ACTIONS[action][0], {k: v for k, v in form.items() if isinstance(v, str)})
        await portal.call(a.run, portal, user, ref, action, body)
    except cases.NotFound:
        raise
    except (DSRError, ValueError, msgspec.ValidationError) as exc:
        status, message = _message(exc)
        return await _case_page(request, portal, user, ref, status_code=status, error=message)
    return Redirect(portal.url(f"/officer/cases/{ref}"), status_code=303)


@get("/cases/{ref:str}/documents/{document_id:int}", include_in_schema=False)
async def document(portal: Portal, user: cases.User, ref: str, document_id: int) -> Response[bytes]:
    info, content = await portal.call(read_document, portal.engine, user, ref, document_id)
    disposition = "inline" if info.media_type == "application/pdf" else "attachment"
    return Response(content, media_type=info.media_type,
                    headers={"content-disposition": f'{disposition}; filename="{info.filename}"'})


@get("/totp", include_in_schema=False)
async def totp_page(request: Request[Any, Any, Any], portal: Portal, user: cases.User) -> Response[str]:
    return _totp(portal, request, user, cases.totp.new_secret())


def _totp(portal: Portal, request: Request[Any, Any, Any], user: cases.User, secret: str, *, status_code: int = 200,
          error: str | None = None, done: bool = False) -> Response[str]:
    return _page(portal, request, "officer/totp.html", status_code=status_code, user=user, error=error, done=done,
                 secret=secret, uri=cases.totp.provisioning_uri(secret, user.username, "dsr"))


@post("/totp", include_in_schema=False)
async def enable_totp(request: Request[Any, Any, Any], portal: Portal, user: cases.User) -> Response[str]:
    """Turn on the second factor: the secret shown on the page and a code the app computed from it."""
    if user.totp_enabled:
        raise cases.TransitionRefused("the second factor is already on; an admin can reset it")
    form = await request.form()
    secret = str(form.get("secret", ""))
    if not re.fullmatch(r"[A-Z2-7]{16,64}", secret):
        return _totp(portal, request, user, cases.totp.new_secret(), status_code=400,
                     error="Die Seite war veraltet: bitte mit dem neuen Schlüssel erneut einrichten.")
    try:
        await portal.call(cases.enable_totp, portal.engine, user.id, secret, str(form.get("code", "")).strip())
    except cases.LoginFailed:
        return _totp(portal, request, user, secret, status_code=400,
                     error="Der Code passt nicht. Stimmt die Uhrzeit des Geräts?")
    return _totp(portal, request, user, secret, done=True)


HANDLERS = [login_page, login, logout, case_list, new_page, enter, case_page, case_action, document, totp_page,
            enable_totp]
