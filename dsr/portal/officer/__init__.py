"""The officer side of the portal: pages under ``/officer``, the JSON API under ``/api/officer``.

Mounted by ``dsr.portal.plugin`` through :func:`router`; :func:`startup` / :func:`shutdown`
run the background job worker with the app. See docs/officer.md.
"""

from __future__ import annotations

import os
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, Router
from litestar.di import Provide
from litestar.response import Redirect

from dsr import cases
from dsr.casework import CaseworkError, handlers
from dsr.portal.context import Portal
from dsr.portal.errors import handle
from dsr.portal.officer import api, pages
from dsr.portal.i18n import text
from dsr.portal.officer.session import CSRFRejected, NotLoggedIn, current_user, is_api, page_language
from dsr.worker import BackgroundWorker

#: set DSR_PORTAL_WORKER=0 to run jobs only in a separate `dsr worker`
WORKER_ENV = "DSR_PORTAL_WORKER"


def _json_or_page(request: Request[Any, Any, Any], status: int, code: str, message: str,
                  page_text: str | None = None) -> Response[Any]:
    """JSON for the API (English ``message``); else the error page, in ``page_text`` of texts.toml if given."""
    if is_api(request):
        return Response({"error": code, "message": message}, status_code=status, media_type=MediaType.JSON)
    portal: Portal = request.app.state["dsr_portal"]
    language = page_language(request)
    return portal.render(language, "officer/error.html", status_code=status, user=None, csrf="", here="",
                         message=text(language, page_text) if page_text else message)


def _not_logged_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_api(request):
        return _json_or_page(request, 401, "not_logged_in", "log in first: POST /api/officer/login")
    portal: Portal = request.app.state["dsr_portal"]
    return Redirect(portal.url("/officer/login"), status_code=303)


def _csrf(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _json_or_page(request, 403, "csrf", "security check failed: reload the page", "officer.error.csrf")


def _denied(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _json_or_page(request, 403, "forbidden", "this needs a role you do not have", "officer.error.forbidden")


def _refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # dsr's own errors promise messages without personal data; they say which rule refused
    status = 409 if isinstance(exc, (cases.TransitionRefused, CaseworkError)) else 400
    return _json_or_page(request, status, "refused" if status == 409 else "bad_request", str(exc))


def _login_failed(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, cases.TooManyRequests):
        return _json_or_page(request, 429, "locked", "too many failed logins: the account is locked for a while")
    return _json_or_page(request, 401, "login_failed", "wrong username, password or second factor")


def router(portal: Portal) -> Router:
    return Router(
        path="/",
        route_handlers=[
            Router(path="/officer", route_handlers=pages.HANDLERS, include_in_schema=False),
            Router(path="/api/officer", route_handlers=api.HANDLERS, tags=["officer"]),
        ],
        dependencies={"user": Provide(current_user)},
        signature_namespace={"Portal": Portal},
        exception_handlers={
            NotLoggedIn: _not_logged_in,
            CSRFRejected: _csrf,
            cases.AccessDenied: _denied,
            cases.TransitionRefused: _refused,
            CaseworkError: _refused,
            cases.LoginFailed: _login_failed,
            cases.TooManyRequests: _login_failed,
            ValueError: _refused,
            msgspec.ValidationError: _refused,
            cases.NotFound: handle,
        },
    )


_workers: dict[int, BackgroundWorker] = {}


def startup(portal: Portal) -> None:
    if os.environ.get(WORKER_ENV, "1") == "0":
        return
    worker = BackgroundWorker(portal.engine, handlers(portal.settings), settings=portal.settings)
    _workers[id(portal)] = worker
    worker.start()


def shutdown(portal: Portal) -> None:
    worker = _workers.pop(id(portal), None)
    if worker is not None:
        worker.stop()
