"""Security headers on every portal response, no cookies on the public side, and rate limits.

The CSP allows only the portal's own origin: no third-party scripts, styles, fonts or frames.
Rate limits use Litestar's RateLimitMiddleware, one bucket per kind of action and client
address; a route opts in with ``opt={"rate_limit": "code" | "download" | "login"}`` and only
its POSTs count. The address is kept as a keyed hash only. ``[portal] rate_limit_store`` picks
where the counters live: in the process ("memory") or in the portal's database, shared by every
process ("database", see ``dsr.portal.ratelimit``).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.base import DefineMiddleware
from litestar.stores.base import Store
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from dsr.portal.context import Portal
from dsr.portal.ratelimit import DatabaseStore, SharedRateLimitConfig, SubmissionLimit, client_key

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()",
}


def security_headers(tls: bool, *, strip_cookies: bool = False) -> DefineMiddleware:
    """Middleware adding :data:`HEADERS` (and HSTS over TLS); ``strip_cookies`` for public routes."""
    return DefineMiddleware(SecurityHeaders, tls=tls, strip_cookies=strip_cookies)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, tls: bool, strip_cookies: bool) -> None:
        self.app = app
        self.tls = tls
        self.strip_cookies = strip_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope["path"]

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders(message)
                for key, value in HEADERS.items():
                    headers[key] = value
                if self.tls:
                    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
                if not static:
                    # pages show references, secrets and codes: keep them out of shared caches and history
                    headers["cache-control"] = "no-store"
                if self.strip_cookies:
                    # what the router's own layers add; a host's middleware and hooks run outside
                    # this router: dsr.portal.isolation.cookie_guard removes theirs
                    del headers["set-cookie"]
            await send(message)

        await self.app(scope, receive, wrapped)


def _bucket(name: str, limit: int, secret: bytes, store: Store | None) -> SharedRateLimitConfig:
    def applies(request: Request[Any, Any, Any]) -> bool:
        return request.method == "POST" and request.route_handler.opt.get("rate_limit") == name

    def identifier(request: Request[Any, Any, Any]) -> str:
        return f"dsr-{name}::{client_key(secret, request)}"

    return SharedRateLimitConfig(
        rate_limit=("hour", limit),
        check_throttle_handler=applies,
        identifier_for_request=identifier,
        store="dsr_rate_limit",
        shared_store=store,
    )


def _store(portal: Portal) -> Store | None:
    return DatabaseStore(portal.engine) if portal.settings.portal.rate_limit_store == "database" else None


def submission_limit(portal: Portal) -> SubmissionLimit:
    """Accepted requests per client address, counted where ``[portal] rate_limit_store`` says."""
    return SubmissionLimit(portal.settings.portal.rate_limits.submissions_per_hour, portal.secret, _store(portal))


def login_limits(portal: Portal) -> list[DefineMiddleware]:
    """The officer side's limit: login attempts per client address (routes with
    ``opt={"rate_limit": "login"}``), so one address cannot try passwords at will."""
    limits = portal.settings.portal.rate_limits
    return [_bucket("login", limits.logins_per_hour, portal.secret, _store(portal)).middleware]


def rate_limits(portal: Portal) -> list[DefineMiddleware]:
    """The public side's limits, counted where ``[portal] rate_limit_store`` says."""
    limits = portal.settings.portal.rate_limits
    store = _store(portal)
    # submissions are counted by the handlers (dsr.portal.ratelimit.SubmissionLimit): only accepted ones count
    return [
        _bucket("code", limits.code_attempts_per_hour, portal.secret, store).middleware,
        _bucket("download", limits.downloads_per_hour, portal.secret, store).middleware,
    ]
