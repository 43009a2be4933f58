"""James staff on the officer side: the host's ``officer_auth`` hook instead of dsr's own accounts.

With ``DSRConfig(officer_auth=…)`` every officer page and API call asks the hook who is logged in
at the host (James' session, SSO) — no dsr password, no dsr second factor: the host is responsible
for both. The identity becomes a portal user (:func:`dsr.casefile.users.host_user`, created at
first sight, name and roles kept up to date), so cases, four eyes, the audit trail and the
controller isolation work exactly as for dsr's own accounts.

Nobody logged in at the host: pages go to the host's login (``officer_login_url``), the API answers
401. The hook failing (raising, or returning something else than an identity or None) is the
host's outage: a 503 page saying so, never a 500 — and only the error's type is logged.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response
from litestar.di import NamedDependency
from litestar.response import Redirect

from dsr import casefile
from dsr.casefile.users import host_user
from dsr.portal.config import OfficerIdentity
from dsr.portal.context import Portal
from dsr.portal.i18n import Language
from dsr.portal.officer.session import NotLoggedIn, admit, csrf_token, is_api, page_language

if TYPE_CHECKING:
    from dsr.portal.config import OfficerAuth

log = logging.getLogger("dsr.portal")

#: the words of the host-login pages (few, and only here: the page is this module's)
WORDS: dict[Language, dict[str, str]] = {
    "de": {
        "title": "Anmeldung über James",
        "explain": "Mitarbeiterinnen und Mitarbeiter melden sich für den Datenschutz-Bereich bei James an.",
        "link": "Bei James anmelden",
        "no_link": "Bitte melden Sie sich zuerst bei James an.",
        "failed": "Die Anmeldung über James kann gerade nicht geprüft werden. Bitte versuchen Sie es "
        "in einigen Minuten noch einmal; bleibt der Fehler, wenden Sie sich an die James-Administration.",
    },
    "en": {
        "title": "Log in through James",
        "explain": "Staff log in to the data protection area through James.",
        "link": "Log in at James",
        "no_link": "Please log in at James first.",
        "failed": "Your James login cannot be checked right now. Please try again in a few minutes; "
        "if it persists, contact the James administrators.",
    },
}


class HostLoginRequired(NotLoggedIn):
    """The host says nobody is logged in: pages go to the host's login, the API answers 401."""


class HostLoginFailed(NotLoggedIn):
    """The host's hook failed (raised, or answered neither an identity nor None): a 503."""

    status_code = 503


def hosted(portal: Portal) -> OfficerAuth | None:
    """The host's hook, or None when dsr's own accounts log in."""
    return portal.officer_auth


def login_url(request: Request[Any, Any, Any], portal: Portal, back: str | None = None) -> str | None:
    """Where the host logs staff in (``DSRConfig.officer_login_url``), with ``next=`` the officer
    page to return to."""
    url = portal.officer_login_url
    if url is None:
        return None
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': back or portal.url('/officer/')})}"


async def identity_of(portal: Portal, request: Request[Any, Any, Any]) -> OfficerIdentity | None:
    """Ask the host's hook (sync or async) who is logged in."""
    hook = hosted(portal)
    assert hook is not None
    try:
        answer = hook(request)
        if inspect.isawaitable(answer):
            answer = await answer
    except Exception as exc:
        # the host's own error: its type only (its message may name the staff member)
        log.error("officer_auth failed: %s", type(exc).__name__)
        raise HostLoginFailed() from exc
    if answer is not None and not isinstance(answer, OfficerIdentity):
        log.error("officer_auth answered a %s, not an OfficerIdentity or None", type(answer).__name__)
        raise HostLoginFailed()
    return answer


async def host_staff(portal: Portal, request: Request[Any, Any, Any]) -> casefile.User:
    """The portal user of the staff member the host has logged in (created or updated as needed)."""
    identity = await identity_of(portal, request)
    if identity is None:
        raise HostLoginRequired()
    try:
        return await portal.call(
            host_user,
            portal.engine,
            identity.user_id,
            identity.display_name,
            {controller: identity.roles for controller in identity.controllers},
            language=identity.language,
        )
    except ValueError as exc:  # a role dsr does not know: the host's mapping is wrong
        log.error("officer_auth: %s", exc)
        raise HostLoginFailed() from exc


def host_csrf(portal: Portal, user: casefile.User) -> str:
    """The CSRF token of a host-logged-in user. There is no dsr session to bind it to, so it is
    bound to the user (a keyed hash only pages of this portal show): a foreign site cannot know it."""
    return csrf_token(portal, f"host-user:{user.id}")


async def current_staff(request: Request[Any, Any, Any], portal: NamedDependency[Portal]) -> casefile.User:
    """The dependency ``user`` of every officer route when the host logs staff in."""
    user = await host_staff(portal, request)
    return await admit(portal, request, user, host_csrf(portal, user))


def not_logged_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Handler of :class:`NotLoggedIn` when the host logs staff in."""
    portal: Portal = request.app.state["dsr_portal"]
    language = page_language(request)
    if isinstance(exc, HostLoginFailed):
        if is_api(request):
            return Response(
                {"error": "host_login_unavailable", "message": "the host's login cannot be checked right now"},
                status_code=503,
                media_type=MediaType.JSON,
            )
        return portal.render(
            language,
            "officer/error.html",
            status_code=503,
            user=None,
            csrf="",
            here="",
            message=WORDS[language]["failed"],
        )
    back = (
        request.url.path + (f"?{request.url.query}" if request.url.query else "") if request.method == "GET" else None
    )
    url = login_url(request, portal, back)
    if is_api(request):
        return Response(
            {"error": "not_logged_in", "message": "log in at the host first", "login_url": url},
            status_code=401,
            media_type=MediaType.JSON,
        )
    return Redirect(url or portal.url("/officer/login"), status_code=303)


async def login_page(request: Request[Any, Any, Any], portal: Portal) -> Response[Any]:
    """dsr's login page when the host logs staff in: someone logged in at the host goes on to the
    cases; anyone else reads "Anmeldung über James" and the link to the host's login."""
    if await identity_of(portal, request) is not None:
        return Redirect(portal.url("/officer/"), status_code=303)
    language = page_language(request)
    return portal.render(
        language,
        "officer/host_login.html",
        user=None,
        csrf="",
        here=portal.url("/officer/login"),
        words=WORDS[language],
        login_url=login_url(request, portal),
    )


__all__ = [
    "WORDS",
    "HostLoginFailed",
    "HostLoginRequired",
    "current_staff",
    "host_csrf",
    "host_staff",
    "hosted",
    "identity_of",
    "login_page",
    "login_url",
    "not_logged_in",
]
