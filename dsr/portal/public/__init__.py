"""The public side: pages under ``/de`` and ``/en``, the JSON API under ``/api/public``. No cookies
(this router strips its own; ``dsr.portal.isolation.cookie_guard`` those a host adds outside it)."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from dsr.portal.context import Portal
from dsr.portal.isolation import API_OPT
from dsr.portal.public import api, pages
from dsr.portal.ratelimit import SubmissionLimit
from dsr.portal.security import rate_limits, security_headers, submission_limit


def router(portal: Portal) -> Router:
    settings = portal.settings.portal
    submissions = submission_limit(portal)

    def counted_submissions() -> SubmissionLimit:
        return submissions

    return Router(
        path="/",
        route_handlers=[
            *pages.HANDLERS,
            Router(path="/api/public", route_handlers=api.HANDLERS, tags=["public"], opt={API_OPT: True}),
        ],
        middleware=[security_headers(settings.tls, strip_cookies=True), *rate_limits(portal)],
        dependencies={"submissions": Provide(counted_submissions, sync_to_thread=False)},
        # an authorisation upload plus the form; larger bodies get a clear 413 page
        request_max_body_size=settings.max_upload_bytes + 200_000,
    )
