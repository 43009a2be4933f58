"""A portal mounted inside a host app stays apart from it.

* **No host cookie on dsr's pages.** A host's session middleware, CSRF middleware or
  ``before_send`` hook runs outside dsr's router and would add its ``Set-Cookie`` to every
  response under the mount. :func:`cookie_guard` is an app-level ``before_send`` hook — Litestar
  calls those on each message after every middleware and exception handler, the last step before
  the server — that removes them: every cookie on the public side, every cookie but the ones a
  route names in ``opt["dsr_cookies"]`` on the officer side (its own session cookie).
  :func:`host_middleware_warnings` names host session/CSRF middleware that still runs on the mount.
* **Which portal, which kind of route.** Several plugin instances may be mounted in one app: the
  portal of a request is the one its route belongs to (``opt["dsr_portal"]``: the mount path,
  set on the plugin's router; the app state ``dsr_portals`` maps it to the portal), or — for a path no route matched — the one with the longest mount path
  containing it (:func:`portal_of`). API routes carry ``opt["dsr_api"]`` (:func:`is_api`), so a
  mount such as ``/api/datenschutz`` does not turn pages into API routes.
* **Tokens out of access logs.** Links in mails name a verification code or a download by a
  random token in the path (they must work without JavaScript, so the token cannot hide in the
  fragment); :data:`access_log_filter` replaces such tokens in access-log lines. The plugin adds
  it to uvicorn's and hypercorn's access loggers; hosts add it to any other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.types import Message, Scope

from dsr.portal.context import Portal

#: route ``opt`` keys the portal's routers set
#: the mount path of the portal the route belongs to (Litestar deep-copies opt: no objects)
PORTAL_OPT = "dsr_portal"
API_OPT = "dsr_api"  #: a JSON API route (errors as JSON, 401 instead of a redirect)
COOKIES_OPT = "dsr_cookies"  #: names of the cookies the route may set (none on the public side)
#: app state: {mount path: Portal} of every plugin instance
PORTALS = "dsr_portals"


def _mounted_at(path: str, mount: str) -> bool:
    return mount == "" or path == mount or path.startswith(f"{mount}/")


def portal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Portal | None:
    """The portal a request belongs to: its route's, else the one with the longest mount path
    containing the path (a 404 under the mount). None outside every portal."""
    portals: dict[str, Portal] = connection.app.state.get(PORTALS, {})
    handler = connection.scope.get("route_handler")
    if handler is not None and (portal := portals.get(str(handler.opt.get(PORTAL_OPT)))) is not None:
        return portal
    path = connection.scope["path"]
    for mount in sorted(portals, key=len, reverse=True):
        if _mounted_at(path, mount):
            return portals[mount]
    return None


def mounted_portal(connection: ASGIConnection[Any, Any, Any, Any]) -> Portal:
    """:func:`portal_of` a request that reached one of dsr's routes (it always has one)."""
    portal = portal_of(connection)
    if portal is None:
        raise LookupError("no dsr portal is mounted at this path")
    return portal


