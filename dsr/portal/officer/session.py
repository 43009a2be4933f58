"""Officer sessions: the portal's only cookie, CSRF tokens bound to it, and who is logged in.

The cookie holds a random token (``dsr.casefile`` stores only its hash): HttpOnly, SameSite=Strict,
Secure over TLS, scoped to the portal's path. Every state-changing request must carry the
session's CSRF token — a hidden ``_csrf`` form field or the ``X-CSRF-Token`` header (API) —
an HMAC of the session token, so it needs no second cookie and dies with the session.

The language of the officer pages is the user's saved choice (``users.language``, set by the
switch in the page header), else Accept-Language; before login ``?lang=`` — still no cookie.

With ``[portal] require_totp`` (the default) a user without the second factor reaches only the
enrolment page ``/officer/totp`` (and can log out or switch the language): every other page
redirects there, the API answers 403 ``totp_required`` (:class:`EnrolmentRequired`).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect

from dsr import casefile
from dsr.portal import isolation
from dsr.portal.context import Portal
from dsr.portal.i18n import Language, language_of
from dsr.portal.ratelimit import client_key

COOKIE = "dsr_officer"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotLoggedIn(NotAuthorizedException):
    """No live officer session: pages redirect to the login, the API answers 401."""


class CSRFRejected(PermissionDeniedException):
    detail = "missing or wrong CSRF token"


class EnrolmentRequired(PermissionDeniedException):
    """Logged in with the password, but ``[portal] require_totp`` and no second factor yet."""

    detail = "set up the second factor first: /officer/totp"


#: what a user who must still set up the second factor may use: the enrolment page, and leaving
BEFORE_ENROLMENT = ("/officer/totp", "/officer/logout", "/officer/language", "/api/officer/logout", "/api/officer/me")


def needs_enrolment(portal: Portal, user: casefile.User) -> bool:
    """The portal requires the second factor and ``user`` has not set it up (yet, or after a reset)."""
    # staff the host logs in have their second factor (if any) at the host
    hosted = portal.officer_auth is not None
    return portal.settings.portal.require_totp and not hosted and not user.totp_enabled


def enrolment_required(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Handler of :class:`EnrolmentRequired`: pages go to the enrolment page, the API gets 403."""
    if is_api(request):
        return Response(
            {"error": "totp_required", "message": "set up the second factor first: /officer/totp"},
            status_code=403,
            media_type=MediaType.JSON,
        )
    portal: Portal = isolation.mounted_portal(request)
    return Redirect(portal.url("/officer/totp"), status_code=303)


def csrf_token(portal: Portal, session_token: str) -> str:
    return hmac.new(portal.secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def session_cookie(portal: Portal, token: str) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=token,
        path=portal.path or "/",
        httponly=True,
        samesite="strict",
        secure=portal.settings.portal.tls,
    )


def expired_cookie(portal: Portal) -> Cookie:
    return Cookie(
        key=COOKIE,
        value="",
        path=portal.path or "/",
        httponly=True,
        samesite="strict",
        secure=portal.settings.portal.tls,
        max_age=0,
        expires=0,
    )


async def _sent_csrf(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("_csrf")
        return value if isinstance(value, str) else ""
    return ""


async def _session_user(portal: Portal, request: Request[Any, Any, Any]) -> tuple[casefile.User, str]:
    """dsr's own accounts: the user of the live session in the cookie, and its CSRF token."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise NotLoggedIn()
    user_id = await portal.call(casefile.session_user_id, portal.engine, token)
    if user_id is None:
        raise NotLoggedIn()
    user = await portal.call(casefile.get_user, portal.engine, user_id)
    if not user.active:
        raise NotLoggedIn()
    return user, csrf_token(portal, token)


async def current_user(request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> casefile.User:
    """The dependency ``user`` of every officer route (except login): a live session, and for a
    state change the right CSRF token. (With ``DSRConfig.officer_auth``:
    :func:`dsr.portal.officer.host_login.current_staff` instead.)"""
    user, expected = await _session_user(portal, request)
    return await admit(portal, request, user, expected)


async def admit(portal: Portal, request: Request[Any, Any, Any], user: casefile.User, expected: str) -> casefile.User:
    """Let ``user`` in: their language for the pages, the CSRF token ``expected`` on a state change,
    the second factor set up first where the portal requires one."""
    # before the CSRF check, so even its error page is in the officer's language
    request.state["dsr_language"] = officer_language(request, user)
    if request.method not in SAFE_METHODS:
        sent = await _sent_csrf(request)
        if not hmac.compare_digest(sent, expected):
            raise CSRFRejected()
    request.state["dsr_csrf"] = expected
    if needs_enrolment(portal, user) and request.url.path not in {portal.url(p) for p in BEFORE_ENROLMENT}:
        raise EnrolmentRequired()
    return user


async def log_in(
    portal: Portal, request: Request[Any, Any, Any], username: str, password: str, totp_code: str | None
) -> casefile.Login:
    """``casefile.login`` with failed attempts counted per client address (a keyed hash of it), so
    wrong passwords from one place lock the account for that place only. A locked client gets the
    same LoginFailed as a wrong password; the audit log records the lock. ``[dsr] secret_key``
    decrypts the second factor's secret."""
    return await portal.call(
        casefile.login,
        portal.engine,
        username,
        password,
        totp_code,
        client=client_key(portal.secret, request),
        key=portal.secret,
    )


def officer_language(request: Request[Any, Any, Any], user: casefile.User | None = None) -> Language:
    """The user's saved choice; without a session ``?lang=`` (the login page's switch); else Accept-Language."""
    explicit = user.language if user is not None else request.query_params.get("lang")
    return language_of(explicit, request.headers.get("accept-language"))


def page_language(request: Request[Any, Any, Any]) -> Language:
    """The language ``current_user`` settled on for this request (also for error pages after it)."""
    return request.state.get("dsr_language") or officer_language(request)


def is_api(request: Request[Any, Any, Any]) -> bool:
    """An officer API route (by its route metadata, wherever the portal is mounted)."""
    return isolation.is_api(request)


__all__ = [
    "BEFORE_ENROLMENT",
    "COOKIE",
    "CSRFRejected",
    "EnrolmentRequired",
    "NotLoggedIn",
    "admit",
    "csrf_token",
    "current_user",
    "enrolment_required",
    "expired_cookie",
    "is_api",
    "log_in",
    "needs_enrolment",
    "officer_language",
    "page_language",
    "session_cookie",
]
