"""Exception handlers: a clear page (or JSON on API routes) in the visitor's language, never a trace.

Only the error's type and status reach the log: messages of foreign exceptions (database
drivers, SMTP) can quote personal data.
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from dsr.casefile import CaseError, CodeRejected, NotFound, TooManyRequests, TransitionRefused
from dsr.errors import ConnectorError, DSRError
from dsr.portal.i18n import Language, language_of, text
from dsr.portal.isolation import is_api, portal_of
from dsr.portal.security import HEADERS
from dsr.service.mail import MailError

log = logging.getLogger("dsr.portal")

#: messages of dsr.casefile' CodeRejected (fixed English texts, no data) → page texts
_CODE_TEXTS = {
    "wrong code": "error.code_wrong",
    "this code is no longer valid; ask for a new one": "error.code_invalid",
    "too many wrong attempts; ask for a new code": "error.code_attempts",
    "this download has expired; please contact us": "error.download_expired",
    "unknown reference or wrong secret": "error.status_rejected",
}


class Problem(msgspec.Struct, kw_only=True):
    """The body of every error the JSON APIs (public and officer) answer, as the OpenAPI document
    says it (:func:`problems`): never a stack trace, never Litestar's own ``{status_code, detail}``."""

    error: str  #: the kind, stable: bad_request, not_logged_in, csrf, forbidden, not_found, refused, …
    message: str  #: in words: the visitor's language (public API), English (officer API)
    code: str | msgspec.UnsetType = msgspec.UNSET  #: the rule that refused (officer API), for programs
    fields: dict[str, str] | msgspec.UnsetType = msgspec.UNSET  #: field → what to fix (a public request)
    stores: list[str] | msgspec.UnsetType = msgspec.UNSET  #: the stores that could not be read


