"""One officer page: the officer's language, the CSRF token, the language switch's way back, and
the words (states, stores, staff by name) every officer template speaks with."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from dsr import casefile
from dsr.portal.context import Portal
from dsr.portal.i18n import Language
from dsr.portal.officer.session import page_language
from dsr.portal.officer.words import Words


def officer_page(
    portal: Portal,
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    user: casefile.User | None = None,
    language: Language | None = None,
    here: str | None = None,
    **context: Any,
) -> Response[str]:
    """A page in the officer's language; ``here`` is where the language switch returns to."""
    if here is None:  # after a POST the page shown is not the address: the switch goes to the list
        here = request.url.path if request.method == "GET" else portal.url("/officer/")
        here += f"?{request.url.query}" if request.method == "GET" and request.url.query else ""
    language = language or page_language(request)
    staff_names = context.pop("staff_names", {})
    return portal.render(
        language,
        template,
        status_code=status_code,
        user=user,
        csrf=request.state.get("dsr_csrf", ""),
        here=here,
        words=Words(language, portal.settings, staff_names),
        **context,
    )