def is_api(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """A request to one of the portal's JSON APIs, by its route's metadata; a path no route
    matched counts as API when it lies under ``<mount>/api/``."""
    handler = connection.scope.get("route_handler")
    if handler is not None and PORTAL_OPT in handler.opt:
        return bool(handler.opt.get(API_OPT))
    portal = portal_of(connection)
    if portal is None:
        return False
    return connection.scope["path"][len(portal.path) :].startswith("/api/")


# --------------------------------------------------------------------------- cookies


def _cookie_name(header_value: str) -> str:
    return header_value.split("=", 1)[0].strip()


def cookie_guard(mount: str) -> Any:
    """The ``before_send`` hook removing foreign ``Set-Cookie`` headers from responses under ``mount``."""

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or not _mounted_at(scope.get("path", ""), mount):
            return
        handler = scope.get("route_handler")
        if handler is not None and PORTAL_OPT not in handler.opt:
            return  # a host route that happens to lie under the mount path: not ours to judge
        allowed: Iterable[str] = handler.opt.get(COOKIES_OPT, ()) if handler is not None else ()
        headers = MutableScopeHeaders(message)
        cookies = headers.getall("set-cookie", [])
        if not cookies:
            return
        kept = [c for c in cookies if _cookie_name(c) in allowed]
        del headers["set-cookie"]
        for cookie in kept:
            headers.add("set-cookie", cookie)

    return hook


# --------------------------------------------------------------------------- host middleware


_PUBLIC_PATHS = ("/de/", "/api/public/controllers")
#: the mount's paths judged for host middleware: the public ones and the officer login
_ALL_PATHS = (*_PUBLIC_PATHS, "/officer/login")


def _covers(exclude: str | list[str] | None, mount: str, paths: tuple[str, ...] = _ALL_PATHS) -> bool:
    """Whether a Litestar ``exclude`` (regex patterns searched in the path) skips every path of
    the mount — judged by its public and officer pages."""
    if not exclude:
        return False
    pattern = re.compile(exclude if isinstance(exclude, str) else "|".join(exclude))
    return all(pattern.search(f"{mount}{rest}") for rest in paths)


def host_middleware_warnings(app_config: AppConfig, mount: str, *, host_session_officers: bool = False) -> list[str]:
    """What host middleware still runs on dsr's routes (one sentence each, for the log).

    ``host_session_officers``: ``officer_auth`` reads the host's session on the officer pages, so
    only the public pages must be excluded from the host's session middleware."""
    session_paths = _PUBLIC_PATHS if host_session_officers else _ALL_PATHS
    problems = []
    for middleware in app_config.middleware:
        if isinstance(middleware, DefineMiddleware) and isinstance(middleware.middleware, type):
            if issubclass(middleware.middleware, SessionMiddleware):
                backend = middleware.kwargs.get("backend")
                exclude = getattr(getattr(backend, "config", None), "exclude", None)
                if not _covers(exclude, mount or "/", session_paths):
                    problems.append(
                        f"the host's session middleware runs on dsr's routes under {mount or '/'!r}: its cookie is "
                        f"removed from dsr's responses, but add '^{mount}/' to its exclude (except the officer "
                        "pages if officer_auth reads the host session)"
                    )
    csrf = app_config.csrf_config
    if csrf is not None and not _covers(csrf.exclude, mount or "/"):
        problems.append(
            f"the host's CSRFConfig does not exclude dsr's routes under {mount or '/'!r}: dsr's routes opt out "
            f"through opt[{csrf.exclude_from_csrf_key!r}] (the officer side has its own CSRF tokens) and its "
            f"cookie is removed from dsr's responses; add '^{mount}/' to its exclude to say so"
        )
    return problems


def host_opt_outs(app_config: AppConfig) -> dict[str, bool]:
    """Route ``opt`` that switches host middleware off on dsr's routes where it would break them:
    the host's CSRF check refuses dsr's forms, which carry dsr's own tokens, not the host's."""
    csrf = app_config.csrf_config
    return {csrf.exclude_from_csrf_key: True} if csrf is not None else {}


# --------------------------------------------------------------------------- access logs

#: a dsr link token: 32 URL-safe characters (anything from 16 on, so older or longer ones too)
_TOKEN = r"[A-Za-z0-9_-]{16,}(?=[/?#\s\"]|$)"
_TOKEN_PATHS = re.compile(rf"(/(?:verify|download|verifications|downloads)/){_TOKEN}")
_TOKEN_QUERY = re.compile(r"([?&]james_login=)[^&\s\"]+")
REDACTED = "[token]"


def redact_tokens(text: str) -> str:
    """``text`` with dsr's link tokens (verification, download, James login) replaced."""
    return _TOKEN_QUERY.sub(rf"\1{REDACTED}", _TOKEN_PATHS.sub(rf"\1{REDACTED}", text))


class TokenRedaction(logging.Filter):
    """A logging filter for access logs: dsr's link tokens in the line are replaced by ``[token]``.

    Works on uvicorn's access records (the path is one of ``record.args``) and on any record
    whose message or string arguments carry a path; never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_tokens(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


#: add to a host's access logger: ``logging.getLogger("uvicorn.access").addFilter(access_log_filter)``
access_log_filter = TokenRedaction()
#: the access loggers the plugin adds :data:`access_log_filter` to at startup
ACCESS_LOGGERS = ("uvicorn.access", "hypercorn.access")


def filter_access_logs() -> None:
    for name in ACCESS_LOGGERS:
        logging.getLogger(name).addFilter(access_log_filter)  # added once, however often called
