"""The officer side of the portal: pages under ``/officer``, the JSON API under ``/api/officer``.

Mounted by ``dsr.portal.plugin`` through :func:`router`; :func:`startup` / :func:`shutdown`
run the background job worker with the app. See docs/officer.md.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import MediaType, Request, Response, Router
from litestar.di import Provide
from litestar.response import Redirect

from dsr import casefile
from dsr.portal.context import Portal
from dsr.portal.errors import RETRY_AFTER_UNAVAILABLE, database_unavailable, handle, log_failure
from dsr.portal.i18n import text
from dsr.portal.isolation import API_OPT, COOKIES_OPT, mounted_portal
from dsr.portal.officer import api, host_login, pages
from dsr.portal.officer.refusals import refusal_code, refusal_text
from dsr.portal.officer.session import (
    COOKIE,
    CSRFRejected,
    EnrolmentRequired,
    NotLoggedIn,
    current_user,
    enrolment_required,
    is_api,
    page_language,
)
from dsr.portal.security import login_limits
from dsr.service.casework import CaseworkError, handlers
from dsr.service.worker import BackgroundWorker


def _json_or_page(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    message: str,
    page_text: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    refusal: Exception | None = None,
) -> Response[Any]:
    """JSON for the API (English ``message``, plus the rule's ``code`` for a refusal); else the error
    page, in ``page_text`` of texts.toml or the refusal's text in the officer's language."""
    if is_api(request):
        body = {"error": code, "message": message}
        if refusal is not None:
            body["code"] = refusal_code(refusal)
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    portal: Portal = mounted_portal(request)
    language = page_language(request)
    if refusal is not None:
        message = refusal_text(refusal, language)
    elif page_text:
        message = text(language, page_text)
    return portal.render(
        language,
        "officer/error.html",
        status_code=status,
        user=None,
        csrf="",
        here="",
        message=message,
        headers=headers,
    )


def _unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The portal database is down: 503 with Retry-After, on the officer's own error page."""
    if not database_unavailable(exc):
        return handle(request, exc)  # a bug, not an outage: the generic 500
    log_failure(request, 503, exc)
    return _json_or_page(
        request,
        503,
        "unavailable",
        "the database cannot be reached; nothing was saved. Try again in a few minutes",
        "officer.error.unavailable",
        headers={"retry-after": RETRY_AFTER_UNAVAILABLE},
    )


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug: the API answers as everywhere; a page says so in the officer's own layout."""
    if is_api(request):
        return handle(request, exc)
    log_failure(request, 500, exc)  # the exception's type and place, never its message
    return _json_or_page(request, 500, "internal", "internal error", "officer.error.internal")


def _not_logged_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if mounted_portal(request).officer_auth is not None:  # the host logs its staff in
        return host_login.not_logged_in(request, exc)
    if is_api(request):
        return _json_or_page(request, 401, "not_logged_in", "log in first: POST /api/officer/login")
    portal: Portal = mounted_portal(request)
    return Redirect(portal.url("/officer/login"), status_code=303)


def _csrf(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _json_or_page(request, 403, "csrf", "security check failed: reload the page", "officer.error.csrf")


def _denied(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _json_or_page(request, 403, "forbidden", "this needs a role you do not have", "officer.error.forbidden")


def _refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # dsr's own errors promise messages without personal data; they say which rule refused
    status = 409 if isinstance(exc, (casefile.TransitionRefused, CaseworkError)) else 400
    return _json_or_page(request, status, "refused" if status == 409 else "bad_request", str(exc), refusal=exc)


def _not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """An unknown case or document: the API as everywhere, a page in the officer's own style."""
    if is_api(request):
        return handle(request, exc)
    return _json_or_page(request, 404, "not_found", "not found", "officer.error.not_found")


def _login_failed(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, casefile.TooManyRequests):
        return _json_or_page(request, 429, "locked", "too many failed logins: the account is locked for a while")
    if isinstance(exc, casefile.LoginFailed) and exc.code == "totp_unreadable":  # told only after the right password
        return _json_or_page(request, 401, "totp_unreadable", str(exc), "officer.login.totp_unreadable")
    return _json_or_page(request, 401, "login_failed", "wrong username, password or second factor")


def router(portal: Portal) -> Router:
    return Router(
        path="/",
        route_handlers=[
            Router(path="/officer", route_handlers=pages.HANDLERS, include_in_schema=False),
            Router(path="/api/officer", route_handlers=api.HANDLERS, tags=["officer"], opt={API_OPT: True}),
        ],
        opt={COOKIES_OPT: (COOKIE,)},  # the session cookie: the only one on dsr's responses
        # staff the host logs in (DSRConfig.officer_auth), else dsr's own accounts
        dependencies={"user": Provide(host_login.current_staff if portal.officer_auth is not None else current_user)},
        middleware=login_limits(portal),  # login attempts per client address
        signature_namespace={"Portal": Portal},
        exception_handlers={
            NotLoggedIn: _not_logged_in,
            CSRFRejected: _csrf,
            EnrolmentRequired: enrolment_required,  # [portal] require_totp: to /officer/totp first
            casefile.AccessDenied: _denied,
            casefile.TransitionRefused: _refused,
            CaseworkError: _refused,
            casefile.LoginFailed: _login_failed,
            casefile.TooManyRequests: _login_failed,
            ValueError: _refused,
            msgspec.ValidationError: _refused,
            casefile.NotFound: _not_found,
            sa.exc.DBAPIError: _unavailable,
            sa.exc.TimeoutError: _unavailable,
            # anything else (HTTP errors keep the portal-wide handler, the more specific match)
            Exception: _internal,
        },
    )


_workers: dict[int, BackgroundWorker] = {}


def startup(portal: Portal) -> None:
    if not portal.run_worker:
        return  # jobs run in a separate `dsr worker` (DSRConfig.run_worker, DSR_PORTAL_WORKER=0)
    # verification mails a request could not send at once go out through the host's mailer
    jobs = handlers(portal.settings, connectors_of=portal.connectors_of, mailer=portal.mailer)
    worker = BackgroundWorker(portal.engine, jobs, settings=portal.settings)
    _workers[id(portal)] = worker
    worker.start()


def shutdown(portal: Portal) -> None:
    worker = _workers.pop(id(portal), None)
    if worker is not None:
        worker.stop()