#: what each error status means on the portal's APIs (the OpenAPI document's descriptions)
MEANINGS = {
    400: "The request is malformed or a value is refused (`error`: bad_request, invalid_form, code_invalid, …)",
    401: "Not logged in, or a wrong username, password or second factor",
    403: "A missing or wrong CSRF token, a role the user does not have, or the second factor not set up yet",
    404: "No such case, document, code, controller or user (or none the user may see)",
    409: "Refused by a rule of the case's workflow in its current state (`code` names the rule)",
    413: "The body is too large",
    429: "Too many attempts from this address or account: try again later (Retry-After)",
    503: "The database, a store or the mail server cannot be reached; nothing was changed (Retry-After)",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The documented error responses of an API operation: each a :class:`Problem`."""
    return {
        status: ResponseSpec(Problem, description=MEANINGS[status], generate_examples=False)
        for status in sorted(statuses)
    }


#: how long a client should wait when the database is gone (a restart or failover takes minutes)
RETRY_AFTER_UNAVAILABLE = "120"


#: what SQLite says when its file cannot be used (it reports a missing table as OperationalError, too)
_SQLITE_OUTAGES = ("unable to open", "locked", "readonly", "disk i/o", "disk is full")


def database_unavailable(exc: BaseException) -> bool:
    """The portal database cannot be reached or written: refused, gone, read-only, pool exhausted.

    Not every DBAPIError: a constraint violation, a bad statement or a database that was never
    migrated is a bug (500), not an outage. (The driver's message is only inspected, never logged.)
    """
    if isinstance(exc, sa.exc.OperationalError) and isinstance(exc.orig, sqlite3.Error):
        return any(sign in str(exc.orig).lower() for sign in _SQLITE_OUTAGES)
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated


class StoresUnavailable(DSRError):
    """A store an action needed could not be read (down, a missing SQLite file): nothing was
    changed; the same action may succeed later. The officer API answers 503 with the stores' names."""

    code = "stores_failed"

    def __init__(self, stores: list[str]) -> None:
        self.stores = stores
        self.values = {"stores": ", ".join(stores)}
        super().__init__(
            f"store(s) could not be reached ({', '.join(stores) or '?'}); nothing was changed, try again later"
        )


def failed_stores(exc: BaseException) -> list[str] | None:
    """The stores whose failure ``exc`` reports (a connector's error, or casework's ``stores_failed``),
    or None when it is not a store failure."""
    if isinstance(exc, StoresUnavailable):
        return exc.stores
    if isinstance(exc, ConnectorError):
        return [exc.store]
    if isinstance(exc, DSRError) and getattr(exc, "code", None) == "stores_failed":
        named = str((getattr(exc, "values", None) or {}).get("stores", ""))
        return [s.strip() for s in named.split(",") if s.strip()]
    return None


def problem(exc: BaseException) -> tuple[int, str]:
    """(HTTP status, text key) for an exception."""
    if database_unavailable(exc):
        return 503, "error.unavailable"
    if failed_stores(exc) is not None:
        return 503, "error.stores_unavailable"
    if isinstance(exc, CodeRejected):
        return 400, _CODE_TEXTS.get(str(exc), "error.code_invalid")
    if isinstance(exc, TooManyRequests):
        return 429, "error.too_many"
    if isinstance(exc, NotFound):
        return 404, "error.not_found"
    if isinstance(exc, TransitionRefused):
        return 409, "error.not_now"
    if isinstance(exc, MailError):
        return 503, "error.mail"
    if isinstance(exc, ValidationException):
        return 400, "error.bad_request"
    if isinstance(exc, UnicodeDecodeError):
        # a body that is not UTF-8 (Litestar's JSON decoding lets this through): the client's mistake
        return 400, "error.bad_request"
    if isinstance(exc, HTTPException):
        key = {404: "error.not_found", 405: "error.not_found", 413: "error.too_large", 429: "error.rate_limited"}
        return exc.status_code, key.get(
            exc.status_code, "error.bad_request" if exc.status_code < 500 else "error.internal"
        )
    if isinstance(exc, DSRError):
        return 500, "error.internal"
    return 500, "error.internal"


def request_language(request: Request[Any, Any, Any]) -> Language:
    explicit = request.query_params.get("lang")
    if explicit is None:
        portal = portal_of(request)
        mount = portal.path if portal is not None else ""
        rest = request.url.path[len(mount) :] if request.url.path.startswith(mount) else request.url.path
        explicit = rest.strip("/").split("/", 1)[0]
    return language_of(explicit, request.headers.get("accept-language"))


def security_headers_for(request: Request[Any, Any, Any]) -> dict[str, str]:
    headers = {**HEADERS, "cache-control": "no-store"}
    portal = portal_of(request)
    if portal is not None and portal.settings.portal.tls:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return headers


def log_failure(request: Request[Any, Any, Any], status: int, exc: BaseException) -> None:
    """One line: route template, status, the error's class and code location — never its message,
    which for a database driver can quote the statement's parameters (personal data)."""
    if isinstance(exc, StoresUnavailable) and exc.__cause__ is not None:
        exc = exc.__cause__  # the store's own error (a ConnectorError), where it was raised
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    place = f"{where[0].filename}:{where[0].lineno}" if where else "?"
    log.error(
        "request failed: %s %s -> %s (%s at %s)",
        request.method,
        request.scope.get("path_template", "?"),
        status,
        type(exc).__name__,
        place,
    )


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status, key = problem(exc)
    if status >= 500:
        log_failure(request, status, exc)
    language = request_language(request)
    message = text(language, key)
    headers = {}
    if isinstance(exc, HTTPException) and exc.headers:
        headers = {k: v for k, v in exc.headers.items() if k.lower().startswith(("ratelimit", "retry-after", "allow"))}
    if status == 429:
        headers.setdefault("retry-after", "3600")
    if status == 503 and key in ("error.unavailable", "error.stores_unavailable"):
        headers["retry-after"] = RETRY_AFTER_UNAVAILABLE
    # errors raised in middleware (rate limits) or outside any route bypass the header middleware
    headers.update(security_headers_for(request))
    portal = portal_of(request)
    if portal is None or is_api(request):
        body: dict[str, Any] = {"error": key.removeprefix("error."), "message": message}
        if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
            # which field and what it must be (msgspec's words name the rule, never the value sent)
            wrong = {str(e.get("key") or "body"): str(e.get("message", "")) for e in exc.extra if isinstance(e, dict)}
            if wrong:
                body["fields"] = wrong
        if (stores := failed_stores(exc)) is not None:
            # as the officer API's refusals: the English rule as message (the stores' names, not the
            # driver's words or a file path), its code, and which stores failed
            body.update(message=str(StoresUnavailable(stores)), code="stores_failed", stores=stores)
        return Response(
            body,
            status_code=status,
            media_type=MediaType.JSON,
            headers=headers,
        )
    return portal.render(
        language, "public/error.html", status_code=status, headers=headers, message=message, status=status, here="/"
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    HTTPException: handle,
    CaseError: handle,
    MailError: handle,
    Exception: handle,
}
